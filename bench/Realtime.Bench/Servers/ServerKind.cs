using Realtime.Bench.Protocols;

namespace Realtime.Bench.Servers;

/// <summary>
/// A server under test: how to start one node of it (given the repository root, its port and the
/// Redis as host:port, or a cluster's nodes comma-separated), and how its clients talk.
/// </summary>
public sealed record ServerKind(string Name, Func<string, int, string, (string File, string[] Args, Dictionary<string, string> Environment)> Node, Func<BenchConnection> Client)
{
    /// <summary>Runs on a local Redis Cluster (sharded pub/sub) instead of one redis-server.</summary>
    public bool RedisCluster { get; init; }

    /// <summary>
    /// Ours, built in Release. Rate limits opened up: the benchmark is the only client. The
    /// connection limit is left to the node, which takes what its open-file limit allows.
    /// Rebalancing is off, as for the peers, which have none.
    /// </summary>
    public static ServerKind Realtime { get; } = new("realtime", (root, port, redis) => (
        "dotnet",
        [Path.Combine(root, "app/Realtime.Server/bin/Release/net10.0/Realtime.Server.dll"), "--urls", $"http://127.0.0.1:{port}"],
        new()
        {
            ["Realtime__Redis__ConnectionString"] = redis,
            ["Realtime__PublishRatePerSecond"] = "1000000",
            ["Realtime__PublishBurst"] = "1000000",
            ["Realtime__MaxChannelsWrittenPerMinute"] = "1000000",
            // The generator never reconnects: a node asking some of its clients to move would read as loss.
            ["Realtime__Rebalance__Enabled"] = "false",
            ["Realtime__Namespaces__default__HistoryLength"] = "100",
            ["Logging__LogLevel__Default"] = "Warning",
        }), () => new RealtimeProtocol());

    public static ServerKind SignalR { get; } = new("signalr", (root, port, redis) => (
        "dotnet",
        [Path.Combine(root, "bench/peers/signalr/bin/Release/net10.0/SignalRPeer.dll"), "--urls", $"http://127.0.0.1:{port}", "--Redis", redis],
        new() { ["Logging__LogLevel__Default"] = "Warning" }), () => new SignalRProtocol());

    public static ServerKind SocketIo { get; } = new("socketio", (root, port, redis) => (
        "node",
        [Path.Combine(root, "bench/peers/socketio/server.js"), $"{port}", $"redis://{redis}"],
        []), () => new SocketIoProtocol());

    /// <summary>Ours on a 3-shard Redis Cluster, for S4 (the peers have no sharded pub/sub backplane to compare).</summary>
    public static ServerKind RealtimeOnCluster { get; } = Realtime with { Name = "realtime-cluster", RedisCluster = true };

    public static IReadOnlyList<ServerKind> All { get; } = [Realtime, SignalR, SocketIo];
}
