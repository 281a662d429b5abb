using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Realtime.Bench.Servers;

/// <summary>One server kind as it runs in production: two nodes on one fresh redis-server, all on loopback.</summary>
public sealed class ServerCluster : IAsyncDisposable
{
    private readonly List<Process> _processes = [];

    private ServerCluster(ServerKind kind) => Kind = kind;

    public ServerKind Kind { get; }

    public List<(Uri Url, Process Process)> Nodes { get; } = [];

    public Process Redis { get; private set; } = null!;

    public static async Task<ServerCluster> StartAsync(ServerKind kind, string root)
    {
        var cluster = new ServerCluster(kind);
        var redisPort = FreePort();
        cluster.Redis = cluster.Start("redis-server", ["--port", $"{redisPort}", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], []);
        for (var i = 0; i < 2; i++)
        {
            var port = FreePort();
            var (file, args, environment) = kind.Node(root, port, redisPort);
            var process = cluster.Start(file, args, environment);
            cluster.Nodes.Add((new Uri($"http://127.0.0.1:{port}/"), process));
        }

        using var http = new HttpClient();
        foreach (var (url, process) in cluster.Nodes)
        {
            await WaitUpAsync(http, new Uri(url, "/healthz"), process).ConfigureAwait(false);
        }

        return cluster;
    }

    /// <summary>CPU seconds used so far by each node and Redis.</summary>
    public double[] CpuSeconds() => [.. Nodes.Select(n => ProcessStats.CpuSeconds(n.Process.Id)), ProcessStats.CpuSeconds(Redis.Id)];

    private Process Start(string file, string[] args, Dictionary<string, string> environment)
    {
        var start = new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"{file} did not start");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _processes.Add(process);
        return process;
    }

    private static async Task WaitUpAsync(HttpClient http, Uri health, Process process)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"{health.Authority} exited with {process.ExitCode}");
            }

            try
            {
                if ((await http.GetAsync(health).ConfigureAwait(false)).IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(200).ConfigureAwait(false);
        }

        throw new TimeoutException($"{health} never answered");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var process in _processes)
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync().ConfigureAwait(false);
            }

            process.Dispose();
        }
    }
}
