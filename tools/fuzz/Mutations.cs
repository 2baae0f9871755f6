using System;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using MatMulFree.Model.Manifest;

namespace MatMulFree.Fuzz
{
    /// <summary>Damage to texts and bytes: the operators every class draws from.</summary>
    public static class Mutations
    {
        private const string Alphabet = "{}[]\",:0123456789-+.eE \n\\truefalsenullAZaz/=~\u00e9\u2028\u0000";

        /// <summary>Values that stress a reader where a number, a string or a structure is expected.</summary>
        public static readonly string[] HostileValues =
        {
            "-1", "0", "1e309", "-0", "4294967296", "2147483648", "9223372036854775808", "1.5", "1e-50", "NaN",
            "\"\"", "\"x\"", "\"\\u0000\"", "\"\\ud800\"", "\"\\u2028*/\"", "null", "true", "[]", "{}", "[[[[[[1]]]]]]",
            "\"" + new string('A', 10000) + "\"", "{\"a\": {\"b\": {\"c\": []}}}", "[1, 2, 3, 4, 5, 6, 7, 8, 9]",
        };

        /// <summary>One random change to a text: a character replaced, removed, inserted, a cut, a copy, a number changed.</summary>
        public static string Text(string text, Random random)
        {
            if (text.Length == 0)
            {
                return "{";
            }
            int at = random.Next(text.Length);
            switch (random.Next(7))
            {
                case 0: return text.Substring(0, at) + Alphabet[random.Next(Alphabet.Length)] + text.Substring(at + 1);
                case 1: return text.Remove(at, Math.Min(random.Next(1, 64), text.Length - at));
                case 2: return text.Insert(at, Alphabet[random.Next(Alphabet.Length)].ToString());
                case 3: return text.Substring(0, at);
                case 4:
                    int len = Math.Min(random.Next(1, 200), text.Length - at);
                    return text.Insert(random.Next(text.Length), text.Substring(at, len));
                case 5:
                    int digit = text.IndexOfAny("0123456789".ToCharArray(), at);
                    return digit < 0 ? text : text.Substring(0, digit) + random.Next(-5, 100000) + text.Substring(digit + 1);
                default:
                    return Value(text, random);
            }
        }

        /// <summary>A value after some key replaced by a hostile one (keys found textually: the text may not be JSON).</summary>
        public static string Value(string text, Random random)
        {
            var keys = Regex.Matches(text, "\"[^\"\\\\]{1,60}\":\\s*");
            if (keys.Count == 0)
            {
                return text;
            }
            var key = keys[random.Next(keys.Count)];
            int start = key.Index + key.Length;
            int end = ValueEnd(text, start);
            return text.Substring(0, start) + HostileValues[random.Next(HostileValues.Length)] + text.Substring(end);
        }

        /// <summary>Where the JSON value starting at <paramref name="start"/> ends (a best effort on damaged text).</summary>
        private static int ValueEnd(string text, int start)
        {
            int depth = 0;
            bool inString = false;
            for (int k = start; k < text.Length; k++)
            {
                char c = text[k];
                if (inString)
                {
                    if (c == '\\') k++;
                    else if (c == '"') { inString = false; if (depth == 0) return k + 1; }
                    continue;
                }
                if (c == '"') inString = true;
                else if (c == '{' || c == '[') depth++;
                else if (c == '}' || c == ']') { if (depth == 0) return k; if (--depth == 0) return k + 1; }
                else if (c == ',' && depth == 0) return k;
            }
            return text.Length;
        }

        /// <summary>One random change to bytes: a bit flipped, a byte set, a cut, a run zeroed.</summary>
        public static byte[] Bytes(byte[] bytes, Random random, int limit)
        {
            var b = (byte[])bytes.Clone();
            int at = random.Next(Math.Min(limit, b.Length));
            switch (random.Next(4))
            {
                case 0: b[at] ^= (byte)(1 << random.Next(8)); return b;
                case 1: b[at] = (byte)random.Next(256); return b;
                case 2: return b.Take(at).ToArray();
                default:
                    Array.Clear(b, at, Math.Min(random.Next(1, 16), b.Length - at));
                    return b;
            }
        }

        /// <summary>
        /// The manifest with its digest made for what it now says, when the reader gets as far as the digest:
        /// a change the reader would otherwise refuse only as an integrity mismatch reaches the code behind it.
        /// </summary>
        public static string Redigest(string text)
        {
            var result = ManifestReader.Read(text);
            var mismatch = result.Errors.FirstOrDefault(e => e.Kind == ManifestErrorKind.IntegrityMismatch);
            if (mismatch == null || result.Errors.Count != 1)
            {
                return text;
            }
            var digests = Regex.Matches(mismatch.Message, "[0-9a-f]{64}");
            return digests.Count == 2 ? text.Replace(digests[1].Value, digests[0].Value) : text;
        }
    }
}
