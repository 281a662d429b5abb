using System.Collections.Concurrent;
using Realtime.AspNetCore.Features;

namespace Realtime.AspNetCore.Backplane.InMemory;

/// <summary>Presence for a single node: there is no other node to die, so members leave only when told.</summary>
public sealed class InMemoryPresenceStore(InMemoryBackplane backplane) : IPresenceStore
{
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, PresenceMember>> _channels = new(StringComparer.Ordinal);

    public ValueTask JoinAsync(string channel, PresenceMember member, CancellationToken cancellationToken = default)
    {
        _channels.GetOrAdd(channel, static _ => new(StringComparer.Ordinal))[member.Connection] = member;
        backplane.Broadcast(channel, "join", member.ToJson());
        return ValueTask.CompletedTask;
    }

    public ValueTask LeaveAsync(string channel, string connection, CancellationToken cancellationToken = default)
    {
        if (_channels.TryGetValue(channel, out var members) && members.TryRemove(connection, out var member))
        {
            backplane.Broadcast(channel, "leave", member.ToJson());
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask RefreshAsync(string channel, IReadOnlyCollection<PresenceMember> members, CancellationToken cancellationToken = default) =>
        ValueTask.CompletedTask; // nothing here is lost while the process lives

    public ValueTask<IReadOnlyList<PresenceMember>> MembersAsync(string channel, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult<IReadOnlyList<PresenceMember>>(
            _channels.TryGetValue(channel, out var members) ? members.Values.OrderBy(m => m.JoinedAt).ToList() : []);
}
