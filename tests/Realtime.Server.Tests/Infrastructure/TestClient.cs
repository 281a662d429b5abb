using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace Realtime.Server.Tests.Infrastructure;

/// <summary>
/// A raw protocol client on <see cref="ClientWebSocket"/>: sends JSON text, collects every frame
/// it receives (with the time it arrived) and the close status. Every wait has a timeout.
/// </summary>
public sealed class TestClient : IAsyncDisposable
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    private readonly ClientWebSocket _socket;
    // Frames not yet taken by a NextAsync: a reply awaited by ref must not swallow messages that arrived first.
    private readonly List<Received> _pending = [];
    private readonly SemaphoreSlim _arrived = new(0);
    private bool _ended;
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

        // On the thread pool, not xunit's two-thread context, so arrival times are taken on arrival.
        client._receiving = Task.Run(client.ReceiveLoopAsync);
        return client;
    }

    /// <summary>Attempts an upgrade that the server is expected to refuse; returns the HTTP status it answered.</summary>
    public static async Task<System.Net.HttpStatusCode> RefusedStatusAsync(Uri uri, string? origin = null)
    {
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        if (origin is not null)
        {
            socket.Options.SetRequestHeader("Origin", origin);
        }

        using var timeout = new CancellationTokenSource(DefaultTimeout);
        await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(uri, timeout.Token));
        return socket.HttpStatusCode;
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

    /// <summary>
    /// Takes the oldest received frame matching <paramref name="match"/>; frames that do not match
    /// stay for later calls.
    /// </summary>
    public async Task<Received> NextAsync(Func<Received, bool>? match = null, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? DefaultTimeout);
        while (true)
        {
            bool ended;
            lock (_pending)
            {
                var index = _pending.FindIndex(f => match is null || match(f));
                if (index >= 0)
                {
                    var frame = _pending[index];
                    _pending.RemoveAt(index);
                    return frame;
                }

                ended = _ended;
            }

            if (ended)
            {
                throw new InvalidOperationException($"connection closed ({CloseStatus} {CloseDescription}) before a matching frame arrived");
            }

            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero || !await _arrived.WaitAsync(left))
            {
                throw new TimeoutException($"no matching frame within {timeout ?? DefaultTimeout} (close: {CloseStatus} {CloseDescription})");
            }
        }
    }

    public Task<Received> NextOfTypeAsync(string type, TimeSpan? timeout = null) => NextAsync(f => f.Type == type, timeout);

    /// <summary>Every frame received and not yet taken, in arrival order, left in place.</summary>
    public List<Received> Snapshot()
    {
        lock (_pending)
        {
            return _pending.ToList();
        }
    }

    /// <summary>Takes every frame received so far, in arrival order.</summary>
    public List<Received> TakeAll()
    {
        lock (_pending)
        {
            var all = _pending.ToList();
            _pending.Clear();
            return all;
        }
    }

    /// <summary>Every frame of <paramref name="type"/> until <paramref name="count"/> have arrived.</summary>
    public async Task<List<Received>> CollectAsync(string type, int count, TimeSpan? timeout = null)
    {
        var result = new List<Received>(count);
        var deadline = DateTime.UtcNow + (timeout ?? DefaultTimeout);
        while (result.Count < count)
        {
            try
            {
                result.Add(await NextAsync(f => f.Type == type, deadline - DateTime.UtcNow));
            }
            catch (TimeoutException)
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
                lock (_pending)
                {
                    _pending.Add(new Received(document.RootElement.Clone(), text, DateTime.UtcNow));
                }

                _arrived.Release();
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            CloseStatus ??= _socket.CloseStatus;
        }
        finally
        {
            lock (_pending)
            {
                _ended = true;
            }

            _arrived.Release();
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
