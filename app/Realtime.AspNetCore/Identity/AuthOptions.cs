namespace Realtime.AspNetCore.Identity;

/// <summary>
/// User identity from JWT bearer tokens (<c>access_token</c> query parameter on /ws, or an
/// Authorization header): a symmetric <see cref="SigningKey"/>, or an OIDC <see cref="Authority"/> whose
/// JWKS signs them (e.g. Cognito). Without either, every connection is anonymous.
/// </summary>
public sealed class AuthOptions
{
    /// <summary>OIDC issuer URL; its discovery document names the JWKS.</summary>
    public string? Authority { get; set; }

    /// <summary>HMAC-SHA256 key (at least 32 bytes of UTF-8) for tokens your own backend signs. Never logged.</summary>
    public string? SigningKey { get; set; }

    /// <summary>Expected <c>iss</c>; with an authority, defaults to it.</summary>
    public string? Issuer { get; set; }

    /// <summary>Expected <c>aud</c>.</summary>
    public string? Audience { get; set; }

    /// <summary>Whether a connection without a token is accepted (as anonymous). Namespaces may still refuse it.</summary>
    public bool AllowAnonymous { get; set; } = true;

    /// <summary>The claim that holds the user id.</summary>
    public string UserClaim { get; set; } = "sub";

    /// <summary>Tolerated clock difference when checking lifetimes.</summary>
    public int ClockSkewSeconds { get; set; } = 30;

    /// <summary>How long a connection opened with <c>?auth=frame</c> has to send its auth frame before it is closed (1008).</summary>
    public int FrameTimeoutSeconds { get; set; } = 10;

    /// <summary>Most connections of a node still waiting for their auth frame; more upgrades with <c>?auth=frame</c> get 503.</summary>
    public int MaxPendingFrames { get; set; } = 500;

    public bool Enabled => !string.IsNullOrEmpty(Authority) || !string.IsNullOrEmpty(SigningKey);
}
