using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using MatMulFree.Model.Text;

namespace MatMulFree.Compiler.Emit
{
    /// <summary>
    /// The one way text from a model file or an option enters generated C (the HLS
    /// backend): comment text, string literals and identifiers. Comment text is
    /// printable ASCII without <c>*</c>, <c>\</c> or <c>?</c> (so nothing can close the
    /// comment, open a nested one, splice a line or form a trigraph), each of those and
    /// every other character written as <c>\uXXXX</c>; string literals escape their bytes.
    /// Identifiers are built from <c>[A-Za-z0-9_]</c> and checked against the C and C++
    /// keywords (Vitis HLS compiles C++ too) and the names reserved to the implementation.
    /// </summary>
    public static class CText
    {
        public const int MaxIdentifierLength = 64;

        private static readonly HashSet<string> Keywords = new HashSet<string>(StringComparer.Ordinal)
        {
            // C89 to C23
            "auto", "break", "case", "char", "const", "continue", "default", "do", "double", "else", "enum", "extern",
            "float", "for", "goto", "if", "inline", "int", "long", "register", "restrict", "return", "short", "signed",
            "sizeof", "static", "struct", "switch", "typedef", "union", "unsigned", "void", "volatile", "while",
            "_Alignas", "_Alignof", "_Atomic", "_Bool", "_Complex", "_Generic", "_Imaginary", "_Noreturn",
            "_Static_assert", "_Thread_local", "alignas", "alignof", "bool", "constexpr", "false", "nullptr",
            "static_assert", "thread_local", "true", "typeof", "typeof_unqual", "_BitInt", "_Decimal32",
            "_Decimal64", "_Decimal128",
            // C++
            "and", "and_eq", "asm", "bitand", "bitor", "catch", "char8_t", "char16_t", "char32_t", "class", "compl",
            "concept", "const_cast", "consteval", "constinit", "co_await", "co_return", "co_yield", "decltype",
            "delete", "dynamic_cast", "explicit", "export", "friend", "mutable", "namespace", "new", "noexcept",
            "not", "not_eq", "operator", "or", "or_eq", "private", "protected", "public", "reinterpret_cast",
            "requires", "static_cast", "template", "this", "throw", "try", "typeid", "typename", "using",
            "virtual", "wchar_t", "xor", "xor_eq", "final", "override", "import", "module",
            // the program's entry point and the standard names a generated project uses
            "main", "NULL", "FILE", "stdin", "stdout", "stderr", "errno", "assert",
        };

        /// <summary>Comment text for <c>/* ... */</c> (see the class remarks).</summary>
        public static string Comment(string text)
        {
            var sb = new StringBuilder(text.Length);
            foreach (char c in text)
            {
                if (c >= 0x20 && c < 0x7f && c != '*' && c != '\\' && c != '?')
                {
                    sb.Append(c);
                }
                else
                {
                    sb.AppendUnicodeEscape(c);
                }
            }
            return sb.ToString();
        }

        /// <summary>A C string literal of the UTF-8 bytes of <paramref name="text"/>, quotes included:
        /// printable ASCII but <c>" \ ?</c> as is, every other byte as a three-digit octal escape.</summary>
        public static string Literal(string text)
        {
            var sb = new StringBuilder(text.Length + 2).Append('"');
            foreach (byte b in new UTF8Encoding(false, false).GetBytes(text))
            {
                if (b >= 0x20 && b < 0x7f && b != '"' && b != '\\' && b != '?')
                {
                    sb.Append((char)b);
                }
                else
                {
                    sb.Append('\\').Append(Convert.ToString(b, 8).PadLeft(3, '0'));
                }
            }
            return sb.Append('"').ToString();
        }

        /// <summary>True for <c>[A-Za-z_][A-Za-z0-9_]*</c> of at most <see cref="MaxIdentifierLength"/> characters
        /// that is no keyword and not reserved to the implementation (<c>_X...</c>, <c>__...</c>).</summary>
        public static bool IsIdentifier(string s)
        {
            if (s.Length == 0 || s.Length > MaxIdentifierLength || (s[0] >= '0' && s[0] <= '9'))
            {
                return false;
            }
            foreach (char c in s)
            {
                if (!IsWordCharacter(c))
                {
                    return false;
                }
            }
            if (s[0] == '_' && s.Length > 1 && (s[1] == '_' || (s[1] >= 'A' && s[1] <= 'Z')) || s.Contains("__"))
            {
                // C reserves _X... and __...; C++ any name with "__" in it.
                return false;
            }
            return !Keywords.Contains(s);
        }

        /// <summary>Why <paramref name="s"/> is not a usable C identifier, or null.</summary>
        public static string? IdentifierProblem(string s)
        {
            if (s.Length == 0 || s.Length > MaxIdentifierLength)
            {
                return $"must have 1 to {MaxIdentifierLength} characters";
            }
            foreach (char c in s)
            {
                if (!IsWordCharacter(c))
                {
                    return "may only have the letters A-Z and a-z, digits and '_'";
                }
            }
            if (s[0] >= '0' && s[0] <= '9')
            {
                return "must not start with a digit";
            }
            if (Keywords.Contains(s))
            {
                return "is a C or C++ keyword or a name every C program has";
            }
            return IsIdentifier(s) ? null : "is reserved to the C or C++ implementation (it starts with '_' and a capital, or has '__')";
        }

        /// <summary>The characters of <paramref name="text"/> that may stay in an identifier, others as '_',
        /// without leading or trailing '_', cut to <paramref name="maxLength"/>; "" when none is left.</summary>
        public static string Sanitize(string text, int maxLength)
        {
            var sb = new StringBuilder();
            foreach (char c in text)
            {
                sb.Append(IsWordCharacter(c) ? c : '_');
                if (sb.Length >= 4 * maxLength)
                {
                    break;
                }
            }
            string id = sb.ToString().Trim('_');
            while (id.Contains("__"))
            {
                id = id.Replace("__", "_");
            }
            return id.Length > maxLength ? id.Substring(0, maxLength).TrimEnd('_') : id;
        }

        private static bool IsWordCharacter(char c) =>
            (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    }
}
