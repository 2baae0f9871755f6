using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using MatMulFree.Runtime;
using MatMulFree.Runtime.Generation;
using MatMulFree.Runtime.Sampling;
using Microsoft.Extensions.AI;

namespace MatMulFree.AI
{
    /// <summary>
    /// <see cref="IChatClient"/> over a MatMul-free model, generic (<see cref="GenericModel"/>) or
    /// compiled in. Each request runs in a session of its own: the conversation, written as a prompt
    /// by the <see cref="ChatPromptTemplate"/>, is fed (layer by layer when the model batches),
    /// then tokens are sampled until the end of sequence, a stop sequence or the token limit.
    /// <para>
    /// <see cref="ChatOptions"/> map to the sampler: Temperature (0 is greedy), TopP, TopK, Seed, MaxOutputTokens
    /// and StopSequences (added to the template's). FrequencyPenalty and PresencePenalty have no counterpart in
    /// the sampler (its one penalty is CTRL's repetition penalty, <see cref="RepetitionPenalty"/>) and are not
    /// applied. Tools, response formats and images are not supported: requests that need them are answered
    /// as plain text. Cancellation stops decoding before the next token.
    /// </para>
    /// </summary>
    public sealed class MatMulFreeChatClient : IChatClient
    {
        private readonly IMatMulFreeModel _model;
        private readonly ChatClientMetadata _metadata;

        /// <param name="model">The model; its <see cref="IMatMulFreeModel.Step"/> must allow concurrent calls on
        /// different states, as every model here does.</param>
        /// <param name="template">How conversations become prompts (default: <see cref="ChatPromptTemplate.Transcript"/>).</param>
        public MatMulFreeChatClient(IMatMulFreeModel model, ChatPromptTemplate? template = null)
        {
            _model = model ?? throw new ArgumentNullException(nameof(model));
            Template = template ?? ChatPromptTemplate.Transcript;
            _metadata = new ChatClientMetadata("MatMulFree", defaultModelId: model.Name);
        }

        public ChatPromptTemplate Template { get; }

        /// <summary>CTRL repetition penalty over the last 64 tokens for every request (1 = off).</summary>
        public float RepetitionPenalty { get; init; } = 1f;

        /// <summary>Output tokens when a request gives no MaxOutputTokens.</summary>
        public int DefaultMaxOutputTokens { get; init; } = 256;

        public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            var text = new StringBuilder();
            ChatFinishReason? finish = null;
            UsageDetails? usage = null;
            await foreach (var update in GetStreamingResponseAsync(messages, options, cancellationToken).ConfigureAwait(false))
            {
                text.Append(update.Text);
                finish = update.FinishReason ?? finish;
                foreach (var content in update.Contents)
                {
                    if (content is UsageContent u)
                    {
                        usage = u.Details;
                    }
                }
            }
            return new ChatResponse(new ChatMessage(ChatRole.Assistant, text.ToString()))
            {
                ModelId = _model.Name,
                FinishReason = finish,
                Usage = usage,
                CreatedAt = DateTimeOffset.UtcNow,
            };
        }

        public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
            [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            var generation = Options(options);
            string prompt = Template.Format(messages);
            cancellationToken.ThrowIfCancellationRequested();
            // Decoding is compute-bound: off the caller's thread, one token at a time.
            await Task.Yield();
            var session = new Session(_model);
            session.FeedText(prompt);
            long input = session.State.Position;
            long output = 0;
            string responseId = Guid.NewGuid().ToString("N");
            bool first = true;
            foreach (var token in session.Generate(generation))
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (token.Id >= 0)
                {
                    output++;
                }
                // The answer without the one space that follows the template's "Assistant:" (which writes it back).
                string text = first ? Template.AnswerText(token.Text) : token.Text;
                first &= token.Text.Length == 0;
                if (text.Length > 0)
                {
                    yield return new ChatResponseUpdate(ChatRole.Assistant, text) { ModelId = _model.Name, ResponseId = responseId };
                }
            }
            var finish = session.LastStopReason == StopReason.MaxTokens ? ChatFinishReason.Length : ChatFinishReason.Stop;
            var usage = new UsageDetails { InputTokenCount = input, OutputTokenCount = output, TotalTokenCount = input + output };
            yield return new ChatResponseUpdate(ChatRole.Assistant, new List<AIContent> { new UsageContent(usage) })
            {
                ModelId = _model.Name,
                ResponseId = responseId,
                FinishReason = finish,
            };
        }

        /// <summary>The generation options of a request.</summary>
        private GenerationOptions Options(ChatOptions? options)
        {
            var stops = new List<string>(Template.StopSequences);
            if (options?.StopSequences is IList<string> more)
            {
                stops.AddRange(more.Where(s => !string.IsNullOrEmpty(s)));
            }
            var generation = new GenerationOptions
            {
                MaxTokens = options?.MaxOutputTokens ?? DefaultMaxOutputTokens,
                StopStrings = stops,
                Sampling = new SamplingOptions
                {
                    Temperature = options?.Temperature ?? 0.6f,
                    TopP = options?.TopP ?? 1f,
                    TopK = options?.TopK ?? 0,
                    Seed = options?.Seed is long seed ? unchecked((ulong)seed) : (ulong)Environment.TickCount64,
                    RepetitionPenalty = RepetitionPenalty,
                },
            };
            generation.Validate();
            return generation;
        }

        public object? GetService(Type serviceType, object? serviceKey = null)
        {
            if (serviceType == null)
            {
                throw new ArgumentNullException(nameof(serviceType));
            }
            if (serviceKey != null)
            {
                return null;
            }
            if (serviceType == typeof(ChatClientMetadata))
            {
                return _metadata;
            }
            return serviceType.IsInstanceOfType(this) ? this : serviceType.IsInstanceOfType(_model) ? _model : null;
        }

        /// <summary>The client holds no resources; the model is the caller's to dispose.</summary>
        public void Dispose()
        {
        }
    }
}
