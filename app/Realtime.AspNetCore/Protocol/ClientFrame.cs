using System.Text.Json;

namespace Realtime.AspNetCore.Protocol;

/// <summary>One request from a client, as parsed off the wire.</summary>
public sealed class ClientFrame
{
    public required string Type { get; init; }

    /// <summary>The client's <c>ref</c>, echoed verbatim on the reply (number or string).</summary>
    public JsonElement? Ref { get; init; }

    public string? Channel { get; init; }

    /// <summary>Offset to resume after (subscribe).</summary>
    public string? Since { get; init; }

    /// <summary>Whether the subscriber wants join/leave events (subscribe).</summary>
    public bool Presence { get; init; }

    /// <summary>The raw UTF-8 JSON of <c>data</c> (publish), kept as bytes so it is never re-encoded.</summary>
    public ReadOnlyMemory<byte>? Data { get; init; }

    /// <summary>The claimed resource (claim, release).</summary>
    public string? Resource { get; init; }

    /// <summary>Seconds a claim lasts unless released (claim); none: until released.</summary>
    public double? Ttl { get; init; }

    /// <summary>Release the claim when this connection closes (claim).</summary>
    public bool ReleaseOnDisconnect { get; init; }

    /// <summary>The publish's idempotency key (publish): the same id on the same channel within the window is stored once.</summary>
    public string? Id { get; init; }

    /// <summary>The method called (rpc).</summary>
    public string? Method { get; init; }

    /// <summary>A fresh access token (refresh). Never logged.</summary>
    public string? Token { get; init; }
}
