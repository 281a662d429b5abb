using System.Text.Json;
using Microsoft.Extensions.Options;
using Realtime.Server.Backplane;
using Realtime.Server.Channels;
using Realtime.Server.Hosting;
using Realtime.Server.Protocol;

namespace Realtime.Server.Connections;

/// <summary>
/// Protocol v1 requests: parses each frame, answers it, and closes a connection that keeps
/// sending garbage (1008). A failed request never affects other connections.
/// </summary>
public sealed class RequestDispatcher(
    ChannelRegistry channels,
    IBackplane backplane,
    RealtimeMetrics metrics,
    IOptions<RealtimeOptions> options,
    TimeProvider time,
    ILogger<RequestDispatcher> logger) : IFrameHandler
{
    private readonly RealtimeOptions _options = options.Value;

    public async ValueTask HandleAsync(RealtimeConnection connection, ReadOnlyMemory<byte> frame, CancellationToken cancellationToken)
    {
        var parsed = FrameParser.Parse(frame);
        if (parsed.Frame is not { } request)
        {
            ProtocolError(connection, parsed.Ref, parsed.ErrorCode!, parsed.ErrorMessage!);
            return;
        }

        try
        {
            await DispatchAsync(connection, request, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A bug in one request must not take the connection, or anyone else, down with it.
            ConnectionLog.Failed(logger, connection.Id, e);
            Error(connection, request.Ref, ErrorCodes.Internal, "internal error");
        }
    }

    private async ValueTask DispatchAsync(RealtimeConnection connection, ClientFrame request, CancellationToken cancellationToken)
    {
        switch (request.Type)
        {
            case "subscribe":
                await SubscribeAsync(connection, request, cancellationToken).ConfigureAwait(false);
                break;
            case "unsubscribe":
                await UnsubscribeAsync(connection, request).ConfigureAwait(false);
                break;
            case "publish":
                await PublishAsync(connection, request, cancellationToken).ConfigureAwait(false);
                break;
            case "ping":
                Reply(connection, ServerFrames.Pong(request.Ref));
                break;
            case "pong":
                connection.ConsecutiveErrors = 0; // the answer to our heartbeat; receiving it is enough
                break;
            default:
                ProtocolError(connection, request.Ref, ErrorCodes.UnknownType, $"unknown type '{Truncate(request.Type)}'");
                break;
        }
    }

    public async ValueTask ClosedAsync(RealtimeConnection connection)
    {
        foreach (var channel in connection.Subscriptions)
        {
            await channels.UnsubscribeAsync(channel, connection).ConfigureAwait(false);
        }

        connection.Subscriptions.Clear();
    }

    private async ValueTask SubscribeAsync(RealtimeConnection connection, ClientFrame request, CancellationToken cancellationToken)
    {
        if (!ValidChannel(connection, request, out var channel))
        {
            return;
        }

        if (!connection.Subscriptions.Contains(channel))
        {
            if (connection.Subscriptions.Count >= _options.MaxSubscriptionsPerConnection)
            {
                Error(connection, request.Ref, ErrorCodes.TooManySubscriptions, $"at most {_options.MaxSubscriptionsPerConnection} subscriptions per connection");
                return;
            }

            try
            {
                await channels.SubscribeAsync(channel, connection, cancellationToken).ConfigureAwait(false);
            }
            catch (BackplaneUnavailableException)
            {
                Error(connection, request.Ref, ErrorCodes.Unavailable, "the backplane is unavailable; try again");
                return;
            }

            connection.Subscriptions.Add(channel);
        }

        Succeeded(connection, ServerFrames.Subscribed(request.Ref, channel, offset: null, recovered: request.Since is null ? null : false));
    }

    private async ValueTask UnsubscribeAsync(RealtimeConnection connection, ClientFrame request)
    {
        if (!ValidChannel(connection, request, out var channel))
        {
            return;
        }

        if (!connection.Subscriptions.Remove(channel))
        {
            Error(connection, request.Ref, ErrorCodes.NotSubscribed, $"not subscribed to '{channel}'");
            return;
        }

        await channels.UnsubscribeAsync(channel, connection).ConfigureAwait(false);
        Succeeded(connection, ServerFrames.Unsubscribed(request.Ref, channel));
    }

    private async ValueTask PublishAsync(RealtimeConnection connection, ClientFrame request, CancellationToken cancellationToken)
    {
        if (!ValidChannel(connection, request, out var channel))
        {
            return;
        }

        if (request.Data is not { } data)
        {
            ProtocolError(connection, request.Ref, ErrorCodes.BadRequest, "publish needs 'data'");
            return;
        }

        connection.PublishBucket ??= new TokenBucket(_options.PublishRatePerSecond, _options.PublishBurst, time);
        if (!connection.PublishBucket.TryTake())
        {
            Error(connection, request.Ref, ErrorCodes.RateLimited, $"more than {_options.PublishRatePerSecond} publishes per second");
            return;
        }

        string offset;
        try
        {
            // A copy: the receive buffer is reused for the next frame.
            offset = await backplane.PublishAsync(channel, data.ToArray(), cancellationToken).ConfigureAwait(false);
        }
        catch (BackplaneUnavailableException)
        {
            Error(connection, request.Ref, ErrorCodes.Unavailable, "the backplane is unavailable; the message was not published");
            return;
        }

        metrics.Published();
        Succeeded(connection, ServerFrames.Published(request.Ref, channel, offset));
    }

    private bool ValidChannel(RealtimeConnection connection, ClientFrame request, out string channel)
    {
        channel = request.Channel ?? "";
        if (ChannelName.IsValid(channel))
        {
            return true;
        }

        ProtocolError(connection, request.Ref, ErrorCodes.InvalidChannel,
            $"channel must match [A-Za-z0-9_-:.@]{{1,{ChannelName.MaxLength}}}");
        return false;
    }

    private static void Reply(RealtimeConnection connection, ReadOnlyMemory<byte> frame) => connection.TrySend(frame);

    private static void Succeeded(RealtimeConnection connection, ReadOnlyMemory<byte> frame)
    {
        connection.ConsecutiveErrors = 0;
        connection.TrySend(frame);
    }

    /// <summary>An error the client could not have avoided by sending a better frame (limits, outages).</summary>
    private static void Error(RealtimeConnection connection, JsonElement? reference, string code, string message) =>
        connection.TrySend(ServerFrames.Error(reference, code, message));

    /// <summary>A malformed request; too many in a row and the client is broken or hostile: 1008.</summary>
    private void ProtocolError(RealtimeConnection connection, JsonElement? reference, string code, string message)
    {
        connection.TrySend(ServerFrames.Error(reference, code, message));
        if (++connection.ConsecutiveErrors >= _options.MaxConsecutiveErrors)
        {
            ConnectionLog.TooManyErrors(logger, connection.Id, connection.ConsecutiveErrors);
            connection.Close(CloseCodes.Policy, "too many protocol errors", discardQueue: false);
        }
    }

    private static string Truncate(string text) => text.Length <= 32 ? text : text[..32] + "…";
}
