using System.Globalization;

namespace Realtime.Testing;

/// <summary>
/// A Redis Cluster on loopback made of real <c>redis-server</c> processes: 3 primaries with one
/// replica each by default, slots spread by <c>redis-cli --cluster create</c>, as ElastiCache's
/// cluster mode is laid out. No persistence. Each node's cluster bus gets its own free port
/// (<c>cluster-port</c>), so the usual port + 10,000 need not be free.
/// </summary>
public sealed class LocalRedisCluster : IAsyncDisposable
{
    private const string Server = "redis-server";
    private readonly List<Node> _nodes;
    private readonly string _directory = Directory.CreateTempSubdirectory("redis-cluster-").FullName;

    public LocalRedisCluster(int primaries = 3, int replicasPerPrimary = 1)
    {
        Primaries = primaries;
        ReplicasPerPrimary = replicasPerPrimary;
        var ports = new HashSet<int>();
        while (ports.Count < 2 * primaries * (1 + replicasPerPrimary))
        {
            ports.Add(FreePort.Next()); // each node needs two of its own
        }

        var free = ports.ToList();
        _nodes = [.. Enumerable.Range(0, free.Count / 2).Select(i => new Node(free[2 * i], free[(2 * i) + 1]))];
    }

    public int Primaries { get; }

    public int ReplicasPerPrimary { get; }

    /// <summary>Every node's port, primaries first as <c>--cluster create</c> assigned them.</summary>
    public IReadOnlyList<int> Ports => [.. _nodes.Select(n => n.Port)];

    /// <summary>Every node, as a client is given a cluster's configuration endpoint: it discovers the rest.</summary>
    public string ConnectionString => string.Join(",", _nodes.Select(n => $"127.0.0.1:{n.Port}"));

    /// <summary>Node timeout: how long a primary may be silent before its replica takes over.</summary>
    /// <remarks>5 s: short enough for tests that kill a primary, long enough that a loaded 2-core machine does not fail one over by itself.</remarks>
    public TimeSpan NodeTimeout { get; init; } = TimeSpan.FromSeconds(5);

    public async Task StartAsync()
    {
        foreach (var node in _nodes)
        {
            StartNode(node);
        }

        foreach (var node in _nodes)
        {
            await WaitAsync(() => PingAsync(node.Port), $"redis-server on port {node.Port} did not answer PING").ConfigureAwait(false);
        }

        var create = await RedisCli.RunAsync(["--cluster", "create", .. _nodes.Select(n => $"127.0.0.1:{n.Port}"),
            "--cluster-replicas", ReplicasPerPrimary.ToString(CultureInfo.InvariantCulture), "--cluster-yes"]).ConfigureAwait(false);
        if (!create.Contains("All 16384 slots covered", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"redis-cli --cluster create failed:\n{create}");
        }

        await WaitUntilHealthyAsync().ConfigureAwait(false);
    }

    /// <summary>Waits until every live node sees the cluster as ok with every slot served and every replica in sync.</summary>
    public Task WaitUntilHealthyAsync(TimeSpan? timeout = null) =>
        WaitAsync(async () =>
        {
            foreach (var node in _nodes.Where(n => n.Process is not null))
            {
                var info = await RedisCli.RunAsync(["-p", $"{node.Port}", "cluster", "info"]).ConfigureAwait(false);
                if (!info.Contains("cluster_state:ok", StringComparison.Ordinal) || !info.Contains("cluster_slots_ok:16384", StringComparison.Ordinal))
                {
                    return false;
                }
            }

            var nodes = await ClusterNodesAsync().ConfigureAwait(false);
            var live = nodes.Where(n => !n.Failed).ToList();
            if (live.Count(n => n.Primary && n.HasSlots) != Primaries)
            {
                return false;
            }

            // A replica that never finished its first sync cannot take over: its data counts as too old.
            foreach (var replica in live.Where(n => !n.Primary))
            {
                var replication = await RedisCli.RunAsync(["-p", $"{replica.Port}", "info", "replication"]).ConfigureAwait(false);
                if (!replication.Contains("master_link_status:up", StringComparison.Ordinal))
                {
                    return false;
                }
            }

            return true;
        }, "the Redis Cluster did not become healthy", timeout ?? TimeSpan.FromSeconds(30));

    /// <summary>The port of the primary that serves <paramref name="key"/>'s hash slot now.</summary>
    public async Task<int> PrimaryOfAsync(string key)
    {
        var slot = int.Parse((await RedisCli.RunAsync(["-p", $"{LiveNode.Port}", "cluster", "keyslot", key]).ConfigureAwait(false)).Trim(), CultureInfo.InvariantCulture);
        var owner = (await ClusterNodesAsync().ConfigureAwait(false)).Single(n => n.Primary && !n.Failed && n.Serves(slot));
        return owner.Port;
    }

    /// <summary>The ports of the primaries that serve slots now.</summary>
    public async Task<IReadOnlyList<int>> PrimaryPortsAsync() =>
        [.. (await ClusterNodesAsync().ConfigureAwait(false)).Where(n => n.Primary && !n.Failed && n.HasSlots).Select(n => n.Port).Order()];

    /// <summary>
    /// Moves the hash slot of <paramref name="key"/>, with its keys, to the primary on <paramref name="toPort"/>
    /// while clients keep using it, as online resharding does: IMPORTING/MIGRATING, MIGRATE in batches
    /// (clients meet ASK and TRYAGAIN meanwhile), then the new owner announced, to it first (MOVED).
    /// </summary>
    public async Task MigrateSlotAsync(string key, int toPort)
    {
        var move = await StartMigrationAsync(key, toPort).ConfigureAwait(false);
        while (true)
        {
            var keys = (await RedisCli.RunAsync(["-p", $"{move.FromPort}", "cluster", "getkeysinslot", move.Slot, "100"]).ConfigureAwait(false))
                .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (keys.Length == 0)
            {
                break;
            }

            var moved = await RedisCli.RunAsync(["-p", $"{move.FromPort}", "migrate", "127.0.0.1", $"{move.ToPort}", "", "0", "5000", "replace", "keys", .. keys]).ConfigureAwait(false);
            if (!moved.Trim().Equals("OK", StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"MIGRATE of slot {move.Slot} failed: {moved}");
            }
        }

        await FinishMigrationAsync(move).ConfigureAwait(false);
    }

    /// <summary>Marks <paramref name="key"/>'s slot as migrating to the primary on <paramref name="toPort"/> without moving anything yet.</summary>
    public async Task<SlotMove> StartMigrationAsync(string key, int toPort)
    {
        var slot = (await RedisCli.RunAsync(["-p", $"{LiveNode.Port}", "cluster", "keyslot", key]).ConfigureAwait(false)).Trim();
        var fromPort = await PrimaryOfAsync(key).ConfigureAwait(false);
        var fromId = (await RedisCli.RunAsync(["-p", $"{fromPort}", "cluster", "myid"]).ConfigureAwait(false)).Trim();
        var toId = (await RedisCli.RunAsync(["-p", $"{toPort}", "cluster", "myid"]).ConfigureAwait(false)).Trim();
        await RedisCli.RunAsync(["-p", $"{toPort}", "cluster", "setslot", slot, "importing", fromId]).ConfigureAwait(false);
        await RedisCli.RunAsync(["-p", $"{fromPort}", "cluster", "setslot", slot, "migrating", toId]).ConfigureAwait(false);
        return new SlotMove(slot, fromPort, toPort, toId);
    }

    /// <summary>Ends a migration whose keys have moved (or a slot that has none): the new owner announced, to it first.</summary>
    public async Task FinishMigrationAsync(SlotMove move)
    {
        foreach (var port in (await PrimaryPortsAsync().ConfigureAwait(false)).OrderBy(p => p == move.ToPort ? 0 : 1))
        {
            await RedisCli.RunAsync(["-p", $"{port}", "cluster", "setslot", move.Slot, "node", move.ToId]).ConfigureAwait(false);
        }
    }

    /// <summary>Calls a migration off: the slot stays where it was, stable on both sides.</summary>
    public static async Task CancelMigrationAsync(SlotMove move)
    {
        await RedisCli.RunAsync(["-p", $"{move.FromPort}", "cluster", "setslot", move.Slot, "stable"]).ConfigureAwait(false);
        await RedisCli.RunAsync(["-p", $"{move.ToPort}", "cluster", "setslot", move.Slot, "stable"]).ConfigureAwait(false);
    }

    /// <summary>Kills one node at once (SIGKILL), as a crashed cache node vanishes.</summary>
    public async Task KillAsync(int port)
    {
        var node = _nodes.Single(n => n.Port == port);
        if (node.Process is { } process)
        {
            await process.DisposeAsync().ConfigureAwait(false);
            node.Process = null;
        }
    }

    /// <summary>The processes' ids (for CPU figures), primaries and replicas alike.</summary>
    public IReadOnlyList<(int Port, int ProcessId)> Processes => [.. _nodes.Where(n => n.Process is not null).Select(n => (n.Port, n.Process!.Id))];

    public async ValueTask DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            await KillAsync(node.Port).ConfigureAwait(false);
        }

        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // Left in /tmp: harmless.
        }
    }

    private Node LiveNode => _nodes.First(n => n.Process is not null);

    private void StartNode(Node node)
    {
        var directory = Path.Combine(_directory, node.Port.ToString(CultureInfo.InvariantCulture));
        Directory.CreateDirectory(directory);
        string[] args = ["--port", $"{node.Port}", "--cluster-port", $"{node.BusPort}", "--bind", "127.0.0.1", "--cluster-enabled", "yes",
            "--cluster-config-file", Path.Combine(directory, "nodes.conf"), "--cluster-node-timeout", $"{(int)NodeTimeout.TotalMilliseconds}",
            // As ElastiCache's default: the other shards keep serving while one has no primary.
            "--cluster-require-full-coverage", "no",
            "--save", "", "--appendonly", "no", "--repl-diskless-sync-delay", "0", "--protected-mode", "no", "--loglevel", "warning", "--dir", directory];
        node.Process = ChildProcess.Start(Server, args);
    }

    private async Task<IReadOnlyList<NodeState>> ClusterNodesAsync()
    {
        var text = await RedisCli.RunAsync(["-p", $"{LiveNode.Port}", "cluster", "nodes"]).ConfigureAwait(false);
        return [.. text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(NodeState.Parse)];
    }

    private static async Task<bool> PingAsync(int port) =>
        (await RedisCli.RunAsync(["-p", $"{port}", "ping"]).ConfigureAwait(false)).Trim() == "PONG";

    private static async Task WaitAsync(Func<Task<bool>> condition, string failure, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (DateTime.UtcNow < deadline)
        {
            if (await condition().ConfigureAwait(false))
            {
                return;
            }

            await Task.Delay(100).ConfigureAwait(false);
        }

        throw new TimeoutException(failure);
    }

    /// <summary>A slot on the move between two primaries.</summary>
    public sealed record SlotMove(string Slot, int FromPort, int ToPort, string ToId);

    private sealed class Node(int port, int busPort)
    {
        public int Port { get; } = port;

        public int BusPort { get; } = busPort;

        public ChildProcess? Process { get; set; }
    }

    /// <summary>One line of <c>CLUSTER NODES</c>: id addr flags primary ping pong epoch link slots…</summary>
    private sealed record NodeState(int Port, bool Primary, bool Failed, IReadOnlyList<(int From, int To)> Slots)
    {
        public bool HasSlots => Slots.Count > 0;

        public bool Serves(int slot) => Slots.Any(r => r.From <= slot && slot <= r.To);

        public static NodeState Parse(string line)
        {
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var address = fields[1].Split('@')[0];
            var port = int.Parse(address[(address.LastIndexOf(':') + 1)..], CultureInfo.InvariantCulture);
            var flags = fields[2].Split(',');
            var slots = fields.Skip(8).Where(s => !s.StartsWith('[')).Select(s =>
            {
                var range = s.Split('-');
                var from = int.Parse(range[0], CultureInfo.InvariantCulture);
                return (from, range.Length > 1 ? int.Parse(range[1], CultureInfo.InvariantCulture) : from);
            }).ToList();
            return new NodeState(port, flags.Contains("master"), flags.Contains("fail") || flags.Contains("fail?") || flags.Contains("noaddr"), slots);
        }
    }
}
