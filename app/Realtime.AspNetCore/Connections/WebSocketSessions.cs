using System.Net.WebSockets;
using Microsoft.Extensions.Options;
using Realtime.AspNetCore.Protocol;
using Realtime.AspNetCore.Diagnostics;

namespace Realtime.AspNetCore.Connections;

/// <summary>Runs an accepted WebSocket as a <see cref="RealtimeConnection"/>: welcome, both loops, and bookkeeping until it ends.</summary>
public sealed class WebSocketSessions(
    ConnectionManager connections,
    IFrameHandlerFactory handlers,
    AuthFrameReader authFrames,
    IConnectHooks connectHooks,
    NodeIdentity node,
    DrainState drain,
    RealtimeMetrics metrics,
    IOptions<RealtimeOptions> options,
    TimeProvider time,
    ILogger<WebSocketSessions> logger)
{
    private readonly RealtimeOptions _options = options.Value;

    /// <summary>The same for every connection: one instance, not one each.</summary>
    private readonly ConnectionSettings _settings = new(options.Value.MaxMessageBytes, options.Value.SendQueueCapacity, CloseTimeout: TimeSpan.FromSeconds(5));

    private Action<RealtimeConnection>? _slowConsumerHandler;

    /// <summary>One handler for every connection (a lambda here would be one delegate per connection).</summary>
    private Action<RealtimeConnection> OnSlowConsumer => _slowConsumerHandler ??= c =>
    {
        metrics.SlowConsumerClosed();
        ConnectionLog.SlowConsumer(logger, c.Id);
    };

    /// <summary>
    /// Runs the session of an admitted upgrade; its connection slot is given back when it ends. With
    /// <paramref name="awaitsAuthFrame"/> the identity is read from the first frame first: a refusal
    /// closes with 1008 before anything else is said. With <paramref name="batching"/> (the socket's
    /// stream, when it can hold writes back) frames waiting together go out in one flush.
    /// </summary>
    public async Task RunAsync(WebSocket socket, Identity.Identity? identity, bool awaitsAuthFrame = false, IFrameBatching? batching = null)
    {
        if (awaitsAuthFrame)
        {
            AuthFrameReader.Outcome outcome;
            try
            {
                outcome = await authFrames.ReadAsync(socket, _options.MaxMessageBytes, TimeSpan.FromSeconds(_options.Auth.FrameTimeoutSeconds)).ConfigureAwait(false);
            }
            finally
            {
                connections.EndPendingAuth();
            }

            if (outcome.Refusal is { } refusal)
            {
                ConnectionLog.UpgradeRefused(logger, StatusCodes.Status401Unauthorized, refusal);
                connections.Release();
                if (!outcome.Closed)
                {
                    await AuthFrameReader.CloseAsync(socket, refusal).ConfigureAwait(false);
                }

                return;
            }

            identity = outcome.Identity;
        }

        var id = Guid.NewGuid().ToString("N");
        System.Text.Json.JsonElement? connectData = null;
        if (connectHooks.Any)
        {
            var admitted = false;
            try
            {
                (admitted, connectData) = await AskConnectHooksAsync(socket, id, identity).ConfigureAwait(false);
            }
            finally
            {
                if (!admitted)
                {
                    connections.Release();
                }
            }

            if (!admitted)
            {
                return;
            }
        }

        using var connection = new RealtimeConnection(
            id,
            socket,
            _settings,
            time,
            batching)
        {
            User = identity?.User,
            TokenExpiresAt = identity?.ExpiresAt,
            ConnectData = connectData,
        };
        connection.SlowConsumer += OnSlowConsumer;

        connections.Add(connection);
        ConnectionLog.Opened(logger, connection.Id);
        try
        {
            connection.TrySend(ServerFrames.Welcome(connection.Id, node.Id, _options.HeartbeatSeconds, _options.MaxMessageBytes, connection.User, connection.ConnectData));
            await connection.RunAsync(handlers.Open(connection)).ConfigureAwait(false);
        }
        finally
        {
            connections.Remove(connection);
            ConnectionLog.Closed(logger, connection.Id);
        }
    }

    /// <summary>Most bytes of JSON a connect hook may attach: it is kept for the connection's life and sent with every proxy call.</summary>
    public const int MaxConnectDataBytes = 4096;

    /// <summary>
    /// The app's connect hooks, before <c>welcome</c>. A refusal closes with 1008 and the app's
    /// <c>code: message</c>; a hook that failed or ran out of time (or attached more than
    /// <see cref="MaxConnectDataBytes"/>) with 1013 (try again later) and <c>hook_failed</c> or
    /// <c>hook_timeout</c>; a node that began to drain meanwhile with 1012. Frames the client sent
    /// meanwhile wait in the socket.
    /// </summary>
    private async Task<(bool Admitted, System.Text.Json.JsonElement? Data)> AskConnectHooksAsync(WebSocket socket, string id, Identity.Identity? identity)
    {
        string? refusal = null;
        var status = CloseCodes.TryAgainLater;
        System.Text.Json.JsonElement? data = null;
        try
        {
            data = await connectHooks.AskAsync(id, identity?.User, CancellationToken.None).ConfigureAwait(false);
            if (data is { } attached && System.Text.Encoding.UTF8.GetByteCount(attached.GetRawText()) > MaxConnectDataBytes)
            {
                refusal = ErrorCodes.HookFailed;
                ConnectionLog.ConnectDataTooLarge(logger, id, MaxConnectDataBytes);
            }
            else if (drain.IsDraining)
            {
                // Admitted before the drain, asked of the app during it: the drain's sweep may have passed already.
                (refusal, status) = ("draining", CloseCodes.ServiceRestart);
            }
        }
        catch (RequestException e)
        {
            var failed = e.Code is ErrorCodes.HookFailed or ErrorCodes.HookTimeout;
            (refusal, status) = failed ? (e.Code, CloseCodes.TryAgainLater) : ($"{e.Code}: {e.Message}", CloseCodes.Policy);
        }

        if (refusal is null)
        {
            return (true, data);
        }

        ConnectionLog.UpgradeRefused(logger, StatusCodes.Status403Forbidden, refusal);
        await AuthFrameReader.CloseAsync(socket, refusal, status).ConfigureAwait(false);
        return (false, null);
    }
}
