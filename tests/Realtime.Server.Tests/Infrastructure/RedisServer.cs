using System.Net.Sockets;
using System.Text;

namespace Realtime.Server.Tests.Infrastructure;

/// <summary>
/// A real <c>redis-server</c> (Debian package) on a free loopback port, without persistence, so a
/// restart loses everything (as an ElastiCache node replaced without a snapshot would). Started and
/// stopped by process id; can be restarted on the same port.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    private const string Binary = "/usr/bin/redis-server";
    private ChildProcess? _process;

    // Its own directory: a replica writes the snapshot it syncs to disk, and any redis-server
    // started in the same directory later would load it.
    private readonly string _directory = Directory.CreateTempSubdirectory("redis-test-").FullName;

    public int Port { get; } = FreePort.Next();

    public string ConnectionString => $"127.0.0.1:{Port}";

    /// <summary>More <c>redis-server</c> arguments (e.g. <c>--replicaof</c>).</summary>
    public IReadOnlyList<string> Arguments { get; init; } = [];

    /// <summary>Whether the node stored anything for <paramref name="channel"/> (history, offsets, claims: every key of its slot tag).</summary>
    public async Task<bool> HasKeysOfAsync(string channel)
    {
        await using var admin = await AdminAsync();
        return await admin.GetServer(admin.GetEndPoints()[0]).KeysAsync(pattern: $"rt:{{{channel}}}*").AnyAsync();
    }

    /// <summary>Whether <paramref name="resource"/> is claimed in <paramref name="channel"/>, as Redis holds it.</summary>
    public async Task<bool> ClaimExistsAsync(string channel, string resource)
    {
        await using var admin = await AdminAsync();
        return await admin.GetDatabase().KeyExistsAsync($"rt:{{{channel}}}:claim:{resource}");
    }

    /// <summary>A multiplexer that may run admin commands (CLIENT KILL, FLUSHALL, REPLICAOF), for injecting faults.</summary>
    public async Task<StackExchange.Redis.ConnectionMultiplexer> AdminAsync() =>
        await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync($"{ConnectionString},allowAdmin=true");

    public async Task StartAsync()
    {
        if (!File.Exists(Binary))
        {
            throw new InvalidOperationException($"{Binary} is missing: run ./scripts/test.sh, which installs redis-server");
        }

        _process = ChildProcess.Start(Binary,
            ["--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no", "--protected-mode", "no", "--loglevel", "warning", "--dir", _directory, .. Arguments]);

        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            if (await PingAsync())
            {
                return;
            }

            if (_process.HasExited)
            {
                throw new InvalidOperationException($"redis-server exited with {_process.ExitCode} on port {Port}");
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"redis-server on port {Port} did not answer PING");
    }

    /// <summary>Kills the server at once (SIGKILL), as a crashed node would vanish.</summary>
    public async Task KillAsync()
    {
        if (_process is { } process)
        {
            await process.DisposeAsync();
            _process = null;
        }
    }

    public async Task<bool> PingAsync()
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync("127.0.0.1", Port);
            var stream = client.GetStream();
            await stream.WriteAsync("PING\r\n"u8.ToArray());
            var buffer = new byte[16];
            var read = await stream.ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(1));
            return Encoding.ASCII.GetString(buffer, 0, read).StartsWith("+PONG", StringComparison.Ordinal);
        }
        catch (Exception e) when (e is SocketException or IOException or TimeoutException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // Left in /tmp: harmless.
        }
    }
}

/// <summary>The Redis a suite that runs against both kinds is given: a standalone server or a cluster.</summary>
public interface IRedisUnderTest
{
    string ConnectionString { get; }

    /// <summary>How many clients (nodes) are subscribed to the pub/sub channel <paramref name="name"/>, as the server that holds it counts.</summary>
    Task<long> NodesSubscribedAsync(string name);
}

/// <summary>One Redis for every test class that does not restart it.</summary>
public sealed class RedisFixture : IAsyncLifetime, IRedisUnderTest
{
    public RedisServer Server { get; } = new();

    public string ConnectionString => Server.ConnectionString;

    public Task<long> NodesSubscribedAsync(string name) => RedisCli.CountAsync(["-p", $"{Server.Port}", "pubsub", "numsub", name]);

    public Task InitializeAsync() => Server.StartAsync();

    public Task DisposeAsync() => Server.DisposeAsync().AsTask();
}

[CollectionDefinition(Name)]
public sealed class RedisCollection : ICollectionFixture<RedisFixture>
{
    public const string Name = "redis";
}

/// <summary>One local Redis Cluster (3 primaries, 3 replicas) for every test class that runs against cluster mode.</summary>
public sealed class RedisClusterFixture : IAsyncLifetime, IRedisUnderTest
{
    public LocalRedisCluster Cluster { get; } = new();

    public string ConnectionString => Cluster.ConnectionString;

    /// <summary>Counted with SHARDNUMSUB on the primary that owns the channel's slot: the nodes subscribe there, sharded.</summary>
    public async Task<long> NodesSubscribedAsync(string name) => await RedisCli.CountAsync(["-p", $"{await Cluster.PrimaryOfAsync(name)}", "pubsub", "shardnumsub", name]);

    public Task InitializeAsync() => Cluster.StartAsync();

    public Task DisposeAsync() => Cluster.DisposeAsync().AsTask();
}

[CollectionDefinition(Name)]
public sealed class RedisClusterCollection : ICollectionFixture<RedisClusterFixture>
{
    public const string Name = "redis-cluster";
}
