using System;

namespace MatMulFree.Tests
{
    /// <summary>Random damage to a manifest's text, for the never-throw tests of the reader and the generator.</summary>
    internal static class ManifestMutator
    {
        private const string Alphabet = "{}[]\",:0123456789-+.eE \n\\truefalsenullAZaz/=~\u00e9";

        public static string Mutate(string text, Random random)
        {
            int at = random.Next(text.Length);
            switch (random.Next(6))
            {
                case 0: return text.Substring(0, at) + Alphabet[random.Next(Alphabet.Length)] + text.Substring(at + 1);
                case 1: return text.Remove(at, Math.Min(random.Next(1, 64), text.Length - at));
                case 2: return text.Insert(at, Alphabet[random.Next(Alphabet.Length)].ToString());
                case 3: return text.Substring(0, at);
                case 4:
                    int len = Math.Min(random.Next(1, 200), text.Length - at);
                    return text.Insert(random.Next(text.Length), text.Substring(at, len));
                default:
                    // Replace a digit somewhere with another number.
                    int digit = text.IndexOfAny("0123456789".ToCharArray(), at);
                    return digit < 0 ? text : text.Substring(0, digit) + random.Next(-5, 100000) + text.Substring(digit + 1);
            }
        }
    }
}
