namespace Realtime.Server.Features;

/// <summary>
/// Who is in which channel, across nodes. Members expire unless their node refreshes them, so the
/// members of a node that dies without cleaning up disappear within two heartbeats.
/// </summary>
public interface IPresenceStore
{
    ValueTask JoinAsync(string channel, PresenceMember member, CancellationToken cancellationToken = default);

    ValueTask LeaveAsync(string channel, string connection, CancellationToken cancellationToken = default);

    /// <summary>This node's heartbeat: keeps its members of <paramref name="channel"/> alive and drops expired ones.</summary>
    ValueTask RefreshAsync(string channel, IReadOnlyCollection<string> connections, CancellationToken cancellationToken = default);

    ValueTask<IReadOnlyList<PresenceMember>> MembersAsync(string channel, CancellationToken cancellationToken = default);
}
