using System.Text;
using System.Text.Json;
using Realtime.AspNetCore.Protocol;

namespace Realtime.Server.Tests.Unit;

public sealed class FrameParserTests
{
    private static ParseResult Parse(string json) => FrameParser.Parse(Encoding.UTF8.GetBytes(json));

    [Fact]
    public void Subscribe_with_every_field()
    {
        var result = Parse("""{"type":"subscribe","channel":"chat:lobby","since":"1-0","presence":true,"ref":7}""");
        var frame = Assert.IsType<ClientFrame>(result.Frame);
        Assert.Equal("subscribe", frame.Type);
        Assert.Equal("chat:lobby", frame.Channel);
        Assert.Equal("1-0", frame.Since);
        Assert.True(frame.Presence);
        Assert.Equal(7, frame.Ref!.Value.GetInt32());
    }

    [Fact]
    public void Publish_keeps_data_as_the_clients_exact_bytes()
    {
        const string data = """{ "text" : "héllo", "n": [1, 2.50, null] }""";
        var frame = Parse($$"""{"type":"publish","channel":"c","data":{{data}},"ref":"a"}""").Frame!;
        Assert.Equal(data, Encoding.UTF8.GetString(frame.Data!.Value.Span));
        Assert.Equal("a", frame.Ref!.Value.GetString());
    }

    [Theory]
    [InlineData("""{"type":"publish","channel":"c","data":"just text"}""", "\"just text\"")]
    [InlineData("""{"type":"publish","channel":"c","data":42}""", "42")]
    [InlineData("""{"type":"publish","channel":"c","data":null}""", "null")]
    public void Data_may_be_any_json_value(string json, string expected)
    {
        Assert.Equal(expected, Encoding.UTF8.GetString(Parse(json).Frame!.Data!.Value.Span));
    }

    [Fact]
    public void Unknown_fields_are_ignored()
    {
        Assert.Equal("ping", Parse("""{"type":"ping","extra":{"deep":[1,2]},"x":1}""").Frame!.Type);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("{\"type\":\"ping\"")]
    [InlineData("[1,2]")]
    [InlineData("\"ping\"")]
    [InlineData("{\"type\":\"ping\"} {}")]
    [InlineData("{}")]
    [InlineData("{\"type\":5}")]
    [InlineData("{\"type\":\"subscribe\",\"channel\":7}")]
    [InlineData("{\"type\":\"subscribe\",\"presence\":\"yes\"}")]
    [InlineData("{\"type\":\"ping\",\"ref\":{\"a\":1}}")]
    public void Malformed_frames_are_bad_requests(string json)
    {
        var result = Parse(json);
        Assert.Null(result.Frame);
        Assert.Equal(ErrorCodes.BadRequest, result.ErrorCode);
        Assert.False(string.IsNullOrEmpty(result.ErrorMessage));
    }

    [Fact]
    public void A_bad_request_still_echoes_a_valid_ref()
    {
        var result = Parse("""{"ref":12,"type":"subscribe","channel":7}""");
        Assert.Equal(ErrorCodes.BadRequest, result.ErrorCode);
        Assert.Equal(12, result.Ref!.Value.GetInt32());
    }

    [Fact]
    public void Message_frame_embeds_data_verbatim()
    {
        var frame = ServerFrames.Message("chat:x", "5-1", """{"a":1}"""u8);
        using var json = JsonDocument.Parse(frame);
        Assert.Equal("message", json.RootElement.GetProperty("type").GetString());
        Assert.Equal("chat:x", json.RootElement.GetProperty("channel").GetString());
        Assert.Equal("5-1", json.RootElement.GetProperty("offset").GetString());
        Assert.Equal(1, json.RootElement.GetProperty("data").GetProperty("a").GetInt32());
    }

    [Fact]
    public void Control_frames_put_type_first_and_omit_nulls()
    {
        Assert.Equal("""{"type":"pong"}""", Encoding.UTF8.GetString(ServerFrames.Pong(null).Span));
        var reference = JsonDocument.Parse("3").RootElement;
        Assert.Equal("""{"type":"error","ref":3,"code":"bad_request","message":"m"}""",
            Encoding.UTF8.GetString(ServerFrames.Error(reference, "bad_request", "m").Span));
        Assert.Equal("""{"type":"reconnect"}""", Encoding.UTF8.GetString(ServerFrames.Reconnect.Span));
    }

    [Theory]
    [InlineData("1e15")]
    [InlineData("0.0001")]
    [InlineData("0")]
    [InlineData("-5")]
    [InlineData("31536001")]
    public void A_ttl_out_of_range_is_a_bad_request(string ttl)
    {
        var result = Parse($$"""{"type":"claim","channel":"c","resource":"r","ttl":{{ttl}},"ref":1}""");
        Assert.Null(result.Frame);
        Assert.Equal("bad_request", result.ErrorCode);
    }

    [Theory]
    [InlineData("0.001")]
    [InlineData("31536000")]
    public void A_ttl_within_range_is_kept(string ttl) =>
        Assert.NotNull(Parse($$"""{"type":"claim","channel":"c","resource":"r","ttl":{{ttl}}}""").Frame!.Ttl);

    [Theory]
    [InlineData("""{"type":"\ud800"}""")]
    [InlineData("""{"type":"publish","channel":"\udc00x"}""")]
    public void A_string_that_cannot_be_read_as_text_is_a_bad_request_not_an_exception(string json)
    {
        var result = Parse(json);
        Assert.Null(result.Frame);
        Assert.Equal("bad_request", result.ErrorCode);
    }
}
