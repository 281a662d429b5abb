using System.Net.Sockets;
using System.Text;
using Realtime.Server.Tests.Infrastructure;

namespace Realtime.Server.Tests.Integration;

/// <summary>
/// The upgrade answered below Kestrel's HTTP layer, on raw TCP against a real node: the bytes a
/// client sends with its head, a head in pieces, refusals, and the HTTP path still serving what
/// the connection middleware hands on.
/// </summary>
public sealed class HandshakeTests : IAsyncLifetime
{
    private const string Key = "dGhlIHNhbXBsZSBub25jZQ==";
    private TestNode _node = null!;

    public async Task InitializeAsync() => _node = await TestNode.StartAsync(redis: null);

    public async Task DisposeAsync() => await _node.DisposeAsync();

    private static string UpgradeHead(string host, string? origin = null) =>
        $"GET /ws HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
        $"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: {Key}\r\n" +
        (origin is null ? "" : $"Origin: {origin}\r\n") + "\r\n";

    private string Host => _node.Http.Authority;

    [Fact]
    public async Task Frame_sent_with_the_head_is_answered()
    {
        await using var raw = await RawConnection.OpenAsync(_node.Http);
        var ping = ClientFrame("""{"type":"ping","ref":7}""");
        await raw.SendAsync([.. Encoding.ASCII.GetBytes(UpgradeHead(Host)), .. ping]);

        var head = await raw.ReadHeadAsync();
        Assert.StartsWith("HTTP/1.1 101 Switching Protocols\r\n", head, StringComparison.Ordinal);
        Assert.Contains("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n", head, StringComparison.Ordinal);
        Assert.DoesNotContain("Server: Kestrel", head, StringComparison.Ordinal); // answered below HTTP
        Assert.Contains("\"welcome\"", await raw.ReadTextFrameAsync(), StringComparison.Ordinal);
        Assert.Equal("""{"type":"pong","ref":7}""", await raw.ReadTextFrameAsync());
    }

    [Fact]
    public async Task Head_in_pieces_is_waited_for()
    {
        await using var raw = await RawConnection.OpenAsync(_node.Http);
        var head = Encoding.ASCII.GetBytes(UpgradeHead(Host));
        await raw.SendAsync(head[..40]);
        await Task.Delay(200);
        await raw.SendAsync(head[40..]);

        Assert.StartsWith("HTTP/1.1 101 ", await raw.ReadHeadAsync(), StringComparison.Ordinal);
        Assert.Contains("\"welcome\"", await raw.ReadTextFrameAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Foreign_origin_is_refused_and_the_connection_closed()
    {
        await using var raw = await RawConnection.OpenAsync(_node.Http);
        await raw.SendAsync(Encoding.ASCII.GetBytes(UpgradeHead(Host, origin: "https://evil.example.net")));

        var head = await raw.ReadHeadAsync();
        Assert.StartsWith("HTTP/1.1 403 Forbidden\r\n", head, StringComparison.Ordinal);
        Assert.Contains("Connection: close\r\n", head, StringComparison.Ordinal);
        Assert.Equal("origin not allowed", await raw.ReadToEndAsync());
    }

    [Fact]
    public async Task Get_of_the_path_in_pieces_without_upgrade_gets_426()
    {
        await using var raw = await RawConnection.OpenAsync(_node.Http);
        await raw.SendAsync(Encoding.ASCII.GetBytes("GET /ws HTTP/1.1\r\n"));
        await Task.Delay(200);
        await raw.SendAsync(Encoding.ASCII.GetBytes($"Host: {Host}\r\n\r\n"));

        var head = await raw.ReadHeadAsync();
        Assert.StartsWith("HTTP/1.1 426 Upgrade Required\r\n", head, StringComparison.Ordinal);
        Assert.Contains("Sec-WebSocket-Version: 13\r\n", head, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Upgrade_after_another_request_on_a_kept_alive_connection_goes_through_http()
    {
        await using var raw = await RawConnection.OpenAsync(_node.Http);
        await raw.SendAsync(Encoding.ASCII.GetBytes($"GET /not-here HTTP/1.1\r\nHost: {Host}\r\n\r\n"));
        var notFound = await raw.ReadHeadAsync();
        Assert.StartsWith("HTTP/1.1 404 Not Found\r\n", notFound, StringComparison.Ordinal);
        await raw.SkipBodyAsync(notFound);

        await raw.SendAsync(Encoding.ASCII.GetBytes(UpgradeHead(Host)));
        var head = await raw.ReadHeadAsync();
        Assert.StartsWith("HTTP/1.1 101 Switching Protocols\r\n", head, StringComparison.Ordinal);
        Assert.Contains("Server: Kestrel", head, StringComparison.Ordinal); // Kestrel's HTTP path this time
        Assert.Contains("\"welcome\"", await raw.ReadTextFrameAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Malformed_upgrade_in_one_piece_gets_kestrels_answer()
    {
        await using var raw = await RawConnection.OpenAsync(_node.Http);
        await raw.SendAsync(Encoding.ASCII.GetBytes(UpgradeHead(Host).Replace(Key, "c2hvcnQ=", StringComparison.Ordinal)));

        var head = await raw.ReadHeadAsync();
        Assert.Contains("Server: Kestrel", head, StringComparison.Ordinal);
        Assert.DoesNotContain(" 101 ", head, StringComparison.Ordinal);
    }

    /// <summary>A masked text frame, as a client must send (RFC 6455 §5.3).</summary>
    private static byte[] ClientFrame(string text)
    {
        var payload = Encoding.UTF8.GetBytes(text);
        Assert.True(payload.Length < 126);
        byte[] mask = [0x12, 0x34, 0x56, 0x78];
        var frame = new byte[2 + 4 + payload.Length];
        frame[0] = 0x81;
        frame[1] = (byte)(0x80 | payload.Length);
        mask.CopyTo(frame, 2);
        for (var i = 0; i < payload.Length; i++)
        {
            frame[6 + i] = (byte)(payload[i] ^ mask[i % 4]);
        }

        return frame;
    }

    private sealed class RawConnection : IAsyncDisposable
    {
        private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
        private readonly TcpClient _tcp;
        private readonly NetworkStream _stream;
        private readonly List<byte> _pending = [];

        private RawConnection(TcpClient tcp)
        {
            _tcp = tcp;
            _stream = tcp.GetStream();
        }

        public static async Task<RawConnection> OpenAsync(Uri http)
        {
            var tcp = new TcpClient();
            await tcp.ConnectAsync(http.Host, http.Port);
            return new RawConnection(tcp);
        }

        public async Task SendAsync(byte[] bytes) => await _stream.WriteAsync(bytes);

        public async Task<string> ReadHeadAsync()
        {
            while (true)
            {
                var text = Encoding.Latin1.GetString([.. _pending]);
                var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
                if (end >= 0)
                {
                    _pending.RemoveRange(0, end + 4);
                    return text[..(end + 4)];
                }

                Assert.True(await FillAsync(), "the connection closed before a response head");
            }
        }

        public async Task SkipBodyAsync(string head)
        {
            var line = head.Split("\r\n").Single(l => l.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase));
            var length = int.Parse(line["Content-Length:".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
            await NeedAsync(length);
            _pending.RemoveRange(0, length);
        }

        public async Task<string> ReadTextFrameAsync()
        {
            await NeedAsync(2);
            Assert.Equal(0x81, _pending[0]); // a whole text frame, unmasked from the server
            var length = _pending[1] & 0x7f;
            var header = 2;
            if (length == 126)
            {
                await NeedAsync(4);
                length = (_pending[2] << 8) | _pending[3];
                header = 4;
            }

            await NeedAsync(header + length);
            var text = Encoding.UTF8.GetString([.. _pending.GetRange(header, length)]);
            _pending.RemoveRange(0, header + length);
            return text;
        }

        public async Task<string> ReadToEndAsync()
        {
            while (await FillAsync())
            {
            }

            return Encoding.UTF8.GetString([.. _pending]);
        }

        public ValueTask DisposeAsync()
        {
            _tcp.Dispose();
            return ValueTask.CompletedTask;
        }

        private async Task NeedAsync(int count)
        {
            while (_pending.Count < count)
            {
                Assert.True(await FillAsync(), "the connection closed mid-frame");
            }
        }

        private async Task<bool> FillAsync()
        {
            var buffer = new byte[4096];
            using var timeout = new CancellationTokenSource(Timeout);
            var read = await _stream.ReadAsync(buffer, timeout.Token);
            _pending.AddRange(buffer.AsSpan(0, read));
            return read > 0;
        }
    }
}
