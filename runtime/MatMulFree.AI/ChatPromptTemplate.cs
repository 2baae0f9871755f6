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
                prompt.Append(Message(message.Role, message.Text));
            }
            return prompt.Append(AnswerStart).ToString();
        }

        /// <summary>One message of the transcript, with what ends it.</summary>
        public virtual string Message(ChatRole role, string text) =>
            role == ChatRole.System ? text + "\n\n"
            : role == ChatRole.Assistant ? "Assistant: " + text + "\n"
            : "User: " + text + "\n";

        /// <summary>What the model continues: the start of the assistant's turn.</summary>
        public virtual string AnswerStart => "Assistant:";

        /// <summary>The start of an answer as the model wrote it after <see cref="AnswerStart"/>, without what
        /// <see cref="Message"/> puts there itself (one space), so that an answer sent back in the conversation
        /// is the text the model read.</summary>
        public virtual string AnswerText(string start) => start.StartsWith(" ", StringComparison.Ordinal) ? start.Substring(1) : start;
    }
}
