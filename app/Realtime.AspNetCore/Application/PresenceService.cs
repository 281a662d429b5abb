using System.Collections.Concurrent;
using Realtime.AspNetCore.Backplane;
using Realtime.AspNetCore.Channels;
using Realtime.AspNetCore.Protocol;
using Realtime.AspNetCore.Features;

namespace Realtime.AspNetCore.Application;

/// <summary>
/// Presence for this node's connections: joins when a connection subscribes to a channel whose
/// namespace tracks presence, leaves when it unsubscribes or closes, and re-asserts every member of
/// this node each heartbeat and when the backplane's link comes back (which also sweeps members
/// whose node died). A member never disappears while its connection lives: a join that failed, or a
/// member the backplane lost in a restart or failover, is written again at the next refresh.
/// </summary>
public sealed class PresenceService
{
    // channel → this node's members there, by connection
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, PresenceMember>> _local = new(StringComparer.Ordinal);
    private readonly IPresenceStore _store;
    private readonly ChannelRules _rules;
    private readonly NodeIdentity _node;
    private readonly TimeProvider _time;
    private readonly ILogger<PresenceService> _logger;

    public PresenceService(IPresenceStore store, ChannelRules rules, NodeIdentity node, IBackplane backplane, TimeProvider time, ILogger<PresenceService> logger)
    {
        (_store, _rules, _node, _time, _logger) = (store, rules, node, time, logger);
        backplane.LinkRestored += () => _ = RefreshAsync(CancellationToken.None);
    }

    public async ValueTask JoinAsync(ClientSession session, string channel, CancellationToken cancellationToken)
    {
        var member = new PresenceMember(session.Id, session.User, _node.Id, _time.GetUtcNow().ToUnixTimeMilliseconds());
        _local.GetOrAdd(channel, static _ => new(StringComparer.Ordinal))[session.Id] = member;
        session.PresenceChannels.Add(channel);
        try
        {
            await _store.JoinAsync(channel, member, cancellationToken).ConfigureAwait(false);
        }
        catch (BackplaneUnavailableException)
        {
            // The subscription stands; the next refresh writes the member.
            PresenceLog.JoinFailed(_logger, channel);
        }
    }

    public async ValueTask LeaveAsync(ClientSession session, string channel)
    {
        if (!session.PresenceChannels.Remove(channel))
        {
            return;
        }

        if (_local.TryGetValue(channel, out var members))
        {
            members.TryRemove(session.Id, out _);
        }

        try
        {
            await _store.LeaveAsync(channel, session.Id).ConfigureAwait(false);
        }
        catch (BackplaneUnavailableException)
        {
            // The member expires by itself within two heartbeats.
        }
    }

    /// <summary>The <c>presence</c> request and the HTTP API.</summary>
    public async ValueTask<IReadOnlyList<PresenceMember>> MembersAsync(string channel, CancellationToken cancellationToken)
    {
        if (!_rules.For(channel).Presence)
        {
            throw new RequestException(ErrorCodes.Forbidden, "presence is not tracked in this namespace");
        }

        return await _store.MembersAsync(channel, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>This node's heartbeat: re-assert its members, sweep the dead.</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        foreach (var (channel, members) in _local)
        {
            if (members.IsEmpty)
            {
                _local.TryRemove(new KeyValuePair<string, ConcurrentDictionary<string, PresenceMember>>(channel, members));
                continue;
            }

            var refreshed = members.Values.ToList();
            try
            {
                await _store.RefreshAsync(channel, refreshed, cancellationToken).ConfigureAwait(false);

                // One that left while the refresh was on its way was written back by it (and announced
                // as joining); without this it would linger until it expired. Asked of the channel's
                // members now, not of the list taken: the connection may have joined again meanwhile.
                foreach (var member in refreshed)
                {
                    if (!(_local.TryGetValue(channel, out var now) && now.ContainsKey(member.Connection)))
                    {
                        await _store.LeaveAsync(channel, member.Connection, cancellationToken).ConfigureAwait(false);
                    }
                }
            }
            catch (BackplaneUnavailableException)
            {
                return; // Redis is down: the refresh after the link comes back writes them all
            }
        }
    }
}

internal static partial class PresenceLog
{
    [LoggerMessage(EventId = 4001, Level = LogLevel.Warning, Message = "Presence join on {Channel} failed: the backplane is unavailable")]
    public static partial void JoinFailed(ILogger logger, string channel);
}
