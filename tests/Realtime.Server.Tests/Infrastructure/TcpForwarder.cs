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

        await Task.WhenAll(PumpAsync(inbound, outbound), PumpAsync(outbound, inbound));
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
