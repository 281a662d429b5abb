using Realtime.Client;

namespace Realtime.Server.Tests.Client;

public sealed class ReconnectPolicyTests
{
    private static ReconnectPolicy Policy() => new(new RealtimeClientOptions
    {
        Endpoints = [new Uri("ws://127.0.0.1:1/ws")],
        MinBackoff = TimeSpan.FromMilliseconds(500),
        MaxBackoff = TimeSpan.FromSeconds(20),
        Random = new FixedRandom(1.0),
    });

    [Fact]
    public void A_policy_close_stops_for_good() => Assert.True(Policy().After(1008, drained: false).Stop);

    [Fact]
    public void Failures_back_off_further_each_time_and_a_deploy_starts_over_at_once()
    {
        var policy = Policy();
        Assert.True(policy.FirstAttempt);
        var first = policy.After(closeCode: null, drained: false).Delay;
        var second = policy.After(closeCode: 1006, drained: false).Delay;
        Assert.False(policy.FirstAttempt);
        Assert.True(second > first, $"{second} after {first}");

        // A deploy (1012, or the server's reconnect request) is no failure: back within the minimum.
        Assert.InRange(policy.After(1012, drained: false).Delay, TimeSpan.Zero, TimeSpan.FromMilliseconds(500));
        Assert.True(policy.FirstAttempt);
        Assert.InRange(policy.After(1000, drained: true).Delay, TimeSpan.Zero, TimeSpan.FromMilliseconds(500));
    }
}
