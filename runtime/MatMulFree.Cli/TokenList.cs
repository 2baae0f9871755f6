using System.Collections.Generic;
using System.Globalization;

namespace MatMulFree.Cli
{
    /// <summary>Parses "1,2,3" into token ids, each checked against the vocabulary.</summary>
    internal static class TokenList
    {
        public const int MaxTokens = 1 << 20;

        public static int[] Parse(string text, int vocab)
        {
            var ids = new List<int>();
            var parts = text.Split(',');
            for (int k = 0; k < parts.Length; k++)
            {
                string p = parts[k].Trim();
                if (!int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out int id))
                {
                    throw new UsageException($"--tokens: item {k + 1} (\"{Short(p)}\") is not a non-negative integer");
                }
                if (id >= vocab)
                {
                    throw new UsageException($"--tokens: item {k + 1} is token {id}, outside the vocabulary [0, {vocab})");
                }
                if (ids.Count == MaxTokens)
                {
                    throw new UsageException($"--tokens: more than {MaxTokens} tokens");
                }
                ids.Add(id);
            }
            return ids.ToArray();
        }

        private static string Short(string s) => s.Length <= 20 ? s : s.Substring(0, 17) + "...";
    }
}
