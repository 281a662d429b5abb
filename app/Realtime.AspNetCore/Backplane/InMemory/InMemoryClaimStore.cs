using System.Collections.Concurrent;
using Realtime.AspNetCore.Features;

namespace Realtime.AspNetCore.Backplane.InMemory;

/// <summary>
/// Claims for a single node: a compare-and-set on a concurrent dictionary decides the winner without
/// a lock; the winner's event is published while the channel's publishes are held, like the Redis script.
/// </summary>
public sealed class InMemoryClaimStore(InMemoryBackplane backplane, TimeProvider time) : IClaimStore
{
    private readonly ConcurrentDictionary<(string Channel, string Resource), Holder> _claims = new();

    private sealed record Holder(string Owner, DateTimeOffset ExpiresAt);

    public ValueTask<ClaimOutcome> ClaimAsync(string channel, string resource, string owner, TimeSpan ttl, HistoryPolicy history, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        var mine = new Holder(owner, now + ttl);
        var key = (channel, resource);
        return ValueTask.FromResult(backplane.Atomically(channel, () =>
        {
            while (true)
            {
                if (_claims.TryAdd(key, mine))
                {
                    break;
                }

                if (_claims.TryGetValue(key, out var current))
                {
                    if (current.ExpiresAt > now && current.Owner == owner)
                    {
                        return new ClaimOutcome(ClaimStatus.AlreadyHeld, owner, backplane.LatestOffset(channel));
                    }

                    if (current.ExpiresAt > now)
                    {
                        return new ClaimOutcome(ClaimStatus.HeldByOther, current.Owner, null);
                    }

                    if (_claims.TryUpdate(key, mine, current))
                    {
                        break; // the previous claim had expired
                    }
                }
            }

            var offset = backplane.Publish(channel, ClaimEvents.Claimed(resource, owner), history);
            return new ClaimOutcome(ClaimStatus.Done, owner, offset);
        }));
    }

    public ValueTask<ClaimList> ListAsync(string channel, int limit, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        foreach (var expired in _claims.Where(c => c.Value.ExpiresAt <= now).ToList())
        {
            _claims.TryRemove(expired);
        }

        var live = _claims
            .Where(c => c.Key.Channel == channel)
            .OrderBy(c => c.Value.ExpiresAt)
            .Take(limit + 1)
            .Select(c => new ClaimHolder(c.Key.Resource, c.Value.Owner))
            .ToList();
        var listed = live.Take(limit).OrderBy(h => h.Resource, StringComparer.Ordinal).ToList();
        return ValueTask.FromResult(new ClaimList(listed, live.Count > limit));
    }

    public ValueTask<ClaimOutcome> ReleaseAsync(string channel, string resource, string? owner, HistoryPolicy history, CancellationToken cancellationToken = default)
    {
        var key = (channel, resource);
        var now = time.GetUtcNow();
        return ValueTask.FromResult(backplane.Atomically(channel, () =>
        {
            if (!_claims.TryGetValue(key, out var current) || current.ExpiresAt <= now)
            {
                return new ClaimOutcome(ClaimStatus.NotClaimed, null, null);
            }

            if (owner is not null && current.Owner != owner)
            {
                return new ClaimOutcome(ClaimStatus.HeldByOther, current.Owner, null);
            }

            _claims.TryRemove(new KeyValuePair<(string, string), Holder>(key, current));
            var offset = backplane.Publish(channel, ClaimEvents.Released(resource, owner), history);
            return new ClaimOutcome(ClaimStatus.Done, owner, offset);
        }));
    }
}
