using Realtime.Server.Backplane;
using Realtime.Server.Backplane.Redis;
using StackExchange.Redis;

namespace Realtime.Server.Features;

/// <summary>Claims in Redis: <c>SET NX</c> and the event's append + publish in one script.</summary>
public sealed class RedisClaimStore(RedisBackplane backplane) : IClaimStore
{
    public async ValueTask<ClaimOutcome> ClaimAsync(string channel, string resource, string owner, TimeSpan? ttl, HistoryPolicy history, CancellationToken cancellationToken = default)
    {
        var result = (RedisResult[])(await backplane.RunAsync(channel, RedisScripts.Claim,
            [backplane.Keys.Claim(channel, resource), backplane.Keys.Stream(channel), backplane.Keys.Epoch(channel)],
            [owner, (long)(ttl?.TotalMilliseconds ?? 0), .. backplane.AppendArguments(channel, ClaimEvents.Claimed(resource, owner), history)]).ConfigureAwait(false))!;
        return (int)result[0] == 1
            ? new ClaimOutcome(ClaimStatus.Done, owner, result[1].ToString())
            : new ClaimOutcome(ClaimStatus.HeldByOther, result[1].ToString(), null);
    }

    public async ValueTask<ClaimOutcome> ReleaseAsync(string channel, string resource, string? owner, HistoryPolicy history, CancellationToken cancellationToken = default)
    {
        var result = (RedisResult[])(await backplane.RunAsync(channel, RedisScripts.Release,
            [backplane.Keys.Claim(channel, resource), backplane.Keys.Stream(channel), backplane.Keys.Epoch(channel)],
            [owner ?? "", .. backplane.AppendArguments(channel, ClaimEvents.Released(resource, owner), history)]).ConfigureAwait(false))!;
        return (int)result[0] switch
        {
            1 => new ClaimOutcome(ClaimStatus.Done, owner, result[1].ToString()),
            0 => new ClaimOutcome(ClaimStatus.NotClaimed, null, null),
            _ => new ClaimOutcome(ClaimStatus.HeldByOther, result[1].ToString(), null),
        };
    }
}
