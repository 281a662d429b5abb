using System.Buffers;
using System.Text;
using Realtime.AspNetCore.Connections.Handshake;

namespace Realtime.Server.Tests.Unit;

public sealed class HandshakeParserTests
{
    private const string Upgrade =
        "GET /ws?access_token=a%2Bb.c&x=1 HTTP/1.1\r\n" +
        "host: rt.example.com\r\n" +
        "Upgrade: WebSocket\r\n" +
        "Connection: keep-alive, Upgrade\r\n" +
        "Sec-WebSocket-Version: 13\r\n" +
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n" +
        "Origin: https://app.example.com\r\n" +
        "Authorization: Bearer xyz\r\n\r\n";

    private static HandshakeParse Parse(string text, out HandshakeHead? head, out long consumed)
    {
        var buffer = new ReadOnlySequence<byte>(Encoding.Latin1.GetBytes(text));
        var result = HandshakeParser.Parse(buffer, "/ws", out head, out var end);
        consumed = buffer.Slice(0, end).Length;
        return result;
    }

    [Fact]
    public void Upgrade_request_is_read_with_its_token_and_headers()
    {
        var frameAfterHead = "\x81\x85";
        Assert.Equal(HandshakeParse.Upgrade, Parse(Upgrade + frameAfterHead, out var head, out var consumed));

        Assert.Equal(Upgrade.Length, consumed); // the frame after the head is left for the WebSocket
        Assert.Equal("rt.example.com", head!.Request.Host);
        Assert.Equal("https://app.example.com", head.Request.Origin);
        Assert.Equal("a+b.c", head.Request.AccessToken);
        Assert.Equal("a+b.c", head.Request.Token); // the query wins over the header
        Assert.Equal("Bearer xyz", head.Request.Authorization);
    }

    [Fact]
    public void Accept_key_is_the_rfc_example()
    {
        Parse(Upgrade, out var head, out _);
        Assert.Equal("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", head!.AcceptKey()); // RFC 6455 §1.3
    }

    [Fact]
    public void Headers_still_arriving_need_more()
    {
        Assert.Equal(HandshakeParse.NeedMore, Parse(Upgrade[..^20], out _, out _));
    }

    [Theory]
    [InlineData("GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n")]                 // another path
    [InlineData("GET /wsx HTTP/1.1\r\nHost: a\r\n\r\n")]
    [InlineData("POST /ws HTTP/1.1\r\nHost: a\r\n\r\n")]                     // another method
    [InlineData("GET /ws HTTP/1.0\r\nHost: a\r\n\r\n")]                      // another version
    [InlineData("GET /ws HTT")]                                              // request line not whole yet
    [InlineData("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")]                         // HTTP/2 preface
    [InlineData("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n")]       // TLS ClientHello
    public void Anything_else_is_not_ours(string text)
    {
        Assert.Equal(HandshakeParse.NotOurs, Parse(text, out _, out _));
    }

    [Theory]
    [InlineData("Upgrade: WebSocket\r\n", "")]                                          // no Upgrade
    [InlineData("Connection: keep-alive, Upgrade\r\n", "Connection: keep-alive\r\n")]   // no Connection: upgrade
    [InlineData("Sec-WebSocket-Version: 13\r\n", "Sec-WebSocket-Version: 8\r\n")]       // old version
    [InlineData("dGhlIHNhbXBsZSBub25jZQ==", "c2hvcnQ=")]                               // key not a 16-byte nonce
    [InlineData("host: rt.example.com\r\n", "host: rt.example.com\r\nContent-Length: 5\r\n")] // a body
    [InlineData("host: rt.example.com\r\n", "host: rt.example.com\r\n folded\r\n")]     // obsolete line folding
    public void Not_a_valid_upgrade_is_refused(string replace, string with)
    {
        Assert.Equal(HandshakeParse.NotAnUpgrade, Parse(Upgrade.Replace(replace, with, StringComparison.Ordinal), out _, out _));
    }

    [Fact]
    public void Head_split_across_segments_is_read()
    {
        var bytes = Encoding.Latin1.GetBytes(Upgrade);
        var first = new Segment(bytes.AsMemory(0, 37));
        var last = first.Append(bytes.AsMemory(37));
        var result = HandshakeParser.Parse(new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length), "/ws", out var head, out _);
        Assert.Equal(HandshakeParse.Upgrade, result);
        Assert.Equal("rt.example.com", head!.Request.Host);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory) => Memory = memory;

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory) { RunningIndex = RunningIndex + Memory.Length };
            Next = next;
            return next;
        }
    }
}
