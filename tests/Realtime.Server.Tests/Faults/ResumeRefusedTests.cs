using System.Text.Json.Nodes;
using Realtime.Client;
using Realtime.Server.Tests.Infrastructure;

namespace Realtime.Server.Tests.Faults;

/// <summary>
/// Found by the fault suite (a Redis restart): a client that reconnects to a node whose backplane is
/// down gets its resume answered <c>unavailable</c>. It must try again until the node can serve it,
/// not sit on an open socket in "reconnecting" forever.
/// </summary>
public sealed class ResumeRefusedTests
{
    [Fact]
    public async Task A_resume_refused_while_the_backplane_is_down_is_tried_again_until_it_succeeds()
    {
        await using var redis = new RedisServer();
        await redis.StartAsync();
        var port = FreePort.Next();
        var node = await TestNode.StartAsync(redis.ConnectionString, port: port);
        await using var client = new RealtimeClient(new RealtimeClientOptions
        {
            Endpoints = [node.WebSocket],
            MinBackoff = TimeSpan.FromMilliseconds(100),
            MaxBackoff = TimeSpan.FromMilliseconds(500),
        });
        try
        {
            await client.ConnectAsync();
            var subscription = await client.SubscribeAsync("news:resume");

            await redis.KillAsync();
            await node.DisposeAsync(); // the client loses its node, and finds a new one whose backplane is down
            node = await TestNode.StartAsync(redis.ConnectionString, port: port, nodeId: "resume-new");
            await Eventually.TrueAsync(() => Task.FromResult(client.Welcome?.GetProperty("node").GetString() == "resume-new"), "the client reaches the new node");
            await Task.Delay(TimeSpan.FromSeconds(1)); // its resumes are refused meanwhile
            Assert.Equal(ConnectionState.Reconnecting, client.State);

            await redis.StartAsync();
            await Eventually.TrueAsync(() => Task.FromResult(client.State == ConnectionState.Open), "the client is open again", TimeSpan.FromSeconds(20));
            await client.PublishAsync("news:resume", JsonValue.Create("after"));
            await using var messages = subscription.ReadAllAsync().GetAsyncEnumerator();
            Assert.True(await messages.MoveNextAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10)));
            Assert.Equal("after", messages.Current.Data.GetString());
        }
        finally
        {
            await node.DisposeAsync();
        }
    }
}
