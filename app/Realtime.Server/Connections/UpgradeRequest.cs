namespace Realtime.Server.Connections;

/// <summary>
/// What admission needs from a WebSocket upgrade request, whichever layer parsed it (Kestrel's
/// HTTP pipeline or <see cref="Handshake.WebSocketHandshakeMiddleware"/>).
/// </summary>
public sealed record UpgradeRequest(string? Origin, string? Host, string? AccessToken, string? Authorization)
{
    /// <summary>The token: <c>access_token</c> (browsers cannot set headers on a WebSocket), else the Authorization header's bearer token.</summary>
    public string? Token =>
        !string.IsNullOrEmpty(AccessToken) ? AccessToken
        : Authorization is { } header && header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header["Bearer ".Length..].Trim()
        : null;

    public static UpgradeRequest From(HttpRequest request) => new(
        request.Headers.Origin.ToString(),
        request.Host.Value,
        request.Query["access_token"].ToString(),
        request.Headers.Authorization.ToString());
}
