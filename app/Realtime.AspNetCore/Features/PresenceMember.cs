using System.Text.Json;
using System.Text.Json.Serialization;

namespace Realtime.AspNetCore.Features;

/// <summary>One connection present in a channel, as every node and client sees it.</summary>
public sealed record PresenceMember(string Connection, string? User, string Node, long JoinedAt)
{
    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this, FeaturesJsonContext.Default.PresenceMember);

    public static PresenceMember? FromJson(ReadOnlySpan<byte> json) => JsonSerializer.Deserialize(json, FeaturesJsonContext.Default.PresenceMember);
}

/// <summary>The reply to a <c>claims</c> request; <see cref="More"/> is true (else absent) when the channel holds more claims than listed.</summary>
public sealed record ClaimsFrame(JsonElement? Ref, string Channel, IReadOnlyList<ClaimHolder> Claims, bool? More)
{
    [JsonPropertyOrder(-1)]
    public string Type => "claims";
}

/// <summary>The event published on a channel when a resource is claimed or released.</summary>
public sealed record ClaimEvent(string Event, string Resource, string? Owner);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(PresenceMember))]
[JsonSerializable(typeof(List<PresenceMember>))]
[JsonSerializable(typeof(ClaimEvent))]
[JsonSerializable(typeof(ClaimsFrame))]
public sealed partial class FeaturesJsonContext : JsonSerializerContext;
