using System.Text.Json;

namespace Realtime.AspNetCore.Features;

/// <summary>The <c>data</c> of the messages a claim or release publishes on its channel.</summary>
public static class ClaimEvents
{
    public static byte[] Claimed(string resource, string owner) =>
        JsonSerializer.SerializeToUtf8Bytes(new ClaimEvent("claimed", resource, owner), FeaturesJsonContext.Default.ClaimEvent);

    public static byte[] Released(string resource, string? owner) =>
        JsonSerializer.SerializeToUtf8Bytes(new ClaimEvent("released", resource, owner), FeaturesJsonContext.Default.ClaimEvent);
}
