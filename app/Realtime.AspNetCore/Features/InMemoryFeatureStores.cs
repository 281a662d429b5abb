using System.Collections.Concurrent;
using Realtime.AspNetCore.Backplane;
using Realtime.AspNetCore.Backplane.InMemory;

namespace Realtime.AspNetCore.Features;

/// <summary>Presence for a single node: there is no other node to die, so members leave only when told.</summary>
public sealed class InMemoryPresenceStore(InMemoryBackplane backplane) : IPresenceStore
{
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, PresenceMember>> _channels = new(StringComparer.Ordinal);

    public ValueTask JoinAsync(string channel, PresenceMember member, CancellationToken cancellationToken = default)
    {
        _channels.GetOrAdd(channel, static _ => new(StringComparer.Ordinal))[member.Connection] = member;
        backplane.Broadcast(channel, BackplaneMessageKind.Join, member.ToJson());
        return ValueTask.CompletedTask;
    }

    public ValueTask LeaveAsync(string channel, string connection, CancellationToken cancellationToken = default)
    {
        if (_channels.TryGetValue(channel, out var members) && members.TryRemove(connection, out var member))
        {
            backplane.Broadcast(channel, BackplaneMessageKind.Leave, member.ToJson());
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask RefreshAsync(string channel, IReadOnlyCollection<PresenceMember> members, CancellationToken cancellationToken = default) =>
        ValueTask.CompletedTask; // nothing here is lost while the process lives

    public ValueTask<IReadOnlyList<PresenceMember>> MembersAsync(string channel, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult<IReadOnlyList<PresenceMember>>(
            _channels.TryGetValue(channel, out var members) ? members.Values.OrderBy(m => m.JoinedAt).ToList() : []);
}

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
