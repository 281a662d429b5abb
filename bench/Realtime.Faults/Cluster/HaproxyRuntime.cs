using System.Net.Sockets;
using System.Text;

namespace Realtime.Faults.Cluster;

/// <summary>HAProxy's runtime API on its stats socket: what the ALB does to targets, done by command.</summary>
public sealed class HaproxyRuntime(string socketPath)
{
    public async Task<string> SendAsync(string command)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath));
        await socket.SendAsync(Encoding.ASCII.GetBytes(command + "\n"));
        var answer = new StringBuilder();
        var buffer = new byte[16 * 1024];
        int read;
        while ((read = await socket.ReceiveAsync(buffer)) > 0)
        {
            answer.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }

        return answer.ToString();
    }

    /// <summary>Deregistration: no new connections, open ones stay (the ALB's "draining" target).</summary>
    public Task DrainAsync(string server) => SendAsync($"set server nodes/{server} state drain");

    public Task ReadyAsync(string server) => SendAsync($"set server nodes/{server} state ready");

    /// <summary>The end of the deregistration delay: every connection still open to the server is cut.</summary>
    public Task CutAsync(string server) => SendAsync($"shutdown sessions server nodes/{server}");

    /// <summary>Current sessions (open WebSockets) per server of the backend.</summary>
    public async Task<Dictionary<string, int>> SessionsAsync()
    {
        var stat = await SendAsync("show stat");
        var lines = stat.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var header = lines[0].TrimStart('#', ' ').Split(',');
        var (name, proxy, current) = (Array.IndexOf(header, "svname"), Array.IndexOf(header, "pxname"), Array.IndexOf(header, "scur"));
        return lines.Skip(1).Select(l => l.Split(','))
            .Where(f => f.Length > current && f[proxy] == "nodes" && f[name] is not ("BACKEND" or "FRONTEND"))
            .ToDictionary(f => f[name], f => int.Parse(f[current], System.Globalization.CultureInfo.InvariantCulture));
    }
}
