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
/// </summary>
public sealed class RequestDispatcher(
    SubscriptionService subscriptions,
    PresenceService presence,
    ClaimService claims,
    TokenValidator tokens,
    IOptions<RealtimeOptions> options,
    ILogger<RequestDispatcher> logger) : IFrameHandlerFactory
{
    private readonly RealtimeOptions _options = options.Value;

    /// <summary>Each connection gets its own session; this dispatcher serves them all.</summary>
    public IFrameHandler Open(RealtimeConnection connection) => new ClientSession(connection, this);

    public async ValueTask HandleAsync(ClientSession session, ReadOnlyMemory<byte> frame, CancellationToken cancellationToken)
    {
        var parsed = FrameParser.Parse(frame);
        if (parsed.Frame is not { } request)
        {
            ProtocolError(session, parsed.Ref, parsed.ErrorCode!, parsed.ErrorMessage!);
            return;
        }

        try
        {
            await DispatchAsync(session, request, cancellationToken).ConfigureAwait(false);
            session.ConsecutiveErrors = 0;
        }
        catch (RequestException e) when (e.IsProtocolError)
        {
            ProtocolError(session, request.Ref, e.Code, e.Message);
        }
        catch (RequestException e)
        {
            session.TrySend(ServerFrames.Error(request.Ref, e.Code, e.Message, e.Owner));
        }
        catch (Exception e) when (BackplaneErrors.Handles(e))
        {
            var error = BackplaneErrors.ToRequestException(e, request.Type, hasId: request.Id is not null);
            session.TrySend(ServerFrames.Error(request.Ref, error.Code, error.Message));
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A bug in one request must not take the connection, or anyone else, down with it.
            ConnectionLog.Failed(logger, session.Id, e);
            session.TrySend(ServerFrames.Error(request.Ref, ErrorCodes.Internal, "internal error"));
        }
    }

    public async ValueTask ClosedAsync(ClientSession session)
    {
        await claims.ReleaseOnDisconnectAsync(session).ConfigureAwait(false);
        await subscriptions.ReleaseAllAsync(session).ConfigureAwait(false);
    }

    private async ValueTask DispatchAsync(ClientSession session, ClientFrame request, CancellationToken cancellationToken)
    {
        switch (request.Type)
        {
            case "subscribe":
                await subscriptions.SubscribeAsync(session, request, Channel(request), cancellationToken).ConfigureAwait(false);
                break;
            case "unsubscribe":
                var channel = Channel(request);
                await subscriptions.UnsubscribeAsync(session, channel).ConfigureAwait(false);
                session.TrySend(ServerFrames.Unsubscribed(request.Ref, channel));
                break;
            case "publish":
                await PublishAsync(session, request, cancellationToken).ConfigureAwait(false);
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

    private async ValueTask PublishAsync(ClientSession session, ClientFrame request, CancellationToken cancellationToken)
    {
        var channel = Channel(request);
        if (request.Data is not { } data)
        {
            throw RequestException.Protocol(ErrorCodes.BadRequest, "publish needs 'data'");
        }

        // A copy: the receive buffer is reused for the next frame, and a publish that timed out may
        // still be written by the Redis multiplexer after this request has been answered.
        var offset = await subscriptions.PublishAsync(session, channel, data.ToArray(), request.Id, cancellationToken).ConfigureAwait(false);
        session.TrySend(ServerFrames.Published(request.Ref, channel, offset));
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
        if (++session.ConsecutiveErrors >= _options.MaxConsecutiveErrors)
        {
            ConnectionLog.TooManyErrors(logger, session.Id, session.ConsecutiveErrors);
            session.Connection.Close(CloseCodes.Policy, "too many protocol errors", discardQueue: false);
        }
    }

    private static string Truncate(string text) => text.Length <= 32 ? text : text[..32] + "…";
}
