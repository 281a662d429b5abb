namespace Realtime.AspNetCore.Connections;

/// <summary>
/// What admission needs from a WebSocket upgrade request, whichever layer parsed it (Kestrel's
/// HTTP pipeline or <see cref="Handshake.WebSocketHandshakeMiddleware"/>).
/// </summary>
/// <param name="AuthInFrame">The client asked (<c>?auth=frame</c>) to send its token in the first frame instead of the URL.</param>
public sealed record UpgradeRequest(string? Origin, string? Host, string? AccessToken, string? Authorization, bool AuthInFrame = false)
{
    /// <summary>The token: <c>access_token</c> (browsers cannot set headers on a WebSocket), else the Authorization header's bearer token.</summary>
    public string? Token =>
        !string.IsNullOrEmpty(AccessToken) ? AccessToken
        : Identity.BearerToken.From(Authorization);

    public static UpgradeRequest From(HttpRequest request) => new(
        request.Headers.Origin.ToString(),
        request.Host.Value,
        request.Query["access_token"].ToString(),
        request.Headers.Authorization.ToString(),
        request.Query["auth"] == "frame");
}
