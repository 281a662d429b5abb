using System.Text.Json;

namespace Realtime.AspNetCore.Protocol;

/// <summary>The outcome of parsing one text frame: a request, or the protocol error to answer with.</summary>
public readonly record struct ParseResult(ClientFrame? Frame, string? ErrorCode, string? ErrorMessage, JsonElement? Ref)
{
    public static ParseResult Ok(ClientFrame frame) => new(frame, null, null, frame.Ref);

    public static ParseResult Error(string code, string message, JsonElement? reference = null) => new(null, code, message, reference);
}

/// <summary>
/// Parses client frames with <see cref="Utf8JsonReader"/>: one pass, no DOM, and <c>data</c> kept as
/// the client's own bytes so a publish is validated once and never re-serialized.
/// </summary>
public static class FrameParser
{
    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = 64 };

    /// <summary>A claim's shortest lifetime: one millisecond (less would round to "no expiry").</summary>
    public const double MinTtlSeconds = 0.001;

    /// <summary>A claim's longest lifetime: a year (more is "for ever" in all but name, and overflows a TimeSpan soon after).</summary>
    public const double MaxTtlSeconds = 365 * 24 * 3600;

    public static ParseResult Parse(ReadOnlyMemory<byte> utf8)
    {
        try
        {
            return ParseCore(utf8);
        }
        catch (JsonException e)
        {
            return ParseResult.Error(ErrorCodes.BadRequest, $"malformed JSON: {e.Message}");
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or FormatException)
        {
            // Valid JSON the reader cannot turn into a string (an unpaired surrogate, say): the
            // client's fault, answered like any malformed frame, never logged as a server error.
            return ParseResult.Error(ErrorCodes.BadRequest, "malformed frame: a value cannot be read as text");
        }
    }

    private static ParseResult ParseCore(ReadOnlyMemory<byte> utf8)
    {
        var reader = new Utf8JsonReader(utf8.Span, ReaderOptions);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return ParseResult.Error(ErrorCodes.BadRequest, "a frame must be one JSON object");
        }

        string? type = null, channel = null, since = null, resource = null, token = null, id = null, method = null;
        bool presence = false, releaseOnDisconnect = false;
        double? ttl = null;
        JsonElement? reference = null;
        ReadOnlyMemory<byte>? data = null;
        string? problem = null;

        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            var property = reader.GetString();
            reader.Read();
            switch (property)
            {
                case "type":
                    type = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                    problem ??= type is null ? "'type' must be a string" : null;
                    break;
                case "ref":
                    reference = JsonElement.ParseValue(ref reader);
                    if (reference.Value.ValueKind is not (JsonValueKind.Number or JsonValueKind.String))
                    {
                        problem ??= "'ref' must be a number or a string";
                        reference = null;
                    }

                    break;
                case "channel":
                    channel = ReadString(ref reader, "channel", ref problem);
                    break;
                case "since":
                    since = ReadString(ref reader, "since", ref problem);
                    break;
                case "presence":
                    presence = ReadBoolean(ref reader, "presence", ref problem);
                    break;
                case "releaseOnDisconnect":
                    releaseOnDisconnect = ReadBoolean(ref reader, "releaseOnDisconnect", ref problem);
                    break;
                case "resource":
                    resource = ReadString(ref reader, "resource", ref problem);
                    break;
                case "id":
                    id = ReadString(ref reader, "id", ref problem);
                    break;
                case "method":
                    method = ReadString(ref reader, "method", ref problem);
                    break;
                case "token":
                    token = ReadString(ref reader, "token", ref problem);
                    break;
                case "ttl":
                    if (reader.TokenType == JsonTokenType.Number && reader.TryGetDouble(out var seconds) && seconds >= MinTtlSeconds && seconds <= MaxTtlSeconds)
                    {
                        ttl = seconds;
                    }
                    else
                    {
                        problem ??= $"'ttl' must be a number of seconds from {MinTtlSeconds} to {MaxTtlSeconds}";
                        reader.Skip();
                    }

                    break;
                case "data":
                    var start = (int)reader.TokenStartIndex;
                    reader.Skip();
                    data = utf8[start..(int)reader.BytesConsumed];
                    break;
                default:
                    reader.Skip(); // Unknown fields are ignored: newer clients may send more.
                    break;
            }
        }

        if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
        {
            return ParseResult.Error(ErrorCodes.BadRequest, "a frame must be exactly one JSON object", reference);
        }

        if (problem is not null)
        {
            return ParseResult.Error(ErrorCodes.BadRequest, problem, reference);
        }

        if (type is null)
        {
            return ParseResult.Error(ErrorCodes.BadRequest, "missing 'type'", reference);
        }

        return ParseResult.Ok(new ClientFrame
        {
            Type = type,
            Ref = reference,
            Channel = channel,
            Since = since,
            Presence = presence,
            Data = data,
            Resource = resource,
            Ttl = ttl,
            ReleaseOnDisconnect = releaseOnDisconnect,
            Token = token,
            Id = id,
            Method = method,
        });
    }

    private static string? ReadString(ref Utf8JsonReader reader, string name, ref string? problem)
    {
        if (reader.TokenType == JsonTokenType.String)
        {
            return reader.GetString();
        }

        problem ??= $"'{name}' must be a string";
        reader.Skip();
        return null;
    }

    private static bool ReadBoolean(ref Utf8JsonReader reader, string name, ref string? problem)
    {
        if (reader.TokenType is JsonTokenType.True or JsonTokenType.False)
        {
            return reader.GetBoolean();
        }

        problem ??= $"'{name}' must be true or false";
        reader.Skip();
        return false;
    }
}
