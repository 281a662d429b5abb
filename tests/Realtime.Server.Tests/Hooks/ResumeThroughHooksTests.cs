using Microsoft.Extensions.DependencyInjection;
using Realtime.AspNetCore.Extensibility;
using Realtime.Client;
using Realtime.Server.Tests.Infrastructure;

namespace Realtime.Server.Tests.Hooks;

/// <summary>
/// A subscribe hook that cannot answer for a while (its backend down, say) during a deploy: the .NET
/// client's resume meets <c>hook_failed</c>, tries again, and keeps its subscription.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class ResumeThroughHooksTests(RedisFixture redis)
{
    /// <summary>Fails every subscribe while <see cref="Failing"/> is set.</summary>
    public sealed class FlakyHooks : RealtimeHooks
    {
        private volatile bool _failing;
        private int _refused;

        public bool Failing { get => _failing; set => _failing = value; }

        public int Refused => Volatile.Read(ref _refused);

        public override ValueTask<HookResult> OnSubscribeAsync(ChannelContext context, CancellationToken cancellationToken)
        {
            if (_failing)
            {
                Interlocked.Increment(ref _refused);
                throw new InvalidOperationException("the app's backend is down");
            }

            return default;
        }
    }

    [Fact]
    public async Task A_resume_refused_with_hook_failed_is_tried_again_and_the_subscription_lives_on()
    {
        var settings = new Dictionary<string, string?> { ["Realtime:DrainSeconds"] = "0" };
        await using var a = await TestNode.StartAsync(redis.ConnectionString, settings, "flaky-a", services: s => s.AddRealtimeHooks<FlakyHooks>("flaky"));
        await using var b = await TestNode.StartAsync(redis.ConnectionString, settings, "flaky-b", services: s => s.AddRealtimeHooks<FlakyHooks>("flaky"));
        var hooksOnB = b.Services.GetRequiredService<FlakyHooks>();
        await using var client = new RealtimeClient(new RealtimeClientOptions
        {
            Endpoints = [a.WebSocket, b.WebSocket],
            MinBackoff = TimeSpan.FromMilliseconds(50),
            MaxBackoff = TimeSpan.FromMilliseconds(200),
        });
        await client.ConnectAsync();
        var channel = $"flaky:{Guid.NewGuid():N}";
        var subscription = await client.SubscribeAsync(channel);

        hooksOnB.Failing = true;
        await a.StopAsync(); // the deploy: the client moves to b, whose hook cannot answer yet
        await Eventually.TrueAsync(() => hooksOnB.Refused >= 2, "the resume was refused and tried again");
        hooksOnB.Failing = false;

        await using var publisher = await TestClient.ConnectAsync(b.WebSocket);
        await Eventually.TrueAsync(() => client.State == ConnectionState.Open, "the client resumed");
        await publisher.PublishAsync(channel, """{"after":"the outage"}""");
        await using var messages = subscription.ReadAllAsync().GetAsyncEnumerator();
        Assert.True(await messages.MoveNextAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10)), "the subscription ended instead of resuming");
        Assert.Equal("the outage", messages.Current.Data.GetProperty("after").GetString());
    }
}
