using Realtime.AspNetCore.Features;
using StackExchange.Redis;

namespace Realtime.AspNetCore.Backplane.Redis;

/// <summary>Claims in Redis: the check, the event's append + publish and the claim's key in one script; an index scored by expiry.</summary>
public sealed class RedisClaimStore(RedisBackplane backplane) : IClaimStore
{
    public async ValueTask<ClaimOutcome> ClaimAsync(string channel, string resource, string owner, TimeSpan ttl, HistoryPolicy history, CancellationToken cancellationToken = default)
    {
        var result = (RedisResult[])(await backplane.RunAsync(channel, RedisScripts.Claim,
            [backplane.Keys.Claim(channel, resource), .. backplane.Keys.History(channel), backplane.Keys.Claims(channel)],
            [owner, (long)Math.Ceiling(ttl.TotalMilliseconds), resource, .. backplane.AppendArguments(channel, ClaimEvents.Claimed(resource, owner), history)], mutates: true).ConfigureAwait(false))!;
        return (int)result[0] switch
        {
            1 => new ClaimOutcome(ClaimStatus.Done, owner, result[1].ToString()),
            2 => new ClaimOutcome(ClaimStatus.AlreadyHeld, owner, result[1].IsNull ? null : result[1].ToString()),
            _ => new ClaimOutcome(ClaimStatus.HeldByOther, result[1].ToString(), null),
        };
    }

    public async ValueTask<ClaimList> ListAsync(string channel, int limit, CancellationToken cancellationToken = default)
    {
        var page = (RedisResult[])(await backplane.RunAsync(channel, RedisScripts.Claims, [backplane.Keys.Claims(channel)],
            [limit], mutates: false).ConfigureAwait(false))!;
        var resources = page.Skip(1).Select(r => r.ToString()).ToList();
        var holders = new List<ClaimHolder>(resources.Count);
        if (resources.Count > 0)
        {
            var owners = (RedisResult[])(await backplane.RunAsync(channel, RedisScripts.Owners,
                [.. resources.Select(r => backplane.Keys.Claim(channel, r))], [], mutates: false).ConfigureAwait(false))!;
            // A claim released or expired between the two reads is left out, as if listed a moment earlier.
            holders.AddRange(resources.Zip(owners).Where(p => !p.Second.IsNull).Select(p => new ClaimHolder(p.First, p.Second.ToString())));
        }

        return new ClaimList([.. holders.OrderBy(h => h.Resource, StringComparer.Ordinal)], (int)page[0] == 1);
    }

    public async ValueTask<ClaimOutcome> ReleaseAsync(string channel, string resource, string? owner, HistoryPolicy history, CancellationToken cancellationToken = default)
    {
        var result = (RedisResult[])(await backplane.RunAsync(channel, RedisScripts.Release,
            [backplane.Keys.Claim(channel, resource), .. backplane.Keys.History(channel), backplane.Keys.Claims(channel)],
            [owner ?? "", resource, .. backplane.AppendArguments(channel, ClaimEvents.Released(resource, owner), history)], mutates: true).ConfigureAwait(false))!;
        return (int)result[0] switch
        {
            1 => new ClaimOutcome(ClaimStatus.Done, owner, result[1].ToString()),
            0 => new ClaimOutcome(ClaimStatus.NotClaimed, null, null),
            _ => new ClaimOutcome(ClaimStatus.HeldByOther, result[1].ToString(), null),
        };
    }
}
