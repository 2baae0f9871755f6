using System;
using System.Collections.Generic;
using System.Globalization;
using MatMulFree.Model.Json;
using MatMulFree.Model.Text;

namespace MatMulFree.Model.Manifest
{
    internal sealed class TooManyErrors : Exception
    {
    }

    /// <summary>
    /// Collects the errors of one manifest read and holds the typed accessors
    /// that produce them: each returns null (and records why) when a value is
    /// missing or of the wrong kind, so readers can go on and report more.
    /// </summary>
    internal sealed class ManifestValidation
    {
        public List<ManifestError> Errors { get; } = new List<ManifestError>();

        public void Add(ManifestErrorKind kind, string message, string pointer, SourceSpan span)
        {
            Errors.Add(new ManifestError(kind, message, pointer, span));
            if (Errors.Count >= ManifestReader.MaxErrors)
            {
                throw new TooManyErrors();
            }
        }

        /// <summary>JSON Pointer escaping of one reference token (RFC 6901).</summary>
        public static string Escape(string token) => token.Replace("~", "~0").Replace("/", "~1");

        /// <summary>A property's pointer as messages show it: its name shortened (<see cref="JsonProperty.ShortName"/>), then escaped.</summary>
        public static string Pointer(string parent, JsonProperty p) => parent + "/" + Escape(p.ShortName);

        public JsonValue? Required(JsonValue obj, string name, string pointer)
        {
            var p = obj.Find(name);
            if (p == null)
            {
                Add(ManifestErrorKind.MissingProperty, $"missing property \"{name}\"", pointer.Length == 0 ? "" : pointer, obj.Span);
                return null;
            }
            return p.Value;
        }

        public void NoOtherProperties(JsonValue obj, string[] allowed, string pointer)
        {
            foreach (var p in obj.Properties)
            {
                bool known = false;
                foreach (var name in allowed)
                {
                    known |= p.NameIs(name);
                }
                if (!known)
                {
                    Add(ManifestErrorKind.UnexpectedProperty,
                        $"unexpected property \"{p.ShortName}\" (expected one of: {string.Join(", ", allowed)})",
                        Pointer(pointer, p), p.NameSpan);
                }
            }
        }

        public JsonValue? Object(JsonValue? value, string pointer) => OfKind(value, JsonKind.Object, pointer);

        public JsonValue? OfKind(JsonValue? value, JsonKind kind, string pointer)
        {
            if (value == null)
            {
                return null;
            }
            if (value.Kind != kind)
            {
                string expected = kind == JsonKind.Object ? "an object" : kind == JsonKind.Array ? "an array" : kind == JsonKind.String ? "a string" : "a number";
                Add(ManifestErrorKind.WrongType, $"expected {expected}, found {value.KindName}", pointer, value.Span);
                return null;
            }
            return value;
        }

        public string? String(JsonValue? value, string pointer) => OfKind(value, JsonKind.String, pointer)?.Text;

        /// <summary>An integer literal within [min, max].</summary>
        public int? Int(JsonValue? value, string pointer, long min, long max)
        {
            if (OfKind(value, JsonKind.Number, pointer) == null)
            {
                return null;
            }
            if (!long.TryParse(value!.Text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long n))
            {
                Add(ManifestErrorKind.InvalidValue, $"expected an integer, found {Shorten(value.Text)}", pointer, value.Span);
                return null;
            }
            if (n < min || n > max)
            {
                Add(n > max && max >= 1024 ? ManifestErrorKind.TooLarge : ManifestErrorKind.InvalidValue,
                    $"{n} is out of range: expected {min} to {max}", pointer, value.Span);
                return null;
            }
            return (int)n;
        }

        /// <summary>A non-negative 64-bit integer literal at most <paramref name="max"/> (file offsets and sizes).</summary>
        public long? Long(JsonValue? value, string pointer, long max)
        {
            if (OfKind(value, JsonKind.Number, pointer) == null)
            {
                return null;
            }
            if (!long.TryParse(value!.Text, NumberStyles.None, CultureInfo.InvariantCulture, out long n) || n > max)
            {
                Add(ManifestErrorKind.InvalidValue, $"expected an integer from 0 to {max}, found {Shorten(value.Text)}", pointer, value.Span);
                return null;
            }
            return n;
        }

        /// <summary>A finite number, rounded once to the nearest float32.</summary>
        public float? Float(JsonValue? value, string pointer)
        {
            if (OfKind(value, JsonKind.Number, pointer) == null)
            {
                return null;
            }
            if (!float.TryParse(value!.Text, NumberStyles.Float, CultureInfo.InvariantCulture, out float f) || float.IsNaN(f) || float.IsInfinity(f))
            {
                Add(ManifestErrorKind.InvalidValue, $"{Shorten(value.Text)} is not a finite float32", pointer, value.Span);
                return null;
            }
            return f;
        }

        /// <summary>Text of the manifest as a message quotes it: escaped for display, at most 40 characters.</summary>
        public static string Shorten(string text) => MatMulFree.Model.Text.DisplayText.Of(text, 40);
    }
}
