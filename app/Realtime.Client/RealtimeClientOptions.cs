namespace Realtime.Client;

public sealed class RealtimeClientOptions
{
    /// <summary>Where to connect (ws:// or wss://…/ws). Several: tried in turn on each reconnect.</summary>
    public required IReadOnlyList<Uri> Endpoints { get; init; }

    /// <summary>Returns the token to send as <c>access_token</c>; asked on every (re)connect so it can be renewed.</summary>
    public Func<CancellationToken, ValueTask<string?>>? TokenProvider { get; init; }

    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(10);

    public TimeSpan MinBackoff { get; init; } = TimeSpan.FromMilliseconds(500);

    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(20);

    public Random Random { get; init; } = Random.Shared;

    /// <summary>
    /// How many more times a publish or a claim is sent when its outcome is unknown (<c>unknown_outcome</c>,
    /// or no reply within <see cref="RequestTimeout"/>): repeating is safe because a publish keeps its
    /// <c>id</c> and a claim repeated by its owner answers <c>claimed</c> again. The waits between attempts
    /// follow <see cref="Backoff"/> with <see cref="MinBackoff"/> and <see cref="MaxBackoff"/>; 0 never repeats.
    /// </summary>
    public int PublishRetries { get; init; } = 3;

    /// <summary>Where the token goes: a header by default; the URL only when set to <see cref="TokenTransport.Query"/>.</summary>
    public TokenTransport TokenTransport { get; init; } = TokenTransport.Header;
}

/// <summary>How the client hands its token to the server.</summary>
public enum TokenTransport
{
    /// <summary><c>Authorization: Bearer</c> on the upgrade: never part of a URL, so never in an access log.</summary>
    Header,

    /// <summary><c>?access_token=</c> in the URL, as the first protocol version did: access logs keep it. Only on purpose.</summary>
    Query,
}

public enum ConnectionState
{
    Idle,
    Connecting,
    Open,
    Reconnecting,
    Closed,
}

/// <summary>An error reply from the server (codes in docs/protocol.md), or <c>timeout</c> / <c>disconnected</c>.</summary>
public sealed class RealtimeException(string code, string message, string? owner = null, string? publishId = null) : Exception(message)
{
    public string Code { get; } = code;

    /// <summary>The current owner, with <c>conflict</c>.</summary>
    public string? Owner { get; } = owner;

    /// <summary>
    /// The idempotency id of the publish that failed, so that the app can send it again with the same id
    /// once connected (within the server's two-minute window) without risking a duplicate when the outcome
    /// was unknown (<c>unknown_outcome</c>, <c>timeout</c>, <c>disconnected</c>). Null for other requests.
    /// </summary>
    public string? PublishId { get; internal set; } = publishId;
}
