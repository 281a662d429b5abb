using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Realtime.Client;

/// <summary>
/// A RealtimeInfra connection that stays connected: requests are tasks matched by <c>ref</c>;
/// after a drop it reconnects with exponential backoff and full jitter (at once, jittered, after a
/// <c>reconnect</c>/1012 from a draining node; never after 1008), and resumes every subscription
/// from its last offset. Publishes and claims whose outcome is unknown are repeated safely (a publish
/// keeps its idempotency id). Protocol: docs/protocol.md.
/// </summary>
public sealed class RealtimeClient : IAsyncDisposable
{
    private readonly RealtimeClientOptions _options;
    private readonly SubscriptionTracker _tracker = new();
    private readonly ConcurrentDictionary<string, ChannelSubscription> _subscriptions = new(StringComparer.Ordinal);
    private readonly PendingReplies _replies = new();
    private readonly CancellationTokenSource _stop = new();
    private TaskCompletionSource<JsonElement> _opened = NewSignal();
    private ClientSocket? _socket;
    private Task? _running;
    private int _endpoint = -1; // the first connect takes Endpoints[0]

    public RealtimeClient(RealtimeClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Endpoints.Count == 0)
        {
            throw new ArgumentException("at least one endpoint is required", nameof(options));
        }

        if (options.PublishRetries < 0)
        {
            throw new ArgumentException("PublishRetries cannot be negative", nameof(options));
        }

        _options = options;
    }

    public ConnectionState State { get; private set; } = ConnectionState.Idle;

    /// <summary>The last <c>welcome</c>: connection id, node, user.</summary>
    public JsonElement? Welcome { get; private set; }

    /// <summary>Raised on every state change, with the reason when the server gave one.</summary>
    public event Action<ConnectionState, string?>? StateChanged;

    /// <summary>Presence events (<c>join</c>/<c>leave</c>) of subscriptions that asked for them.</summary>
    public event Action<JsonElement>? PresenceEvent;

    /// <summary>Starts the connection (and keeps it up until disposed); completes once it is open.</summary>
    public async Task<JsonElement> ConnectAsync(CancellationToken cancellationToken = default)
    {
        _running ??= Task.Run(RunAsync, CancellationToken.None);
        return await _opened.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<ChannelSubscription> SubscribeAsync(string channel, bool presence = false, string? since = null, CancellationToken cancellationToken = default)
    {
        if (!_tracker.Add(channel, presence, since))
        {
            throw new RealtimeException("already_subscribed", $"already subscribed to {channel}");
        }

        var subscription = new ChannelSubscription(this, channel, presence);
        _subscriptions[channel] = subscription;
        if (State == ConnectionState.Open)
        {
            try
            {
                await SubscribeOnServerAsync(channel, presence, since, cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                _tracker.Remove(channel);
                _subscriptions.TryRemove(channel, out _);
                throw;
            }
        }

        return subscription;
    }

    /// <summary>Publishes with a new idempotency id; see the overload with <c>id</c>.</summary>
    public Task<string> PublishAsync(string channel, JsonNode? data, CancellationToken cancellationToken) =>
        PublishAsync(channel, data, id: null, cancellationToken);

    /// <summary>
    /// Publishes <paramref name="data"/> (copied, so the caller keeps its node) and returns the message's
    /// offset. Every publish carries an idempotency <paramref name="id"/> (a new one when null): the server
    /// stores and delivers one id once per channel within two minutes and answers a repeat with the first
    /// offset, so an unknown outcome (<c>unknown_outcome</c>, <c>timeout</c>) is settled by sending the same
    /// frame again, up to <see cref="RealtimeClientOptions.PublishRetries"/> times. The
    /// <see cref="RealtimeException"/> thrown carries the id as <see cref="RealtimeException.PublishId"/>, so
    /// that the app can repeat the publish itself after a <c>disconnected</c> without a duplicate.
    /// </summary>
    /// <param name="id">Caller-chosen id to make a publish idempotent across its own retries (e.g. a
    /// message id of the app): 1–128 characters of <c>A-Z a-z 0-9 _ - : . @</c>.</param>
    public Task<string> PublishAsync(string channel, JsonNode? data, string? id = null, CancellationToken cancellationToken = default)
    {
        id ??= Guid.NewGuid().ToString("N");
        if (!IsValidPublishId(id))
        {
            throw new ArgumentException("a publish id is 1-128 characters of A-Z a-z 0-9 _ - : . @", nameof(id));
        }

        return PublishCoreAsync(RequestAsync, channel, data, id, _options, cancellationToken);
    }

    /// <summary>
    /// Claims a resource; throws <see cref="RealtimeException"/> with code <c>conflict</c> (and the owner) when
    /// taken. An unknown outcome is settled by claiming again, as a publish is (a claim repeated by its owner
    /// answers <c>claimed</c> again). An anonymous connection owns its claims itself, so a repeat that lands on
    /// a new connection after a reconnect gets <c>conflict</c> naming the old one.
    /// </summary>
    public Task<JsonElement> ClaimAsync(string channel, string resource, TimeSpan? ttl = null, bool releaseOnDisconnect = false, CancellationToken cancellationToken = default) =>
        ClaimCoreAsync(RequestAsync, channel, resource, ttl, releaseOnDisconnect, _options, cancellationToken);

    public Task<JsonElement> ReleaseAsync(string channel, string resource, CancellationToken cancellationToken = default) =>
        RequestAsync(new JsonObject { ["type"] = "release", ["channel"] = channel, ["resource"] = resource }, cancellationToken);

    public async Task<JsonElement> PresenceAsync(string channel, CancellationToken cancellationToken = default) =>
        (await RequestAsync(new JsonObject { ["type"] = "presence", ["channel"] = channel }, cancellationToken).ConfigureAwait(false)).GetProperty("members");

    public async Task<JsonElement> ClaimsAsync(string channel, CancellationToken cancellationToken = default) =>
        (await RequestAsync(new JsonObject { ["type"] = "claims", ["channel"] = channel }, cancellationToken).ConfigureAwait(false)).GetProperty("claims");

    /// <summary>
    /// Calls the app's RPC <paramref name="method"/> (a handler in the server's C#, or its backend
    /// through the proxy) and returns the reply's <c>data</c> (<see cref="JsonValueKind.Null"/> when
    /// there is none). Not retried when the outcome is unknown: an RPC need not be idempotent.
    /// Throws <see cref="RealtimeException"/> with the app's code when it refuses, <c>unknown_method</c>,
    /// <c>hook_failed</c> or <c>hook_timeout</c>.
    /// </summary>
    public async Task<JsonElement> RpcAsync(string method, JsonNode? data = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(method);
        var frame = new JsonObject { ["type"] = "rpc", ["method"] = method };
        if (data is not null)
        {
            frame["data"] = data.DeepClone();
        }

        var reply = await RequestAsync(frame, cancellationToken).ConfigureAwait(false);
        return reply.TryGetProperty("data", out var result) ? result : default;
    }

    /// <summary>
    /// Gives the server a new token for the same user before the current one expires (else the
    /// connection is closed with 1008). Returns when it expires, as the server read it.
    /// </summary>
    public async Task<DateTimeOffset> RefreshAsync(string token, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(token);
        var reply = await RequestAsync(new JsonObject { ["type"] = "refresh", ["token"] = token }, cancellationToken).ConfigureAwait(false);
        return DateTimeOffset.FromUnixTimeSeconds(reply.GetProperty("expires").GetInt64());
    }

    internal async ValueTask UnsubscribeAsync(ChannelSubscription subscription, CancellationToken cancellationToken)
    {
        if (!_subscriptions.TryRemove(subscription.Channel, out _))
        {
            return;
        }

        _tracker.Remove(subscription.Channel);
        subscription.Complete();
        if (State == ConnectionState.Open)
        {
            await RequestAsync(new JsonObject { ["type"] = "unsubscribe", ["channel"] = subscription.Channel }, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The publish apart from the socket, so its retries can be tested without a server: each attempt is a
    /// fresh frame (the request sets <c>ref</c> on it, and a node cannot have two parents) with the same id.
    /// </summary>
    internal static async Task<string> PublishCoreAsync(
        Func<JsonObject, CancellationToken, Task<JsonElement>> request, string channel, JsonNode? data, string id, RealtimeClientOptions options, CancellationToken cancellationToken)
    {
        try
        {
            var reply = await Retrying.RunAsync(
                ct => request(new JsonObject { ["type"] = "publish", ["channel"] = channel, ["data"] = data?.DeepClone(), ["id"] = id }, ct),
                options,
                cancellationToken).ConfigureAwait(false);
            return reply.GetProperty("offset").GetString()!;
        }
        catch (RealtimeException e)
        {
            e.PublishId = id;
            throw;
        }
    }

    /// <summary>The claim apart from the socket, like <see cref="PublishCoreAsync"/>.</summary>
    internal static Task<JsonElement> ClaimCoreAsync(
        Func<JsonObject, CancellationToken, Task<JsonElement>> request, string channel, string resource, TimeSpan? ttl, bool releaseOnDisconnect, RealtimeClientOptions options, CancellationToken cancellationToken) =>
        Retrying.RunAsync(
            ct =>
            {
                var frame = new JsonObject { ["type"] = "claim", ["channel"] = channel, ["resource"] = resource };
                if (ttl is { } t)
                {
                    frame["ttl"] = t.TotalSeconds;
                }

                if (releaseOnDisconnect)
                {
                    frame["releaseOnDisconnect"] = true;
                }

                return request(frame, ct);
            },
            options,
            cancellationToken);

    internal static bool IsValidPublishId(string id) =>
        id.Length is >= 1 and <= 128 && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or ':' or '.' or '@');

    /// <summary>Sends a request and waits for the reply with the same <c>ref</c>. The typed methods above are the API.</summary>
    internal Task<JsonElement> RequestAsync(JsonObject frame, CancellationToken cancellationToken = default) =>
        RequestCoreAsync(frame, duringResume: false, cancellationToken);

    private async Task<JsonElement> RequestCoreAsync(JsonObject frame, bool duringResume, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(frame);
        var socket = _socket;
        if (socket is null || (State != ConnectionState.Open && !duringResume))
        {
            throw new RealtimeException("disconnected", $"not connected ({State})");
        }

        var (reference, reply) = _replies.Expect();
        frame["ref"] = reference;
        try
        {
            await socket.SendAsync(frame.ToJsonString(), cancellationToken).ConfigureAwait(false);
            var element = await reply.WaitAsync(_options.RequestTimeout, cancellationToken).ConfigureAwait(false);
            return element.GetProperty("type").GetString() == "error"
                ? throw new RealtimeException(
                    element.GetProperty("code").GetString()!,
                    element.TryGetProperty("message", out var m) ? m.GetString()! : "error",
                    element.TryGetProperty("owner", out var o) ? o.GetString() : null)
                : element;
        }
        catch (TimeoutException)
        {
            throw new RealtimeException("timeout", $"no reply to {frame["type"]} within {_options.RequestTimeout}");
        }
        finally
        {
            _replies.Forget(reference);
        }
    }

    private async Task RunAsync()
    {
        var policy = new ReconnectPolicy(_options);
        while (!_stop.IsCancellationRequested)
        {
            SetState(Welcome is null && policy.FirstAttempt ? ConnectionState.Connecting : ConnectionState.Reconnecting, null);
            var (closeCode, reason, drained) = await ConnectOnceAsync().ConfigureAwait(false);
            _replies.FailAll();
            if (_stop.IsCancellationRequested)
            {
                break;
            }

            var (stop, delay) = policy.After(closeCode, drained);
            if (stop)
            {
                SetState(ConnectionState.Closed, reason);
                _opened.TrySetException(new RealtimeException("closed", reason ?? "closed by the server (1008)"));
                foreach (var subscription in _subscriptions.Values)
                {
                    subscription.Complete();
                }

                return;
            }

            SetState(ConnectionState.Reconnecting, reason);
            try
            {
                await Task.Delay(delay, _stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        SetState(ConnectionState.Closed, null);
    }

    /// <summary>One connection's life: returns how it ended.</summary>
    private async Task<(int? CloseCode, string? Reason, bool Drained)> ConnectOnceAsync()
    {
        var endpoint = _options.Endpoints[Interlocked.Increment(ref _endpoint) % _options.Endpoints.Count];
        ClientSocket socket;
        try
        {
            socket = await ClientSocket.ConnectAsync(endpoint, _options, _stop.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is WebSocketException or HttpRequestException or OperationCanceledException)
        {
            return (null, e.Message, false);
        }

        using (socket)
        {
            _socket = socket;
            var drained = false;
            try
            {
                var (closeCode, reason) = await socket.ReceiveAllAsync(async frame => drained |= await HandleAsync(socket, frame).ConfigureAwait(false), _stop.Token).ConfigureAwait(false);
                return (closeCode, reason, drained);
            }
            finally
            {
                _socket = null;
            }
        }
    }

    /// <summary>Handles one frame; returns true for <c>reconnect</c> (the node is draining).</summary>
    private async ValueTask<bool> HandleAsync(ClientSocket socket, JsonElement frame)
    {
        var type = frame.GetProperty("type").GetString();
        switch (type)
        {
            case "welcome":
                Welcome = frame;
                _ = Task.Run(() => ResumeAllAsync(socket, frame));
                return false;
            case "message":
                var channel = frame.GetProperty("channel").GetString()!;
                var offset = frame.GetProperty("offset").GetString()!;
                if (_subscriptions.TryGetValue(channel, out var subscription))
                {
                    _tracker.Delivered(channel, offset);
                    subscription.Deliver(new ChannelMessage(channel, offset, frame.GetProperty("data")));
                }

                return false;
            case "ping":
                await socket.SendAsync("""{"type":"pong"}""", CancellationToken.None).ConfigureAwait(false);
                return false;
            case "reconnect":
                return true;
            case "gap":
                // Messages were dropped for this subscription and cannot be replayed: the same news as a
                // resume that did not recover, and a later resume starts after the gap.
                var gapChannel = frame.GetProperty("channel").GetString()!;
                var gapOffset = frame.TryGetProperty("offset", out var g) && g.ValueKind == JsonValueKind.String ? g.GetString() : null;
                if (_tracker.Gap(gapChannel, gapOffset) && _subscriptions.TryGetValue(gapChannel, out var gapped))
                {
                    gapped.Recovered = false;
                    gapped.RaiseGap(gapOffset);
                }

                return false;
            case "join" or "leave":
                PresenceEvent?.Invoke(frame);
                return false;
        }

        _replies.TryComplete(frame);
        return false;
    }

    private async Task ResumeAllAsync(ClientSocket socket, JsonElement welcome)
    {
        var retry = 0;
        try
        {
            await Task.WhenAll(_tracker.ResumeRequests().Select(async r =>
            {
                try
                {
                    await SubscribeOnServerAsync(r.Channel, r.Presence, r.Since, _stop.Token, duringResume: true).ConfigureAwait(false);
                }
                catch (RealtimeException e) when (ResumeRetryCodes.Contains(e.Code))
                {
                    Interlocked.Exchange(ref retry, 1);
                }
                catch (RealtimeException e)
                {
                    // Refused for good (forbidden, …): that subscription ends with the error, which its
                    // reader sees; the others go on.
                    _tracker.Remove(r.Channel);
                    if (_subscriptions.TryRemove(r.Channel, out var refused))
                    {
                        refused.Complete(e);
                    }
                }
            })).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return; // disposed while resuming
        }

        if (retry != 0)
        {
            // The connection dropped while resuming, or the node could not serve the resume (its
            // backplane unavailable): this connection ends, and the run loop connects again with
            // backoff and resumes from the same offsets. Left open, the client would wait forever.
            await socket.CloseOutputAsync("resume failed").ConfigureAwait(false);
            return;
        }

        SetState(ConnectionState.Open, null);
        _opened.TrySetResult(welcome);
    }

    /// <summary>
    /// Why a resubscribe may fail and succeed on the next connection: the node, or the app's
    /// subscribe hook (<c>hook_failed</c>, <c>hook_timeout</c>), could not serve it now.
    /// </summary>
    internal static readonly HashSet<string> ResumeRetryCodes = ["unavailable", "unknown_outcome", "timeout", "rate_limited", "disconnected", "hook_failed", "hook_timeout"];

    private async Task SubscribeOnServerAsync(string channel, bool presence, string? since, CancellationToken cancellationToken, bool duringResume = false)
    {
        var frame = new JsonObject { ["type"] = "subscribe", ["channel"] = channel };
        if (presence)
        {
            frame["presence"] = true;
        }

        if (since is not null)
        {
            frame["since"] = since;
        }

        var reply = await RequestCoreAsync(frame, duringResume, cancellationToken).ConfigureAwait(false);
        var latest = reply.TryGetProperty("offset", out var o) ? o.GetString() : null;
        var recovered = !reply.TryGetProperty("recovered", out var r) || r.GetBoolean();
        var gap = _tracker.Subscribed(channel, latest, recovered);
        if (_subscriptions.TryGetValue(channel, out var subscription))
        {
            subscription.Recovered = recovered;
            if (gap)
            {
                subscription.RaiseGap(latest);
            }
        }
    }

    private void SetState(ConnectionState state, string? reason)
    {
        if (State != state)
        {
            State = state;
            StateChanged?.Invoke(state, reason);
        }
    }

    private static TaskCompletionSource<JsonElement> NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_socket is { } socket)
        {
            await socket.CloseAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
        }

        if (_running is not null)
        {
            await _running.ConfigureAwait(false);
        }

        _opened.TrySetCanceled();
        foreach (var subscription in _subscriptions.Values)
        {
            subscription.Complete();
        }

        _stop.Dispose();
    }
}
