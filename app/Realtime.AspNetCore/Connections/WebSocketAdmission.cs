using Microsoft.Extensions.Options;
using Realtime.AspNetCore.Diagnostics;

namespace Realtime.AspNetCore.Connections;

/// <summary>
/// The answer to an upgrade: admitted (a connection slot is held) with the caller's identity, or an
/// HTTP status and why. <paramref name="AwaitsAuthFrame"/>: the identity comes in the first frame.
/// </summary>
public readonly record struct Admission(int Status, string? Reason, Identity.Identity? Identity, bool AwaitsAuthFrame = false)
{
    public bool Admitted => Status == StatusCodes.Status101SwitchingProtocols;
}

/// <summary>
/// Decides whether an upgrade may become a connection: 403 foreign origin, 503 draining, 503 no room
/// (memory pressure, node full: checked before the token, which costs more), 401 no or bad token.
/// An admitted request holds a slot of <see cref="ConnectionManager"/>; the caller gives it back if
/// the upgrade then fails. Refusals for lack of room are counted, not logged one by one: a flood
/// would turn into a flood of log lines.
/// </summary>
public sealed class WebSocketAdmission(
    ConnectionManager connections,
    OriginPolicy origins,
    DrainState drain,
    IMemoryPressure memory,
    Identity.TokenValidator tokens,
    RealtimeMetrics metrics,
    IOptions<RealtimeOptions> options,
    ILogger<WebSocketAdmission> logger)
{
    /// <summary>Why a request to the WebSocket path without an upgrade gets 426, on either path.</summary>
    public const string UpgradeRequired = "a WebSocket upgrade is required";

    public const string ConnectionLimitReached = "connection limit reached";

    private readonly bool _allowAnonymous = options.Value.Auth.AllowAnonymous;

    public async ValueTask<Admission> AdmitAsync(UpgradeRequest request, CancellationToken cancellationToken)
    {
        if (!origins.IsAllowed(request.Origin, request.Host))
        {
            return Refuse(StatusCodes.Status403Forbidden, "origin not allowed");
        }

        if (drain.IsDraining)
        {
            return Refuse(StatusCodes.Status503ServiceUnavailable, "draining");
        }

        if (memory.UnderPressure)
        {
            return NoRoom(RefusalReason.Memory, "server under memory pressure");
        }

        if (!connections.HasRoom())
        {
            return NoRoom(RefusalReason.Limit, ConnectionLimitReached);
        }

        Identity.Identity? identity = null;
        var awaitsAuthFrame = request.AuthInFrame && request.Token is null;
        if (tokens.Enabled && !awaitsAuthFrame)
        {
            if (request.Token is { } token)
            {
                var check = await tokens.ValidateAsync(token, cancellationToken).ConfigureAwait(false);
                if (check.Identity is null)
                {
                    return Refuse(StatusCodes.Status401Unauthorized, check.Error!);
                }

                identity = check.Identity;
            }
            else if (!_allowAnonymous)
            {
                return Refuse(StatusCodes.Status401Unauthorized, "a token is required (Authorization: Bearer, ?auth=frame and an auth frame, or access_token)");
            }
        }

        if (awaitsAuthFrame && !connections.TryBeginPendingAuth())
        {
            return NoRoom(RefusalReason.PendingAuth, "too many connections waiting to authenticate");
        }

        if (!connections.TryReserve())
        {
            if (awaitsAuthFrame)
            {
                connections.EndPendingAuth();
            }

            return NoRoom(RefusalReason.Limit, ConnectionLimitReached);
        }

        return new Admission(StatusCodes.Status101SwitchingProtocols, null, identity, awaitsAuthFrame);
    }

    private Admission NoRoom(string refusal, string reason)
    {
        metrics.Refused(refusal);
        return new Admission(StatusCodes.Status503ServiceUnavailable, reason, null);
    }

    private Admission Refuse(int status, string reason)
    {
        ConnectionLog.UpgradeRefused(logger, status, reason);
        return new Admission(status, reason, null);
    }
}
