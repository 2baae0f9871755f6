using MatMulFree.Model.Json;
using MatMulFree.Model.Text;

namespace MatMulFree.Model.Manifest
{
    /// <summary>What is wrong with a manifest. Each kind maps to one generator
    /// diagnostic id (docs/diagnostics.md) and one CLI message.</summary>
    public enum ManifestErrorKind
    {
        InvalidJson,
        UnsupportedFormat,
        MissingProperty,
        UnexpectedProperty,
        WrongType,
        InvalidValue,
        TooLarge,
        MissingTensor,
        UnexpectedTensor,
        WrongShape,
        InvalidDtype,
        InvalidBase64,
        WrongDataLength,
        InvalidTrit,
        InvalidScale,
        NonFiniteValue,
        IntegrityMismatch,
        WeightsFile,
    }

    /// <summary>One problem found in a manifest: its kind, a sentence, the JSON
    /// Pointer (RFC 6901) of the value at fault, and its place in the text.</summary>
    public sealed class ManifestError
    {
        public ManifestError(ManifestErrorKind kind, string message, string jsonPointer, SourceSpan span)
        {
            Kind = kind;
            Message = message;
            JsonPointer = jsonPointer;
            Span = span;
        }

        public ManifestErrorKind Kind { get; }
        public string Message { get; }
        public string JsonPointer { get; }
        public SourceSpan Span { get; }

        /// <summary>Longest message and pointer shown: what they quote of the manifest is shortened where it is
        /// quoted, and this bounds the line whatever a message says.</summary>
        public const int MaxShown = 1000;

        /// <summary>"path(line,col): message (at /json/pointer)", the compiler's error format, one line of bounded length.</summary>
        public string Format(string path) =>
            $"{path}({Span.Line},{Span.Column}): {MatMulFree.Model.Text.DisplayText.Of(Message, MaxShown)}" + (JsonPointer.Length > 0 ? $" (at {MatMulFree.Model.Text.DisplayText.Of(JsonPointer, 200)})" : "");
    }
}
