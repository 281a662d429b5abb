using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Realtime.Server.Protocol;

/// <summary>
/// Every frame the server sends, as UTF-8 bytes ready for the socket. Control frames go through
/// the source-generated <see cref="ProtocolJsonContext"/>; <c>message</c> frames are written by
/// hand because their <c>data</c> is the publisher's raw JSON, copied in without re-encoding.
/// </summary>
public static class ServerFrames
{
    /// <summary>The server's heartbeat, identical for every connection: built once.</summary>
    public static readonly ReadOnlyMemory<byte> Ping = Serialize(new PingFrame(), ProtocolJsonContext.Default.PingFrame);

    /// <summary>Sent to every connection of a draining node before close 1012.</summary>
    public static readonly ReadOnlyMemory<byte> Reconnect = Serialize(new ReconnectFrame(), ProtocolJsonContext.Default.ReconnectFrame);

    public static ReadOnlyMemory<byte> Welcome(string connection, string node, int heartbeatSeconds, int maxMessageBytes) =>
        Serialize(new WelcomeFrame(connection, node, heartbeatSeconds, maxMessageBytes), ProtocolJsonContext.Default.WelcomeFrame);

    public static ReadOnlyMemory<byte> Subscribed(JsonElement? reference, string channel, string? offset, bool? recovered) =>
        Serialize(new SubscribedFrame(reference, channel, offset, recovered), ProtocolJsonContext.Default.SubscribedFrame);

    public static ReadOnlyMemory<byte> Unsubscribed(JsonElement? reference, string channel) =>
        Serialize(new UnsubscribedFrame(reference, channel), ProtocolJsonContext.Default.UnsubscribedFrame);

    public static ReadOnlyMemory<byte> Published(JsonElement? reference, string channel, string offset) =>
        Serialize(new PublishedFrame(reference, channel, offset), ProtocolJsonContext.Default.PublishedFrame);

    public static ReadOnlyMemory<byte> Pong(JsonElement? reference) =>
        Serialize(new PongFrame(reference), ProtocolJsonContext.Default.PongFrame);

    public static ReadOnlyMemory<byte> Error(JsonElement? reference, string code, string message) =>
        Serialize(new ErrorFrame(reference, code, message), ProtocolJsonContext.Default.ErrorFrame);

    /// <summary><c>{"type":"message","channel":…,"offset":…,"data":…}</c>, built once per message per node.</summary>
    public static ReadOnlyMemory<byte> Message(string channel, string offset, ReadOnlySpan<byte> data)
    {
        var buffer = new ArrayBufferWriter<byte>(data.Length + channel.Length + offset.Length + 48);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("type"u8, "message"u8);
            writer.WriteString("channel"u8, channel);
            writer.WriteString("offset"u8, offset);
            writer.WritePropertyName("data"u8);
            writer.WriteRawValue(data, skipInputValidation: true); // validated when it was published
            writer.WriteEndObject();
        }

        return buffer.WrittenMemory;
    }

    private static ReadOnlyMemory<byte> Serialize<T>(T frame, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type) =>
        JsonSerializer.SerializeToUtf8Bytes(frame, type);
}

public sealed record WelcomeFrame(string Connection, string Node, int Heartbeat, int MaxMessageBytes)
{
    [JsonPropertyOrder(-1)]
    public string Type => "welcome";
}

public sealed record SubscribedFrame(JsonElement? Ref, string Channel, string? Offset, bool? Recovered)
{
    [JsonPropertyOrder(-1)]
    public string Type => "subscribed";
}

public sealed record UnsubscribedFrame(JsonElement? Ref, string Channel)
{
    [JsonPropertyOrder(-1)]
    public string Type => "unsubscribed";
}

public sealed record PublishedFrame(JsonElement? Ref, string Channel, string Offset)
{
    [JsonPropertyOrder(-1)]
    public string Type => "published";
}

public sealed record PongFrame(JsonElement? Ref)
{
    [JsonPropertyOrder(-1)]
    public string Type => "pong";
}

public sealed record PingFrame
{
    public string Type => "ping";
}

public sealed record ReconnectFrame
{
    public string Type => "reconnect";
}

public sealed record ErrorFrame(JsonElement? Ref, string Code, string Message)
{
    [JsonPropertyOrder(-1)]
    public string Type => "error";
}

/// <summary>Offset answer of the server API (<c>POST /api/channels/{channel}/messages</c>).</summary>
public sealed record PublishAccepted(string Channel, string Offset);

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(WelcomeFrame))]
[JsonSerializable(typeof(SubscribedFrame))]
[JsonSerializable(typeof(UnsubscribedFrame))]
[JsonSerializable(typeof(PublishedFrame))]
[JsonSerializable(typeof(PongFrame))]
[JsonSerializable(typeof(PingFrame))]
[JsonSerializable(typeof(ReconnectFrame))]
[JsonSerializable(typeof(ErrorFrame))]
[JsonSerializable(typeof(PublishAccepted))]
public sealed partial class ProtocolJsonContext : JsonSerializerContext;
