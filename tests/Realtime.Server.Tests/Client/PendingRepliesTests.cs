using System.Text.Json;
using Realtime.Client;

namespace Realtime.Server.Tests.Client;

public sealed class PendingRepliesTests
{
    private static JsonElement Frame(string json) => JsonDocument.Parse(json).RootElement.Clone();

    [Fact]
    public async Task A_reply_completes_the_request_with_its_ref_and_no_other()
    {
        var replies = new PendingReplies();
        var (first, firstReply) = replies.Expect();
        var (second, secondReply) = replies.Expect();
        Assert.NotEqual(first, second);

        Assert.False(replies.TryComplete(Frame("""{"type":"message","channel":"c"}""")));
        Assert.False(replies.TryComplete(Frame("""{"type":"published","ref":"not-a-number"}""")));
        Assert.True(replies.TryComplete(Frame($$"""{"type":"published","ref":{{second}}}""")));

        Assert.Equal(second, (await secondReply).GetProperty("ref").GetInt32());
        Assert.False(firstReply.IsCompleted);
    }

    [Fact]
    public async Task A_closed_connection_fails_every_request_still_waiting()
    {
        var replies = new PendingReplies();
        var (_, reply) = replies.Expect();
        replies.FailAll();
        var error = await Assert.ThrowsAsync<RealtimeException>(() => reply);
        Assert.Equal("disconnected", error.Code);
    }
}
