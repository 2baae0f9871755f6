using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using MatMulFree.AI;
using MatMulFree.Runtime;
using Microsoft.Extensions.AI;
using Xunit;

namespace MatMulFree.Tests.AI
{
    /// <summary>The model as a consumer of Microsoft.Extensions.AI sees it: through <see cref="IChatClient"/> only.</summary>
    public sealed class ChatClientTests
    {
        private static readonly Lazy<GenericModel> Brown = new Lazy<GenericModel>(() => GenericModel.Load(TestData.Root + "/samples/models/brown-l4-h128.mmf.json"));

        private static IChatClient Client() => new MatMulFreeChatClient(Brown.Value);

        private static readonly ChatMessage[] Conversation =
        {
            new ChatMessage(ChatRole.System, "A conversation about the news."),
            new ChatMessage(ChatRole.User, "What did the jury say?"),
        };

        [Fact]
        public async Task A_response_has_text_usage_and_a_finish_reason()
        {
            using var client = Client();
            var response = await client.GetResponseAsync(Conversation, new ChatOptions { MaxOutputTokens = 24, Temperature = 0, Seed = 1 });
            Assert.Equal(ChatRole.Assistant, response.Messages.Single().Role);
            Assert.False(string.IsNullOrEmpty(response.Text));
            Assert.Equal("brown-l4-h128", response.ModelId);
            Assert.NotNull(response.Usage);
            // The transcript prompt, byte-level tokens plus BOS: its length in tokens.
            string prompt = ChatPromptTemplate.Transcript.Format(Conversation);
            Assert.Equal(Encoding.UTF8.GetByteCount(prompt) + 1, response.Usage!.InputTokenCount);
            Assert.InRange(response.Usage.OutputTokenCount!.Value, 1, 24);
            Assert.Equal(response.Usage.InputTokenCount + response.Usage.OutputTokenCount, response.Usage.TotalTokenCount);
            Assert.True(response.FinishReason == ChatFinishReason.Length || response.FinishReason == ChatFinishReason.Stop);
            Assert.Equal(response.FinishReason == ChatFinishReason.Length, response.Usage.OutputTokenCount == 24);
        }

        [Fact]
        public async Task Streaming_gives_the_same_text_as_a_response_with_the_same_seed()
        {
            using var client = Client();
            var options = new ChatOptions { MaxOutputTokens = 40, Temperature = 0.8f, TopP = 0.9f, TopK = 40, Seed = 7 };
            var whole = await client.GetResponseAsync(Conversation, options);
            var streamed = new StringBuilder();
            int updates = 0;
            await foreach (var update in client.GetStreamingResponseAsync(Conversation, options))
            {
                streamed.Append(update.Text);
                updates++;
            }
            Assert.Equal(whole.Text, streamed.ToString());
            Assert.True(updates > 2);
            // Another seed, another text (almost surely, over 40 sampled tokens).
            var other = await client.GetResponseAsync(Conversation, new ChatOptions { MaxOutputTokens = 40, Temperature = 0.8f, TopP = 0.9f, TopK = 40, Seed = 8 });
            Assert.NotEqual(whole.Text, other.Text);
        }

        [Fact]
        public async Task Stop_sequences_end_the_answer_before_them_and_the_template_stops_at_the_next_turn()
        {
            using var client = Client();
            var free = await client.GetResponseAsync(Conversation, new ChatOptions { MaxOutputTokens = 60, Temperature = 0, StopSequences = Array.Empty<string>() });
            Assert.DoesNotContain("\nUser:", free.Text);
            // Stop at four characters from the middle of the greedy answer: the answer ends before their first occurrence.
            Assert.True(free.Text.Length >= 20, free.Text);
            string stop = free.Text.Substring(10, 4);
            var stopped = await client.GetResponseAsync(Conversation, new ChatOptions { MaxOutputTokens = 60, Temperature = 0, StopSequences = new[] { stop } });
            Assert.Equal(free.Text.Substring(0, free.Text.IndexOf(stop, StringComparison.Ordinal)), stopped.Text);
            Assert.Equal(ChatFinishReason.Stop, stopped.FinishReason);
        }

        [Fact]
        public async Task Cancelling_stops_the_stream_before_the_next_token()
        {
            using var client = Client();
            using var cancel = new CancellationTokenSource();
            int updates = 0;
            await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
            {
                await foreach (var update in client.GetStreamingResponseAsync(Conversation, new ChatOptions { MaxOutputTokens = 500, Temperature = 0.7f, Seed = 3 }, cancel.Token))
                {
                    updates++;
                    cancel.Cancel();
                }
            });
            Assert.Equal(1, updates);
            // Cancelled before it starts: nothing at all.
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.GetResponseAsync(Conversation, null, cancel.Token));
        }

        [Fact]
        public async Task Concurrent_requests_each_get_their_own_session()
        {
            using var client = Client();
            var options = new ChatOptions { MaxOutputTokens = 30, Temperature = 0.7f, Seed = 11 };
            string alone = (await client.GetResponseAsync(Conversation, options)).Text;
            var together = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => client.GetResponseAsync(Conversation, options))));
            Assert.All(together, r => Assert.Equal(alone, r.Text));
        }

        [Fact]
        public void The_client_describes_itself_and_refuses_what_it_cannot_do()
        {
            using var client = Client();
            var metadata = Assert.IsType<ChatClientMetadata>(client.GetService(typeof(ChatClientMetadata)));
            Assert.Equal("MatMulFree", metadata.ProviderName);
            Assert.Equal("brown-l4-h128", metadata.DefaultModelId);
            Assert.Same(client, client.GetService(typeof(IChatClient)));
            Assert.Null(client.GetService(typeof(string)));
            Assert.ThrowsAny<ArgumentException>(() => client.GetResponseAsync(Conversation, new ChatOptions { Temperature = -1 }).GetAwaiter().GetResult());
        }
    }
}
