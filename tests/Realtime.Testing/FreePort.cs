using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Realtime.Testing;

/// <summary>
/// Loopback ports for the servers tests start (Redis, nodes, HAProxy). Taken below the kernel's
/// ephemeral range: a port the OS hands out for listening on port 0 lies in that range, and between
/// its release and the server's bind an outgoing connection of any process may take it as its local
/// port, which made a node fail to start now and then (E2E, 1 run in ~15). Never the same port twice
/// in one process.
/// </summary>
public static class FreePort
{
    private static readonly HashSet<int> Given = [];
    private static readonly (int Low, int High)? BelowEphemeral = RangeBelowEphemeral();

    /// <summary>A loopback port nobody listens on right now, outside the ephemeral range where the system has one.</summary>
    public static int Next()
    {
        lock (Given)
        {
            for (var attempt = 0; BelowEphemeral is var (low, high) && attempt < 1000; attempt++)
            {
                var port = Random.Shared.Next(low, high + 1);
                if (!Given.Contains(port) && Bindable(port))
                {
                    Given.Add(port);
                    return port;
                }
            }

            // No range below the ephemeral one (or all taken): let the OS pick, as before.
            while (true)
            {
                using var listener = new TcpListener(IPAddress.Loopback, 0);
                listener.Start();
                var port = ((IPEndPoint)listener.LocalEndpoint).Port;
                if (Given.Add(port))
                {
                    return port;
                }
            }
        }
    }

    private static bool Bindable(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>10,000 up to the first ephemeral port (Linux: /proc/sys/net/ipv4/ip_local_port_range), when that leaves room.</summary>
    private static (int, int)? RangeBelowEphemeral()
    {
        const int Floor = 10_000;
        const string Path = "/proc/sys/net/ipv4/ip_local_port_range";
        if (!File.Exists(Path))
        {
            return null;
        }

        try
        {
            var first = int.Parse(File.ReadAllText(Path).Split((char[])['\t', ' ', '\n'], StringSplitOptions.RemoveEmptyEntries)[0], CultureInfo.InvariantCulture);
            return first - 1 > Floor + 1000 ? (Floor, first - 1) : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return null; // let the OS pick, as before
        }
    }
}
