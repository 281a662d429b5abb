using Realtime.Testing;

namespace Realtime.Bench.Servers;

/// <summary>
/// One server kind as it runs in production: two nodes on one fresh redis-server, all on loopback;
/// for a kind on a Redis Cluster, on a fresh local cluster of three primaries instead.
/// </summary>
public sealed class ServerCluster : IAsyncDisposable
{
    /// <summary>
    /// Shards of the local cluster. No replicas: on a shared 2-core machine their replication would
    /// take CPU from what is measured, and ElastiCache runs replicas on hosts of their own.
    /// </summary>
    public const int ClusterShards = 3;

    private readonly List<ChildProcess> _processes = [];
    private LocalRedisCluster? _redisCluster;

    private readonly CpuPinning _pinning;

    private ServerCluster(ServerKind kind, CpuPinning pinning)
    {
        Kind = kind;
        _pinning = pinning;
    }

    public ServerKind Kind { get; }

    public List<(Uri Url, ChildProcess Process)> Nodes { get; } = [];

    /// <summary>The Redis processes: one standalone server, or each primary of the cluster.</summary>
    public IReadOnlyList<int> RedisProcessIds { get; private set; } = [];

    public static async Task<ServerCluster> StartAsync(ServerKind kind, string root, CpuPinning pinning, IReadOnlyDictionary<string, string>? settings = null)
    {
        var cluster = new ServerCluster(kind, pinning);
        string redis;
        if (kind.RedisCluster)
        {
            // A long node timeout: a saturated machine must not mark a busy primary as failed.
            cluster._redisCluster = new LocalRedisCluster(ClusterShards, replicasPerPrimary: 0) { NodeTimeout = TimeSpan.FromSeconds(15) };
            await cluster._redisCluster.StartAsync().ConfigureAwait(false);
            redis = cluster._redisCluster.ConnectionString;
            cluster.RedisProcessIds = [.. cluster._redisCluster.Processes.Select(p => p.ProcessId)];
            foreach (var id in cluster.RedisProcessIds)
            {
                pinning.Apply(id);
            }
        }
        else
        {
            var redisPort = FreePort.Next();
            var server = cluster.Start("redis-server", ["--port", $"{redisPort}", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], []);
            redis = $"127.0.0.1:{redisPort}";
            cluster.RedisProcessIds = [server.Id];
        }

        for (var i = 0; i < 2; i++)
        {
            var port = FreePort.Next();
            var (file, args, environment) = kind.Node(root, port, redis);
            foreach (var (key, value) in settings ?? new Dictionary<string, string>())
            {
                environment[key] = value;
            }

            var process = cluster.Start(file, args, environment);
            cluster.Nodes.Add((new Uri($"http://127.0.0.1:{port}/"), process));
        }

        foreach (var (url, process) in cluster.Nodes)
        {
            await process.WaitUntilOkAsync(new Uri(url, "/healthz"), TimeSpan.FromSeconds(60)).ConfigureAwait(false);
        }

        return cluster;
    }

    /// <summary>CPU seconds used so far by each node, then by each Redis process.</summary>
    public double[] CpuSeconds() => [.. Nodes.Select(n => ProcessStats.CpuSeconds(n.Process.Id)), .. RedisProcessIds.Select(ProcessStats.CpuSeconds)];

    private ChildProcess Start(string file, string[] args, Dictionary<string, string> environment)
    {
        var (command, arguments) = _pinning.Wrap(file, args);
        var process = ChildProcess.Start(command, arguments, environment.ToDictionary(e => e.Key, e => (string?)e.Value));
        _processes.Add(process);
        return process;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var process in _processes)
        {
            await process.DisposeAsync().ConfigureAwait(false);
        }

        if (_redisCluster is not null)
        {
            await _redisCluster.DisposeAsync().ConfigureAwait(false);
        }
    }
}
