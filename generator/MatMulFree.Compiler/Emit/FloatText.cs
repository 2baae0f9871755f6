using System.Globalization;

namespace MatMulFree.Compiler.Emit
{
    /// <summary>float32 values as literals of generated C# and C.</summary>
    public static class FloatText
    {
        /// <summary>A float32 literal that reads back as exactly the same value in C# and in C: 9 significant
        /// digits (always enough), a '.' or an exponent (C reads "1f" as nothing), the 'f' suffix.
        /// Model values are finite (the manifest reader refuses others).</summary>
        public static string Literal(float v)
        {
            string s = v.ToString("G9", CultureInfo.InvariantCulture);
            if (s.IndexOf('.') < 0 && s.IndexOf('E') < 0)
            {
                s += ".0";
            }
            return s + "f";
        }
    }
}
