using Microsoft.Extensions.Options;
using Realtime.AspNetCore.Backplane;
using Realtime.AspNetCore.Protocol;
using Realtime.AspNetCore.Diagnostics;
using Realtime.AspNetCore.Channels;

namespace Realtime.AspNetCore.Application;

/// <summary>
/// Subscribe (with resume), unsubscribe and publish for one session. Resume: subscribe first
/// (live messages are held), read the history after <c>since</c>, send it, then release the held
/// messages without those already sent. When the history cannot cover the gap (another epoch,
/// trimmed, too far behind) the answer is <c>recovered:false</c> with the latest offset, never a silent gap.
/// </summary>
public sealed class SubscriptionService(
    ChannelRegistry channels,
    ChannelRules rules,
    IBackplane backplane,
    PresenceService presence,
    HookCalls hooks,
    RealtimeMetrics metrics,
    IOptions<RealtimeOptions> options,
    TimeProvider time)
{
    private readonly RealtimeOptions _options = options.Value;

    public async ValueTask SubscribeAsync(ClientSession session, ClientFrame request, string channel, CancellationToken cancellationToken)
    {
        if (rules.CanRead(channel, session.User) is { } refused)
        {
            throw new RequestException(ErrorCodes.Forbidden, refused);
        }

        session.SubscribeBucket ??= new TokenBucket(_options.SubscribeRatePerSecond, _options.SubscribeBurst, time);
        if (!session.SubscribeBucket.TryTake())
        {
            throw new RequestException(ErrorCodes.RateLimited, $"more than {_options.SubscribeRatePerSecond} subscribes per second");
        }

        ChannelOffset? since = null;
        if (request.Since is { } text)
        {
            since = ChannelOffset.TryParse(text, out var parsed) ? parsed : throw RequestException.Protocol(ErrorCodes.BadRequest, "'since' is not an offset this server issued");
        }

        if (session.Subscriptions.Contains(channel))
        {
            // Already subscribed: nothing was missed on this session.
            var current = await ReadAsync(channel, null, cancellationToken).ConfigureAwait(false);
            session.TrySend(ServerFrames.Subscribed(request.Ref, channel, current.LatestOffset, recovered: true));
            return;
        }

        if (session.Subscriptions.Count >= _options.MaxSubscriptionsPerConnection)
        {
            throw new RequestException(ErrorCodes.TooManySubscriptions, $"at most {_options.MaxSubscriptionsPerConnection} subscriptions per connection");
        }

        // The app's say, before the channel is joined: a refusal leaves no trace.
        await hooks.BeforeSubscribeAsync(session, channel, cancellationToken).ConfigureAwait(false);

        var namespaceRules = rules.For(channel);
        var wantsPresence = request.Presence && namespaceRules.Presence;
        var subscriber = await channels.SubscribeAsync(channel, session.Connection, wantsPresence, _options.MaxReplay, cancellationToken).ConfigureAwait(false);

        session.Subscriptions.Add(channel);
        var generation = backplane.LinkGeneration;
        HistorySlice history;
        try
        {
            history = await ReadAsync(channel, since, cancellationToken).ConfigureAwait(false);
            if (history.Epoch is null && MayStartHistory(session, channel))
            {
                // A quiet channel: without a history this subscriber would get no offset, and a
                // reconnect before the first message would miss, untold, what came meanwhile.
                history = await backplane.StartHistoryAsync(channel, History(channel), cancellationToken).ConfigureAwait(false);
            }

            if (namespaceRules.Presence)
            {
                // A member before it is told it is subscribed: a presence list asked for after that
                // answer, from any node, names it. Its own join event is held with the live messages.
                await presence.JoinAsync(session, channel, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Not subscribed after all: nothing held, nothing half-made for a retry to find (a
            // closing connection, the other case, is unsubscribed from everything as it closes).
            subscriber.Release(null);
            await UnsubscribeAsync(session, channel).ConfigureAwait(false);
            throw;
        }

        channels.Seed(channel, history.Epoch, history.Latest, generation);
        var (recovered, replay) = Resume(since, history);
        session.TrySend(ServerFrames.Subscribed(request.Ref, channel, history.LatestOffset, recovered));
        foreach (var message in replay)
        {
            await session.Connection.SendAsync(ServerFrames.Message(channel, message.Offset!, message.Data.Span), cancellationToken).ConfigureAwait(false);
        }

        // Live messages held meanwhile go out unless the replay sent them or they precede the offset
        // the client was just given (it starts after that one).
        var covered = recovered && since is { } from
            ? (replay.Count > 0 ? replay[^1].Position : from)
            : Latest(history);
        subscriber.Release(covered);
    }

    public async ValueTask UnsubscribeAsync(ClientSession session, string channel)
    {
        if (!session.Subscriptions.Remove(channel))
        {
            throw new RequestException(ErrorCodes.NotSubscribed, $"not subscribed to '{channel}'");
        }

        await channels.UnsubscribeAsync(channel, session.Connection).ConfigureAwait(false);
        await presence.LeaveAsync(session, channel).ConfigureAwait(false);
    }

    public async ValueTask<string> PublishAsync(ClientSession session, string channel, ReadOnlyMemory<byte> data, string? id, CancellationToken cancellationToken)
    {
        EnsureMayWrite(session, channel);
        return await PublishAsync(channel, data, id, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The one rule for everything a client appends to a channel (publish, claim, release): read
    /// access, the namespace's publish policy, and the connection's publish rate. Refused before
    /// anything reaches the backplane, and before any answer could tell who holds what.
    /// </summary>
    public void EnsureMayWrite(ClientSession session, string channel)
    {
        if (rules.CanPublish(channel, session.User) is { } refused)
        {
            throw new RequestException(ErrorCodes.Forbidden, refused);
        }

        TakePublishToken(session);
        if (!WrittenChannels(session).TryUse(channel))
        {
            throw new RequestException(ErrorCodes.RateLimited, $"more than {_options.MaxChannelsWrittenPerMinute} channels written per minute");
        }
    }

    /// <summary>
    /// An RPC follows its method's namespace rules as a read of a channel of that name would (a
    /// namespace closed to anonymous connections takes no RPC from them), and costs the app's backend
    /// a call: it takes from the same rate as publishes.
    /// </summary>
    public void EnsureMayCall(ClientSession session, string method)
    {
        if (rules.CanRead(method, session.User) is { } refused)
        {
            throw new RequestException(ErrorCodes.Forbidden, refused);
        }

        TakePublishToken(session);
    }

    /// <summary>Publishes, claims, releases and RPCs share one rate per connection.</summary>
    private void TakePublishToken(ClientSession session)
    {
        session.PublishBucket ??= new TokenBucket(_options.PublishRatePerSecond, _options.PublishBurst, time);
        if (!session.PublishBucket.TryTake())
        {
            throw new RequestException(ErrorCodes.RateLimited, $"more than {_options.PublishRatePerSecond} publishes, claims, releases and RPCs per second");
        }
    }

    /// <summary>
    /// Starting a history writes to the cache, so it counts against the connection's channels
    /// written per minute, like a publish: beyond it the subscribe still succeeds, without an offset
    /// until the channel's first message (a reader cannot fill the cache with empty histories).
    /// </summary>
    private bool MayStartHistory(ClientSession session, string channel) => WrittenChannels(session).TryUse(channel);

    private ChannelQuota WrittenChannels(ClientSession session) =>
        session.WrittenChannels ??= new ChannelQuota(_options.MaxChannelsWrittenPerMinute, time);

    /// <summary>A publish with the namespace's history rules (clients and the server API).</summary>
    public async ValueTask<string> PublishAsync(string channel, ReadOnlyMemory<byte> data, string? id, CancellationToken cancellationToken)
    {
        EnsureValidPublishId(id);
        var offset = await backplane.PublishAsync(channel, data, History(channel), id, cancellationToken).ConfigureAwait(false);
        metrics.Published();
        return offset;
    }

    public static void EnsureValidPublishId(string? id)
    {
        if (id is not null && !ChannelName.IsValid(id))
        {
            throw RequestException.Protocol(ErrorCodes.BadRequest, $"'id' must match {ChannelName.Rule}");
        }
    }

    /// <summary>Everything the connection held: subscriptions and presence (claims are the claim service's).</summary>
    public async ValueTask ReleaseAllAsync(ClientSession session)
    {
        foreach (var channel in session.Subscriptions.ToList())
        {
            await UnsubscribeAsync(session, channel).ConfigureAwait(false);
        }
    }

    public HistoryPolicy History(string channel)
    {
        var rule = rules.For(channel);
        return new HistoryPolicy(rule.HistoryLength, rule.HistoryTtlSeconds, _options.PublishIdWindowSeconds, rule.HistoryMaxBytes);
    }

    /// <summary>What to replay after <paramref name="since"/>, and whether that covers everything missed.</summary>
    private (bool Recovered, IReadOnlyList<BackplaneMessage> Replay) Resume(ChannelOffset? since, HistorySlice history)
    {
        if (since is not { } from)
        {
            return (true, []);
        }

        var missed = history.Latest - from.Sequence;
        var covered = history.Complete                                 // same history, nothing after 'since' trimmed or lost
            && missed <= _options.MaxReplay                            // not too far behind
            && history.Messages.Count >= missed;                       // and all of it fit the read's byte budget
        return covered ? (true, history.Messages) : (false, []);
    }

    private static ChannelOffset? Latest(HistorySlice history) =>
        history.Epoch is null ? null : new ChannelOffset(history.Epoch, history.Latest);

    private ValueTask<HistorySlice> ReadAsync(string channel, ChannelOffset? since, CancellationToken cancellationToken) =>
        backplane.ReadHistoryAsync(channel, since, _options.MaxReplay, cancellationToken);
}
