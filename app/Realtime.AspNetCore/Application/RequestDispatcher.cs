using System.Text.Json;
using Microsoft.Extensions.Options;
using Realtime.AspNetCore.Features;
using Realtime.AspNetCore.Identity;
using Realtime.AspNetCore.Protocol;
using Realtime.AspNetCore.Connections;

namespace Realtime.AspNetCore.Application;

/// <summary>
/// Protocol v1 requests: parses each frame, routes it, turns failures into <c>error</c> frames, and
/// closes a connection that keeps sending garbage (1008). A failed request never affects other connections.
/// Publishes are pipelined (<see cref="RequestPipeline"/>): the next frame is read while they are
/// in flight, and every answer still goes out in request order.
/// </summary>
public sealed class RequestDispatcher(
    SubscriptionService subscriptions,
    PresenceService presence,
    ClaimService claims,
    HookCalls hooks,
    TokenValidator tokens,
    IOptions<RealtimeOptions> options,
    ILogger<RequestDispatcher> logger) : IFrameHandlerFactory
{
    private readonly RealtimeOptions _options = options.Value;

    /// <summary>Each connection gets its own session; this dispatcher serves them all.</summary>
    public IFrameHandler Open(RealtimeConnection connection) => new ClientSession(connection, this);

    /// <summary>The publishes of one session in flight, answered by <see cref="AnswerPublish"/>.</summary>
    internal RequestPipeline OpenPipeline(ClientSession session) =>
        new(_options.MaxRequestsInFlight, request => AnswerPublish(session, request));

    public async ValueTask HandleAsync(ClientSession session, ReadOnlyMemory<byte> frame, CancellationToken cancellationToken)
    {
        var parsed = FrameParser.Parse(frame);
        if (parsed.Frame is { Type: "publish" } publish)
        {
            // Started now (the backplane has the command in hand when this returns, unless hooks or an
            // earlier publish's hooks are still deciding), answered in request order when done.
            var started = hooks.PublishHooks(publish.Channel) is { } publishHooks
                ? StartHookedPublish(session, publish, publishHooks, cancellationToken)
                : new InFlightPublish(StartPublish(session, publish, cancellationToken), publish);
            await session.Pipeline.AddAsync(started).ConfigureAwait(false);
            return;
        }

        // Anything else is answered after the publishes before it, and sees what they did.
        await session.WhenAnsweredAsync().ConfigureAwait(false);
        if (parsed.Frame is not { } request)
        {
            ProtocolError(session, parsed.Ref, parsed.ErrorCode!, parsed.ErrorMessage!);
            return;
        }

        try
        {
            await DispatchAsync(session, request, cancellationToken).ConfigureAwait(false);
            session.ResetErrors();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Fail(session, request, e);
        }
    }

    public async ValueTask ClosedAsync(ClientSession session)
    {
        // Publishes still in flight need nothing the connection held, and an answer to a closed
        // connection is dropped; but the commands of those whose hooks were still deciding must reach
        // Redis before the releases below do (bounded by the hooks' time limit).
        if (session.CommandsBefore is { } sent)
        {
            await sent.ConfigureAwait(false);
        }

        await claims.ReleaseOnDisconnectAsync(session).ConfigureAwait(false);
        await subscriptions.ReleaseAllAsync(session).ConfigureAwait(false);
    }

    /// <summary>The answer to a failed request. A failure never affects other requests or connections.</summary>
    private void Fail(ClientSession session, ClientFrame request, Exception e)
    {
        switch (e)
        {
            case RequestException { IsProtocolError: true } protocol:
                ProtocolError(session, request.Ref, protocol.Code, protocol.Message);
                break;
            case RequestException refused:
                session.TrySend(ServerFrames.Error(request.Ref, refused.Code, refused.Message, refused.Owner));
                break;
            case var _ when BackplaneErrors.Handles(e):
                var error = BackplaneErrors.ToRequestException(e, request.Type, hasId: request.Id is not null);
                session.TrySend(ServerFrames.Error(request.Ref, error.Code, error.Message));
                break;
            default:
                // A bug in one request must not take the connection, or anyone else, down with it.
                ConnectionLog.Failed(logger, session.Id, e);
                session.TrySend(ServerFrames.Error(request.Ref, ErrorCodes.Internal, "internal error"));
                break;
        }
    }

    /// <summary>
    /// Answers a publish that has finished; the pipeline calls this in request order, on whichever
    /// thread completed it, so nothing may escape: it would take the process down.
    /// </summary>
    private void AnswerPublish(ClientSession session, InFlightPublish publish)
    {
        try
        {
            var offset = publish.Offset;
            if (offset.IsCompletedSuccessfully)
            {
                session.ResetErrors();
                session.TrySend(ServerFrames.Published(publish.Request.Ref, publish.Request.Channel!, offset.Result));
                if (publish.Stored is { } stored)
                {
                    // Here, in request order, so the app hears of one connection's publishes in their order.
                    hooks.Published(session, publish.Request.Channel!, offset.Result, stored);
                }
            }
            else if (!offset.IsCanceled)
            {
                Fail(session, publish.Request, offset.Exception!.InnerException!);
            }

            // Cancelled: the connection was cut off, and nobody is left to answer.
        }
        catch (Exception e)
        {
            ConnectionLog.Failed(logger, session.Id, e);
        }
    }

    /// <summary>
    /// Runs a publish's checks and hands it to the backplane, synchronously up to the backplane's
    /// command (so commands leave in request order); a refusal ends in the task, answered in its turn.
    /// Behind a hooked publish whose command has not left yet, the command waits for it.
    /// </summary>
    private Task<string> StartPublish(ClientSession session, ClientFrame request, CancellationToken cancellationToken) =>
        session.CommandsBefore is { IsCompleted: false } earlier
            ? StartBehindAsync(session, request, earlier, cancellationToken)
            : PublishNowAsync(session, request, cancellationToken);

    private async Task<string> PublishNowAsync(ClientSession session, ClientFrame request, CancellationToken cancellationToken)
    {
        var channel = Channel(request);
        // A copy: the receive buffer is reused for the next frame, and a publish that timed out may
        // still be written by the Redis multiplexer after this request has been answered.
        var data = Data(request).ToArray();
        return await subscriptions.PublishAsync(session, channel, data, request.Id, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A publish behind one whose hooks are still deciding: checked now, sent after it.</summary>
    private Task<string> StartBehindAsync(ClientSession session, ClientFrame request, Task earlier, CancellationToken cancellationToken) =>
        SendInTurnAsync(session, request, earlier, decide: null, stored: null, cancellationToken);

    /// <summary>
    /// A publish the app's hooks see: checked like any publish (now, on the receive loop), then by the
    /// hooks, which may replace the data and run while later frames are read; its command leaves
    /// after the one before it, so a later publish's quicker hook never stores it first.
    /// </summary>
    private InFlightPublish StartHookedPublish(ClientSession session, ClientFrame request, Extensibility.NamespaceHooks publishHooks, CancellationToken cancellationToken)
    {
        var stored = new StoredData(publishHooks);
        var offset = SendInTurnAsync(session, request, session.CommandsBefore,
            (channel, data) => hooks.BeforePublishAsync(stored, session, channel, data, request.Id, cancellationToken), stored, cancellationToken);
        return new InFlightPublish(offset, request, stored);
    }

    /// <summary>
    /// The checks run synchronously (they touch the session, which only the receive loop may); then
    /// the hooks decide, if any; then, once <paramref name="earlier"/>'s command has left, this one's.
    /// Until it has, later publishes wait for it (<see cref="ClientSession.CommandsBefore"/>).
    /// </summary>
    private async Task<string> SendInTurnAsync(
        ClientSession session,
        ClientFrame request,
        Task? earlier,
        Func<string, ReadOnlyMemory<byte>, ValueTask<ReadOnlyMemory<byte>>>? decide,
        StoredData? stored,
        CancellationToken cancellationToken)
    {
        var sent = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        session.CommandsBefore = sent.Task;
        try
        {
            var channel = Channel(request);
            var data = (ReadOnlyMemory<byte>)Data(request).ToArray(); // a copy: the receive buffer is reused
            subscriptions.EnsureMayWrite(session, channel);
            SubscriptionService.EnsureValidPublishId(request.Id);
            if (decide is not null)
            {
                data = await decide(channel, data).ConfigureAwait(false);
            }

            if (earlier is not null)
            {
                await earlier.ConfigureAwait(false); // completes, never fails: see the finally below
            }

            var publishing = subscriptions.PublishAsync(channel, data, request.Id, cancellationToken);
            sent.TrySetResult(); // the backplane has the command
            var offset = await publishing.ConfigureAwait(false);
            if (stored is not null)
            {
                stored.Data = data;
            }

            return offset;
        }
        finally
        {
            // Refused, failed or cancelled: nothing of this one will be sent, and the next goes ahead,
            // but only once the one before it has sent its command: a refusal here must not let a
            // later publish overtake an earlier one still deciding.
            if (earlier is null || earlier.IsCompleted)
            {
                sent.TrySetResult();
            }
            else
            {
                _ = earlier.ContinueWith(static (_, state) => ((TaskCompletionSource)state!).TrySetResult(), sent,
                    CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }
        }
    }

    private static ReadOnlyMemory<byte> Data(ClientFrame request) =>
        request.Data ?? throw RequestException.Protocol(ErrorCodes.BadRequest, "publish needs 'data'");

    private async ValueTask DispatchAsync(ClientSession session, ClientFrame request, CancellationToken cancellationToken)
    {
        switch (request.Type)
        {
            case "rpc":
                await RpcAsync(session, request, cancellationToken).ConfigureAwait(false);
                break;
            case "subscribe":
                await subscriptions.SubscribeAsync(session, request, Channel(request), cancellationToken).ConfigureAwait(false);
                break;
            case "unsubscribe":
                var channel = Channel(request);
                await subscriptions.UnsubscribeAsync(session, channel).ConfigureAwait(false);
                session.TrySend(ServerFrames.Unsubscribed(request.Ref, channel));
                break;
            case "presence":
                await PresenceAsync(session, request, cancellationToken).ConfigureAwait(false);
                break;
            case "claim":
                var claimed = await claims.ClaimAsync(session, request, Channel(request), cancellationToken).ConfigureAwait(false);
                session.TrySend(ServerFrames.Claimed(request.Ref, request.Channel!, request.Resource!, claimed.Owner!, claimed.Offset));
                break;
            case "release":
                var released = await claims.ReleaseAsync(session, request, Channel(request), cancellationToken).ConfigureAwait(false);
                session.TrySend(ServerFrames.Released(request.Ref, request.Channel!, request.Resource!, released.Offset!));
                break;
            case "claims":
                var held = await claims.ListAsync(session, Channel(request), cancellationToken).ConfigureAwait(false);
                session.TrySend(System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(
                    new ClaimsFrame(request.Ref, request.Channel!, held.Holders, held.More ? true : null), FeaturesJsonContext.Default.ClaimsFrame));
                break;
            case "refresh":
                await RefreshAsync(session, request, cancellationToken).ConfigureAwait(false);
                break;
            case "ping":
                session.TrySend(ServerFrames.Pong(request.Ref));
                break;
            case "pong":
                break; // the answer to our heartbeat; receiving it is enough
            case "auth":
                throw RequestException.Protocol(ErrorCodes.BadRequest, "'auth' is only the first frame of a connection opened with ?auth=frame; use 'refresh' for a new token");
            default:
                throw RequestException.Protocol(ErrorCodes.UnknownType, $"unknown type '{Truncate(request.Type)}'");
        }
    }

    /// <summary>An RPC: answered by the app's handler in C#, or its backend through the proxy.</summary>
    private async ValueTask RpcAsync(ClientSession session, ClientFrame request, CancellationToken cancellationToken)
    {
        if (!ChannelName.IsValid(request.Method))
        {
            throw RequestException.Protocol(ErrorCodes.BadRequest, $"rpc needs 'method' matching {ChannelName.Rule}");
        }

        subscriptions.EnsureMayCall(session, request.Method!);
        var result = await hooks.RpcAsync(session, request.Method!, request.Data, cancellationToken).ConfigureAwait(false);
        session.TrySend(ServerFrames.Result(request.Ref, request.Method!, result));
    }

    private async ValueTask PresenceAsync(ClientSession session, ClientFrame request, CancellationToken cancellationToken)
    {
        var channel = Channel(request);
        if (!session.Subscriptions.Contains(channel))
        {
            throw new RequestException(ErrorCodes.NotSubscribed, $"subscribe to '{channel}' to see who is there");
        }

        var members = await presence.MembersAsync(channel, cancellationToken).ConfigureAwait(false);
        session.TrySend(ServerFrames.Presence(request.Ref, channel, members.Select(m => (ReadOnlyMemory<byte>)m.ToJson())));
    }

    /// <summary>A new token for the same user extends the connection's life; anything else is refused.</summary>
    private async ValueTask RefreshAsync(ClientSession session, ClientFrame request, CancellationToken cancellationToken)
    {
        if (!tokens.Enabled || session.User is null)
        {
            throw new RequestException(ErrorCodes.Forbidden, "this connection has no token to refresh");
        }

        if (string.IsNullOrEmpty(request.Token))
        {
            throw RequestException.Protocol(ErrorCodes.BadRequest, "refresh needs 'token'");
        }

        var check = await tokens.ValidateAsync(request.Token, cancellationToken).ConfigureAwait(false);
        if (check.Identity is not { } identity)
        {
            throw new RequestException(ErrorCodes.Forbidden, check.Error!);
        }

        if (identity.User != session.User)
        {
            throw new RequestException(ErrorCodes.Forbidden, "the token is for another user");
        }

        session.Connection.TokenExpiresAt = identity.ExpiresAt;
        session.TrySend(ServerFrames.Refreshed(request.Ref, identity.ExpiresAt.ToUnixTimeSeconds()));
    }

    private static string Channel(ClientFrame request) =>
        ChannelName.IsValid(request.Channel)
            ? request.Channel!
            : throw RequestException.Protocol(ErrorCodes.InvalidChannel, $"channel must match {ChannelName.Rule}");

    /// <summary>A malformed request; too many in a row and the client is broken or hostile: 1008.</summary>
    private void ProtocolError(ClientSession session, JsonElement? reference, string code, string message)
    {
        session.TrySend(ServerFrames.Error(reference, code, message));
        if (session.CountError() is var errors && errors >= _options.MaxConsecutiveErrors)
        {
            ConnectionLog.TooManyErrors(logger, session.Id, errors);
            session.Connection.Close(CloseCodes.Policy, "too many protocol errors", discardQueue: false);
        }
    }

    private static string Truncate(string text) => text.Length <= 32 ? text : text[..32] + "…";
}
