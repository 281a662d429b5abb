using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;

namespace Realtime.Server.Tests.Infrastructure;

/// <summary>
/// A raw protocol client on <see cref="ClientWebSocket"/>: sends JSON text, collects every frame
/// it receives (with the time it arrived) and the close status. Every wait has a timeout.
/// </summary>
public sealed class TestClient : IAsyncDisposable
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    private readonly ClientWebSocket _socket;
    private readonly Channel<Received> _frames = Channel.CreateUnbounded<Received>();
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly bool _read;
    private readonly SemaphoreSlim _readGate = new(0);
    private Task? _receiving;
    private int _ref;

    private TestClient(ClientWebSocket socket, bool read)
    {
        _socket = socket;
        _read = read;
    }

    public sealed record Received(JsonElement Json, string Text, DateTime At)
    {
        public string Type => Json.GetProperty("type").GetString()!;
    }

    public WebSocketCloseStatus? CloseStatus { get; private set; }

    public string? CloseDescription { get; private set; }

    public Task Closed => _closed.Task;

    /// <summary>Connects and reads the <c>welcome</c>. With <paramref name="read"/> false the client does not read until <see cref="StartReading"/>.</summary>
    public static async Task<TestClient> ConnectAsync(Uri uri, string? origin = null, bool read = true)
    {
        var socket = new ClientWebSocket();
        socket.Options.KeepAliveInterval = TimeSpan.Zero;
        if (origin is not null)
        {
            socket.Options.SetRequestHeader("Origin", origin);
        }

        using var timeout = new CancellationTokenSource(DefaultTimeout);
        await socket.ConnectAsync(uri, timeout.Token);
        var client = new TestClient(socket, read);
        if (read)
        {
            client._readGate.Release();
        }

        client._receiving = client.ReceiveLoopAsync();
        return client;
    }

    /// <summary>Lets a client created with read: false start consuming.</summary>
    public void StartReading() => _readGate.Release();

    public int NextRef() => Interlocked.Increment(ref _ref);

    public async Task SendAsync(string json)
    {
        await _sendLock.WaitAsync();
        try
        {
            await _socket.SendAsync(Encoding.UTF8.GetBytes(json), WebSocketMessageType.Text, true, CancellationToken.None);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    public async Task SendBinaryAsync(byte[] bytes) =>
        await _socket.SendAsync(bytes, WebSocketMessageType.Binary, true, CancellationToken.None);

    /// <summary>Sends a request with a fresh ref and returns the reply that echoes it.</summary>
    public async Task<Received> RequestAsync(string type, string fields = "", TimeSpan? timeout = null)
    {
        var reference = NextRef();
        var comma = fields.Length > 0 ? "," : "";
        await SendAsync($$"""{"type":"{{type}}","ref":{{reference}}{{comma}}{{fields}}}""");
        return await NextAsync(f => f.Json.TryGetProperty("ref", out var r) && r.ValueKind == JsonValueKind.Number && r.GetInt32() == reference, timeout);
    }

    public Task<Received> SubscribeAsync(string channel) => RequestAsync("subscribe", $$"""  "channel":"{{channel}}" """.Trim());

    public Task<Received> PublishAsync(string channel, string dataJson) => RequestAsync("publish", $$"""  "channel":"{{channel}}","data":{{dataJson}} """.Trim());

    /// <summary>The next received frame matching <paramref name="match"/>; frames before it are skipped.</summary>
    public async Task<Received> NextAsync(Func<Received, bool>? match = null, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? DefaultTimeout);
        try
        {
            while (true)
            {
                var frame = await _frames.Reader.ReadAsync(cts.Token);
                if (match is null || match(frame))
                {
                    return frame;
                }
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"no matching frame within {timeout ?? DefaultTimeout} (close: {CloseStatus} {CloseDescription})");
        }
        catch (ChannelClosedException)
        {
            throw new InvalidOperationException($"connection closed ({CloseStatus} {CloseDescription}) before a matching frame arrived");
        }
    }

    public Task<Received> NextOfTypeAsync(string type, TimeSpan? timeout = null) => NextAsync(f => f.Type == type, timeout);

    /// <summary>Every frame of <paramref name="type"/> until <paramref name="count"/> have arrived.</summary>
    public async Task<List<Received>> CollectAsync(string type, int count, TimeSpan? timeout = null)
    {
        var result = new List<Received>(count);
        using var cts = new CancellationTokenSource(timeout ?? DefaultTimeout);
        while (result.Count < count)
        {
            try
            {
                result.Add(await NextAsync(f => f.Type == type, timeout ?? DefaultTimeout).WaitAsync(cts.Token));
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"{result.Count} of {count} '{type}' frames arrived");
            }
        }

        return result;
    }

    /// <summary>Waits for the server to close the connection; returns its close status.</summary>
    public async Task<WebSocketCloseStatus?> WaitClosedAsync(TimeSpan? timeout = null)
    {
        await _closed.Task.WaitAsync(timeout ?? DefaultTimeout);
        return CloseStatus;
    }

    private async Task ReceiveLoopAsync()
    {
        await _readGate.WaitAsync();
        var buffer = new byte[256 * 1024];
        try
        {
            while (true)
            {
                var count = 0;
                ValueWebSocketReceiveResult result;
                do
                {
                    result = await _socket.ReceiveAsync(buffer.AsMemory(count), CancellationToken.None);
                    count += result.Count;
                }
                while (!result.EndOfMessage && result.MessageType != WebSocketMessageType.Close);

                if (result.MessageType == WebSocketMessageType.Close)
                {
                    CloseStatus = _socket.CloseStatus;
                    CloseDescription = _socket.CloseStatusDescription;
                    if (_socket.State == WebSocketState.CloseReceived)
                    {
                        await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None);
                    }

                    break;
                }

                var text = Encoding.UTF8.GetString(buffer, 0, count);
                using var document = JsonDocument.Parse(text);
                _frames.Writer.TryWrite(new Received(document.RootElement.Clone(), text, DateTime.UtcNow));
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            CloseStatus ??= _socket.CloseStatus;
        }
        finally
        {
            _frames.Writer.TryComplete();
            _closed.TrySetResult();
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_socket.State == WebSocketState.Open)
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await _socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "", timeout.Token);
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException)
        {
            // Already gone.
        }

        _readGate.Release();
        if (_receiving is not null)
        {
            await Task.WhenAny(_receiving, Task.Delay(2000));
        }

        _socket.Dispose();
        _sendLock.Dispose();
    }
}
