using Realtime.Testing;

namespace Realtime.Bench.Servers;

/// <summary>One server kind as it runs in production: two nodes on one fresh redis-server, all on loopback.</summary>
public sealed class ServerCluster : IAsyncDisposable
{
    private readonly List<ChildProcess> _processes = [];

    private ServerCluster(ServerKind kind) => Kind = kind;

    public ServerKind Kind { get; }

    public List<(Uri Url, ChildProcess Process)> Nodes { get; } = [];

    public ChildProcess Redis { get; private set; } = null!;

    public static async Task<ServerCluster> StartAsync(ServerKind kind, string root)
    {
        var cluster = new ServerCluster(kind);
        var redisPort = FreePort.Next();
        cluster.Redis = cluster.Start("redis-server", ["--port", $"{redisPort}", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], []);
        for (var i = 0; i < 2; i++)
        {
            var port = FreePort.Next();
            var (file, args, environment) = kind.Node(root, port, redisPort);
            var process = cluster.Start(file, args, environment);
            cluster.Nodes.Add((new Uri($"http://127.0.0.1:{port}/"), process));
        }

        foreach (var (url, process) in cluster.Nodes)
        {
            await process.WaitUntilOkAsync(new Uri(url, "/healthz"), TimeSpan.FromSeconds(60)).ConfigureAwait(false);
        }

        return cluster;
    }

    /// <summary>CPU seconds used so far by each node and Redis.</summary>
    public double[] CpuSeconds() => [.. Nodes.Select(n => ProcessStats.CpuSeconds(n.Process.Id)), ProcessStats.CpuSeconds(Redis.Id)];

    private ChildProcess Start(string file, string[] args, Dictionary<string, string> environment)
    {
        var process = ChildProcess.Start(file, args, environment.ToDictionary(e => e.Key, e => (string?)e.Value));
        _processes.Add(process);
        return process;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var process in _processes)
        {
            await process.DisposeAsync().ConfigureAwait(false);
        }
    }
}
