using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Realtime.AspNetCore.Protocol;

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

    public static ReadOnlyMemory<byte> Welcome(string connection, string node, int heartbeatSeconds, int maxMessageBytes, string? user, JsonElement? data = null) =>
        Serialize(new WelcomeFrame(connection, node, heartbeatSeconds, maxMessageBytes, user, data), ProtocolJsonContext.Default.WelcomeFrame);

    /// <summary>An RPC's reply: <c>data</c> is always there (JSON null when the handler gave none).</summary>
    public static ReadOnlyMemory<byte> Result(JsonElement? reference, string method, JsonElement data) =>
        Serialize(new ResultFrame(reference, method, data), ProtocolJsonContext.Default.ResultFrame);

    public static ReadOnlyMemory<byte> Subscribed(JsonElement? reference, string channel, string? offset, bool recovered) =>
        Serialize(new SubscribedFrame(reference, channel, offset, recovered), ProtocolJsonContext.Default.SubscribedFrame);

    public static ReadOnlyMemory<byte> Unsubscribed(JsonElement? reference, string channel) =>
        Serialize(new UnsubscribedFrame(reference, channel), ProtocolJsonContext.Default.UnsubscribedFrame);

    public static ReadOnlyMemory<byte> Published(JsonElement? reference, string channel, string offset) =>
        Serialize(new PublishedFrame(reference, channel, offset), ProtocolJsonContext.Default.PublishedFrame);

    /// <summary>Messages of the channel were lost and cannot be replayed; delivery goes on after <paramref name="offset"/>.</summary>
    public static ReadOnlyMemory<byte> Gap(string channel, string? offset) =>
        Serialize(new GapFrame(channel, offset), ProtocolJsonContext.Default.GapFrame);

    public static ReadOnlyMemory<byte> Pong(JsonElement? reference) =>
        Serialize(new PongFrame(reference), ProtocolJsonContext.Default.PongFrame);

    public static ReadOnlyMemory<byte> Error(JsonElement? reference, string code, string message, string? owner = null) =>
        Serialize(new ErrorFrame(reference, code, message, owner), ProtocolJsonContext.Default.ErrorFrame);

    public static ReadOnlyMemory<byte> Claimed(JsonElement? reference, string channel, string resource, string owner, string? offset) =>
        Serialize(new ClaimedFrame(reference, channel, resource, owner, offset), ProtocolJsonContext.Default.ClaimedFrame);

    public static ReadOnlyMemory<byte> Released(JsonElement? reference, string channel, string resource, string offset) =>
        Serialize(new ReleasedFrame(reference, channel, resource, offset), ProtocolJsonContext.Default.ReleasedFrame);

    public static ReadOnlyMemory<byte> Refreshed(JsonElement? reference, long expires) =>
        Serialize(new RefreshedFrame(reference, expires), ProtocolJsonContext.Default.RefreshedFrame);

    /// <summary><c>{"type":"presence","ref":…,"channel":…,"members":[…]}</c>; members are their stored JSON.</summary>
    public static ReadOnlyMemory<byte> Presence(JsonElement? reference, string channel, IEnumerable<ReadOnlyMemory<byte>> members)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("type"u8, "presence"u8);
            if (reference is { } r)
            {
                writer.WritePropertyName("ref"u8);
                r.WriteTo(writer);
            }

            writer.WriteString("channel"u8, channel);
            writer.WriteStartArray("members"u8);
            foreach (var member in members)
            {
                writer.WriteRawValue(member.Span, skipInputValidation: true);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return buffer.WrittenMemory;
    }

    /// <summary><c>{"type":"join"|"leave","channel":…,"member":{…}}</c>, built once per event per node.</summary>
    public static ReadOnlyMemory<byte> PresenceEvent(string type, string channel, ReadOnlySpan<byte> member)
    {
        var buffer = new ArrayBufferWriter<byte>(member.Length + channel.Length + 40);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("type"u8, type);
            writer.WriteString("channel"u8, channel);
            writer.WritePropertyName("member"u8);
            writer.WriteRawValue(member, skipInputValidation: true);
            writer.WriteEndObject();
        }

        return buffer.WrittenMemory;
    }

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

public sealed record WelcomeFrame(string Connection, string Node, int Heartbeat, int MaxMessageBytes, string? User, JsonElement? Data)
{
    [JsonPropertyOrder(-1)]
    public string Type => "welcome";
}

public sealed record SubscribedFrame(JsonElement? Ref, string Channel, string? Offset, bool Recovered)
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

public sealed record GapFrame(string Channel, string? Offset)
{
    [JsonPropertyOrder(-1)]
    public string Type => "gap";
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

public sealed record ErrorFrame(JsonElement? Ref, string Code, string Message, string? Owner)
{
    [JsonPropertyOrder(-1)]
    public string Type => "error";
}

public sealed record ClaimedFrame(JsonElement? Ref, string Channel, string Resource, string Owner, string? Offset)
{
    [JsonPropertyOrder(-1)]
    public string Type => "claimed";
}

public sealed record ReleasedFrame(JsonElement? Ref, string Channel, string Resource, string Offset)
{
    [JsonPropertyOrder(-1)]
    public string Type => "released";
}

public sealed record ResultFrame(JsonElement? Ref, string Method, JsonElement Data)
{
    [JsonPropertyOrder(-1)]
    public string Type => "result";
}

public sealed record RefreshedFrame(JsonElement? Ref, long Expires)
{
    [JsonPropertyOrder(-1)]
    public string Type => "refreshed";
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
[JsonSerializable(typeof(GapFrame))]
[JsonSerializable(typeof(PongFrame))]
[JsonSerializable(typeof(PingFrame))]
[JsonSerializable(typeof(ReconnectFrame))]
[JsonSerializable(typeof(ErrorFrame))]
[JsonSerializable(typeof(ClaimedFrame))]
[JsonSerializable(typeof(ReleasedFrame))]
[JsonSerializable(typeof(RefreshedFrame))]
[JsonSerializable(typeof(ResultFrame))]
[JsonSerializable(typeof(PublishAccepted))]
public sealed partial class ProtocolJsonContext : JsonSerializerContext;
