using Realtime.Bench.Protocols;

namespace Realtime.Bench.Servers;

/// <summary>A server under test: how to start one node of it, and how its clients talk.</summary>
public sealed record ServerKind(string Name, Func<string, int, int, (string File, string[] Args, Dictionary<string, string> Environment)> Node, Func<BenchConnection> Client)
{
    /// <summary>
    /// Ours, built in Release. Rate limits opened up: the benchmark is the only client. The
    /// connection limit is left to the node, which takes what its open-file limit allows.
    /// </summary>
    public static ServerKind Realtime { get; } = new("realtime", (root, port, redis) => (
        "dotnet",
        [Path.Combine(root, "app/Realtime.Server/bin/Release/net10.0/Realtime.Server.dll"), "--urls", $"http://127.0.0.1:{port}"],
        new()
        {
            ["Realtime__Redis__ConnectionString"] = $"127.0.0.1:{redis}",
            ["Realtime__PublishRatePerSecond"] = "1000000",
            ["Realtime__PublishBurst"] = "1000000",
            ["Realtime__Namespaces__default__HistoryLength"] = "100",
            ["Logging__LogLevel__Default"] = "Warning",
        }), () => new RealtimeProtocol());

    public static ServerKind SignalR { get; } = new("signalr", (root, port, redis) => (
        "dotnet",
        [Path.Combine(root, "bench/peers/signalr/bin/Release/net10.0/SignalRPeer.dll"), "--urls", $"http://127.0.0.1:{port}", "--Redis", $"127.0.0.1:{redis}"],
        new() { ["Logging__LogLevel__Default"] = "Warning" }), () => new SignalRProtocol());

    public static ServerKind SocketIo { get; } = new("socketio", (root, port, redis) => (
        "node",
        [Path.Combine(root, "bench/peers/socketio/server.js"), $"{port}", $"redis://127.0.0.1:{redis}"],
        []), () => new SocketIoProtocol());

    public static IReadOnlyList<ServerKind> All { get; } = [Realtime, SignalR, SocketIo];
}
