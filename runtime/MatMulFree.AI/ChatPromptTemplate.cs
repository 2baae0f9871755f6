using System;
using System.Collections.Generic;
using System.Text;
using Microsoft.Extensions.AI;

namespace MatMulFree.AI
{
    /// <summary>
    /// How a conversation becomes the text a model continues. The released MMfreeLM checkpoints
    /// are base models with no chat template, so the default writes a plain transcript: each
    /// system message as a paragraph, then "User: ..." and "Assistant: ..." lines, ending with
    /// "Assistant:" for the model to continue; a new "User:" line ends its answer
    /// (<see cref="StopSequences"/>).
    /// </summary>
    public class ChatPromptTemplate
    {
        /// <summary>The plain transcript described above.</summary>
        public static ChatPromptTemplate Transcript { get; } = new ChatPromptTemplate();

        /// <summary>Stop strings added to every request: where the model starts the next turn itself.</summary>
        public virtual IReadOnlyList<string> StopSequences { get; } = new[] { "\nUser:" };

        /// <summary>The prompt for <paramref name="messages"/>, in order.</summary>
        public virtual string Format(IEnumerable<ChatMessage> messages)
        {
            if (messages == null)
            {
                throw new ArgumentNullException(nameof(messages));
            }
            var prompt = new StringBuilder();
            foreach (var message in messages)
            {
                string text = message.Text;
                if (message.Role == ChatRole.System)
                {
                    prompt.Append(text).Append("\n\n");
                }
                else if (message.Role == ChatRole.Assistant)
                {
                    prompt.Append("Assistant: ").Append(text).Append('\n');
                }
                else
                {
                    prompt.Append("User: ").Append(text).Append('\n');
                }
            }
            return prompt.Append("Assistant:").ToString();
        }
    }
}
