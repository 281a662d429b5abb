using System.Text.Json;

namespace Realtime.AspNetCore.Extensibility;

/// <summary>What was stored: <c>publish</c>, <c>claim</c> or <c>release</c>.</summary>
public enum StoredKind
{
    Publish,
    Claim,
    Release,
}

/// <summary>
/// A publish, claim or release a client made, told to the app after it was stored, at least once
/// (docs/extending.md, "Events"). <see cref="Offset"/> is the channel's offset of the event: dense
/// per channel, so a receiver that sees offsets jump knows it missed some.
/// </summary>
public sealed record StoredEvent(
    StoredKind Kind,
    string Channel,
    string Offset,
    string ConnectionId,
    string? User,
    string Node,
    string? Resource = null,
    string? Owner = null,
    JsonElement? Data = null);
