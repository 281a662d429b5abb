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
public sealed class RealtimeException(string code, string message, string? owner = null) : Exception(message)
{
    public string Code { get; } = code;

    /// <summary>The current owner, with <c>conflict</c>.</summary>
    public string? Owner { get; } = owner;
}
