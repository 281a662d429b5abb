using System.Net;
using System.Net.Sockets;

namespace Realtime.Server.Tests.Infrastructure;

/// <summary>
/// A loopback TCP endpoint that forwards to a Redis of the test's choosing, as ElastiCache's primary
/// endpoint does: a failover switches where it points and cuts the connections it carried, and the
/// clients reconnect to the same address.
/// </summary>
public sealed class TcpForwarder : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly List<TcpClient> _open = [];
    private readonly Task _accepting;
    private readonly object _holdGate = new();
    private readonly MemoryStream _held = new();
    private readonly List<(Stream To, long From)> _heldFor = [];
    private bool _holding;
    private int _target;

    public TcpForwarder(int targetPort)
    {
        _target = targetPort;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public string ConnectionString => $"127.0.0.1:{Port}";

    /// <summary>Points at another server and cuts every connection carried so far.</summary>
    public void SwitchTo(int targetPort)
    {
        Volatile.Write(ref _target, targetPort);
        lock (_open)
        {
            foreach (var client in _open)
            {
                client.Dispose();
            }

            _open.Clear();
        }
    }

    /// <summary>
    /// Stops passing what clients send on to the server (a server that has not read its socket yet):
    /// it is kept, and can be searched, until <see cref="ReleaseAsync"/>.
    /// </summary>
    public void Hold()
    {
        lock (_holdGate)
        {
            _holding = true;
        }
    }

    /// <summary>How often <paramref name="text"/> occurs in what is held.</summary>
    public int CountHeld(string text)
    {
        var pattern = System.Text.Encoding.UTF8.GetBytes(text);
        lock (_holdGate)
        {
            var held = _held.GetBuffer().AsSpan(0, (int)_held.Length);
            var count = 0;
            for (var at = held.IndexOf(pattern); at >= 0; at = held.IndexOf(pattern))
            {
                count++;
                held = held[(at + pattern.Length)..];
            }

            return count;
        }
    }

    /// <summary>Passes on what was held, in order, and forwards as before.</summary>
    public async Task ReleaseAsync()
    {
        while (true)
        {
            // Bytes that arrive meanwhile are still held, behind these: nothing overtakes.
            List<(Stream To, byte[] Bytes)> pending;
            lock (_holdGate)
            {
                if (_held.Length == 0)
                {
                    _holding = false;
                    return;
                }

                var bytes = _held.ToArray();
                pending = [.. _heldFor.Select((h, i) => (h.To, bytes[(int)h.From..(i + 1 < _heldFor.Count ? (int)_heldFor[i + 1].From : bytes.Length)]))];
                _held.SetLength(0);
                _heldFor.Clear();
            }

            foreach (var (to, bytes) in pending)
            {
                await to.WriteAsync(bytes);
            }
        }
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient inbound;
            try
            {
                inbound = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = ForwardAsync(inbound);
        }
    }

    private async Task ForwardAsync(TcpClient inbound)
    {
        var outbound = new TcpClient();
        try
        {
            await outbound.ConnectAsync(IPAddress.Loopback, Volatile.Read(ref _target), _stop.Token);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            inbound.Dispose();
            outbound.Dispose();
            return;
        }

        lock (_open)
        {
            _open.Add(inbound);
            _open.Add(outbound);
        }

        static async Task PumpAsync(TcpClient from, TcpClient to)
        {
            try
            {
                await from.GetStream().CopyToAsync(to.GetStream());
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException or SocketException)
            {
            }
            finally
            {
                from.Dispose();
                to.Dispose();
            }
        }

        async Task PumpToServerAsync(TcpClient from, TcpClient to)
        {
            var buffer = new byte[16 * 1024];
            try
            {
                var source = from.GetStream();
                var target = to.GetStream();
                while (await source.ReadAsync(buffer) is var read && read > 0)
                {
                    lock (_holdGate)
                    {
                        if (_holding)
                        {
                            // Kept per target, in arrival order; a run of bytes for one target is one entry.
                            if (_heldFor.Count == 0 || _heldFor[^1].To != target)
                            {
                                _heldFor.Add((target, _held.Length));
                            }

                            _held.Write(buffer, 0, read);
                            continue;
                        }
                    }

                    await target.WriteAsync(buffer.AsMemory(0, read));
                }
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException or SocketException)
            {
            }
            finally
            {
                from.Dispose();
                to.Dispose();
            }
        }

        await Task.WhenAll(PumpToServerAsync(inbound, outbound), PumpAsync(outbound, inbound));
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        SwitchTo(0);
        await _accepting;
        _stop.Dispose();
    }
}
