using Realtime.Testing;

namespace Realtime.Faults.Cluster;

/// <summary>What a run is sized to (the full run, or the smoke run in CI).</summary>
public sealed record Scale(int Clients, int Channels, int Publishers, int PublishesPerSecond, int DrainSeconds, int RebalanceWindowSeconds)
{
    public static Scale Full { get; } = new(1000, 10, 20, 5, 20, 10);

    public static Scale Smoke { get; } = new(120, 4, 4, 5, 4, 3);
}

/// <summary>
/// The AWS setup on loopback: one redis-server (append-only file, so a restart may keep its data),
/// up to three published nodes, HAProxy in front as the ALB (round robin, no stickiness, /readyz
/// checks, a runtime socket to drain and cut targets), and every node's task metadata endpoint.
/// </summary>
public sealed class FaultCluster : IAsyncDisposable
{
    public static readonly string[] Servers = ["n1", "n2", "n3"];

    private readonly string _app;
    private readonly string _work;
    private readonly Scale _scale;
    private readonly Dictionary<string, (int Port, ChildProcess? Process)> _nodes = [];
    private readonly int _redisPort = FreePort.Next();
    private ChildProcess? _redis;
    private ChildProcess? _haproxy;

    private FaultCluster(string app, string work, Scale scale)
    {
        (_app, _work, _scale) = (app, work, scale);
        Runtime = new HaproxyRuntime(Path.Combine(work, "haproxy.sock"));
        foreach (var server in Servers)
        {
            _nodes[server] = (FreePort.Next(), null);
        }
    }

    public Uri WebSocket { get; private set; } = null!;

    public FakeEcsTaskMetadata Metadata { get; private set; } = null!;

    public HaproxyRuntime Runtime { get; }

    private string RedisConnectionString => $"127.0.0.1:{_redisPort}";

    /// <summary>Redis and nodes n1 and n2 behind HAProxy; n3 is configured but down until a scale-out starts it.</summary>
    public static async Task<FaultCluster> StartAsync(string app, string work, Scale scale)
    {
        var cluster = new FaultCluster(app, work, scale);
        try
        {
            cluster.Metadata = await FakeEcsTaskMetadata.StartAsync();
            await cluster.StartRedisAsync(keepData: true);
            await cluster.StartNodeAsync("n1");
            await cluster.StartNodeAsync("n2");
            await cluster.StartHaproxyAsync();
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync(); // nothing left running
            throw;
        }
    }

    public async Task StartNodeAsync(string server)
    {
        var (port, _) = _nodes[server];
        Metadata.Run(server);
        var environment = new Dictionary<string, string?>
        {
            ["Realtime__Redis__ConnectionString"] = RedisConnectionString,
            ["Realtime__NodeId"] = server,
            ["Realtime__DrainSeconds"] = $"{_scale.DrainSeconds}",
            ["Realtime__Drain__EcsMetadataUri"] = Metadata.For(server),
            ["Realtime__Drain__EcsPollSeconds"] = "0.5",
            ["Realtime__Rebalance__IntervalSeconds"] = "1",
            ["Realtime__Rebalance__WindowSeconds"] = $"{_scale.RebalanceWindowSeconds}",
            ["Realtime__Rebalance__MinConnections"] = "10",
            ["Realtime__Rebalance__WarmUpSeconds"] = "2", // HAProxy marks a node up after two checks 500 ms apart
            ["Realtime__PublishRatePerSecond"] = "1000",
            ["Realtime__PublishBurst"] = "1000",
            ["Realtime__Namespaces__default__HistoryLength"] = "5000",
            ["Logging__LogLevel__Default"] = "Warning",
            ["Logging__LogLevel__Realtime.AspNetCore.Application"] = "Information", // drains and rebalancing rounds, in the node's log
        };
        var process = ChildProcess.Start("dotnet", [Path.Combine(_app, "Realtime.Server.dll"), "--urls", $"http://127.0.0.1:{port}"], environment, _app, Log(server));
        _nodes[server] = (port, process);
        await process.WaitUntilOkAsync(new Uri($"http://127.0.0.1:{port}/readyz"), TimeSpan.FromSeconds(60));
    }

    public IEnumerable<int> NodeProcessIds => _nodes.Values.Where(n => n.Process is { HasExited: false }).Select(n => n.Process!.Id);

    /// <summary>SIGTERM, as ECS sends it after the deregistration delay; waits for the exit.</summary>
    public async Task TerminateNodeAsync(string server)
    {
        var process = _nodes[server].Process!;
        await process.TerminateAsync(TimeSpan.FromSeconds(_scale.DrainSeconds + 20));
        await process.DisposeAsync();
        _nodes[server] = (_nodes[server].Port, null);
    }

    /// <summary>SIGKILL: a crash.</summary>
    public async Task KillNodeAsync(string server)
    {
        await _nodes[server].Process!.DisposeAsync();
        _nodes[server] = (_nodes[server].Port, null);
    }

    /// <summary>Starts redis-server; without <paramref name="keepData"/> the append-only file is removed first (a cache that lost everything).</summary>
    public async Task StartRedisAsync(bool keepData)
    {
        var data = Path.Combine(_work, "redis");
        if (!keepData && Directory.Exists(data))
        {
            Directory.Delete(data, recursive: true);
        }

        Directory.CreateDirectory(data);
        _redis = ChildProcess.Start("redis-server",
            ["--port", $"{_redisPort}", "--bind", "127.0.0.1", "--save", "", "--appendonly", "yes", "--appendfsync", "always", "--dir", data], output: Log("redis"));
        for (var i = 0; i < 100; i++)
        {
            if (await RedisCliAsync("PING") == "PONG")
            {
                return;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException("redis-server did not answer PING");
    }

    public async Task KillRedisAsync()
    {
        await _redis!.DisposeAsync();
        _redis = null;
    }

    public async Task<string> RedisCliAsync(params string[] command)
    {
        using var cli = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("redis-cli", ["-p", $"{_redisPort}", .. command])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var output = await cli.StandardOutput.ReadToEndAsync();
        await cli.WaitForExitAsync();
        return output.Trim();
    }

    private async Task StartHaproxyAsync()
    {
        var frontend = FreePort.Next();
        var servers = string.Join('\n', Servers.Select(s =>
            $"    server {s} 127.0.0.1:{_nodes[s].Port} check{(_nodes[s].Process is null ? " disabled" : "")}"));
        var config = $"""
            global
                maxconn 8000   # two descriptors a connection, within the open-file limit
                stats socket {Path.Combine(_work, "haproxy.sock")} level admin
            defaults
                mode http
                timeout connect 5s
                timeout client 120s
                timeout server 120s
                timeout tunnel 120s
                option redispatch
                retries 2
            frontend web
                bind 127.0.0.1:{frontend}
                default_backend nodes
            backend nodes
                balance roundrobin
                option httpchk GET /readyz
                http-check expect status 200
                default-server inter 500ms fall 2 rise 2
            {servers}
            """;
        var file = Path.Combine(_work, "haproxy.cfg");
        await File.WriteAllTextAsync(file, config + "\n");
        _haproxy = ChildProcess.Start("haproxy", ["-f", file], output: Log("haproxy"));
        WebSocket = new Uri($"ws://127.0.0.1:{frontend}/ws");
        var http = new Uri($"http://127.0.0.1:{frontend}/readyz");
        await _haproxy.WaitUntilOkAsync(http, TimeSpan.FromSeconds(30));
    }

    /// <summary>Appends a process's output to its log in the work folder (kept when a run fails).</summary>
    private Action<string> Log(string name)
    {
        var file = Path.Combine(_work, $"{name}.log");
        return line =>
        {
            lock (_nodes)
            {
                File.AppendAllText(file, line + "\n");
            }
        };
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var server in Servers)
        {
            if (_nodes[server].Process is { } process)
            {
                await process.DisposeAsync();
            }
        }

        if (_haproxy is not null)
        {
            await _haproxy.DisposeAsync();
        }

        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }

        if (Metadata is not null)
        {
            await Metadata.DisposeAsync();
        }
    }
}
