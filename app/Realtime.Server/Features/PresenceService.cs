using System.Collections.Concurrent;
using Realtime.Server.Backplane;
using Realtime.Server.Channels;
using Realtime.Server.Connections;
using Realtime.Server.Hosting;
using Realtime.Server.Protocol;

namespace Realtime.Server.Features;

/// <summary>
/// Presence for this node's connections: joins when a connection subscribes to a channel whose
/// namespace tracks presence, leaves when it unsubscribes or closes, and refreshes every member of
/// this node each heartbeat (which also sweeps members whose node died).
/// </summary>
public sealed class PresenceService(IPresenceStore store, ChannelRules rules, NodeIdentity node, TimeProvider time, ILogger<PresenceService> logger)
{
    // channel → this node's member connections there
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, byte>> _local = new(StringComparer.Ordinal);

    public async ValueTask JoinAsync(RealtimeConnection connection, string channel, CancellationToken cancellationToken)
    {
        var member = new PresenceMember(connection.Id, connection.User, node.Id, time.GetUtcNow().ToUnixTimeMilliseconds());
        _local.GetOrAdd(channel, static _ => new(StringComparer.Ordinal))[connection.Id] = 0;
        connection.PresenceChannels.Add(channel);
        try
        {
            await store.JoinAsync(channel, member, cancellationToken).ConfigureAwait(false);
        }
        catch (BackplaneUnavailableException)
        {
            // The next heartbeat cannot bring it back (refresh only extends), so say so; the
            // subscription itself stands.
            PresenceLog.JoinFailed(logger, channel);
        }
    }

    public async ValueTask LeaveAsync(RealtimeConnection connection, string channel)
    {
        if (!connection.PresenceChannels.Remove(channel))
        {
            return;
        }

        if (_local.TryGetValue(channel, out var members))
        {
            members.TryRemove(connection.Id, out _);
        }

        try
        {
            await store.LeaveAsync(channel, connection.Id).ConfigureAwait(false);
        }
        catch (BackplaneUnavailableException)
        {
            // The member expires by itself within two heartbeats.
        }
    }

    /// <summary>The <c>presence</c> request and the HTTP API.</summary>
    public async ValueTask<IReadOnlyList<PresenceMember>> MembersAsync(string channel, CancellationToken cancellationToken)
    {
        if (!rules.For(channel).Presence)
        {
            throw new RequestException(ErrorCodes.Forbidden, "presence is not tracked in this namespace");
        }

        try
        {
            return await store.MembersAsync(channel, cancellationToken).ConfigureAwait(false);
        }
        catch (BackplaneUnavailableException)
        {
            throw new RequestException(ErrorCodes.Unavailable, "the backplane is unavailable; try again");
        }
    }

    /// <summary>This node's heartbeat: keep its members alive, sweep the dead.</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        foreach (var (channel, members) in _local)
        {
            if (members.IsEmpty)
            {
                _local.TryRemove(new KeyValuePair<string, ConcurrentDictionary<string, byte>>(channel, members));
                continue;
            }

            try
            {
                await store.RefreshAsync(channel, members.Keys.ToList(), cancellationToken).ConfigureAwait(false);
            }
            catch (BackplaneUnavailableException)
            {
                return; // Redis is down: nothing to refresh against; members come back with new joins
            }
        }
    }
}

internal static partial class PresenceLog
{
    [LoggerMessage(EventId = 4001, Level = LogLevel.Warning, Message = "Presence join on {Channel} failed: the backplane is unavailable")]
    public static partial void JoinFailed(ILogger logger, string channel);
}
