namespace Realtime.AspNetCore.Features;

/// <summary>
/// Who is in which channel, across nodes. Members expire unless their node refreshes them, so the
/// members of a node that dies without cleaning up disappear within two heartbeats.
/// </summary>
public interface IPresenceStore
{
    ValueTask JoinAsync(string channel, PresenceMember member, CancellationToken cancellationToken = default);

    ValueTask LeaveAsync(string channel, string connection, CancellationToken cancellationToken = default);

    /// <summary>
    /// This node's heartbeat: writes its members of <paramref name="channel"/> again (one the store
    /// lost, in a restart or failover, comes back and is announced), keeps them alive, drops expired ones.
    /// </summary>
    ValueTask RefreshAsync(string channel, IReadOnlyCollection<PresenceMember> members, CancellationToken cancellationToken = default);

    ValueTask<IReadOnlyList<PresenceMember>> MembersAsync(string channel, CancellationToken cancellationToken = default);
}
