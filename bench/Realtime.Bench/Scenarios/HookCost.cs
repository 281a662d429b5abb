using Realtime.Bench.Protocols;
using Realtime.Bench.Servers;

namespace Realtime.Bench.Scenarios;

/// <summary>
/// H, the price of a publish hook (ours only): one publisher on node 1 at a fixed rate, one subscriber
/// on node 2, publishing to a channel whose namespace has no hook (<c>none</c>), the demo's chat hook
/// in C# (<c>csharp</c>: checks the message and replaces it with a tidied copy), or the HTTP proxy to
/// a backend that accepts at once (<c>proxy</c>). The latency is publish to delivery, as users feel it.
/// </summary>
public static class HookCost
{
    public static readonly string[] Variants = ["none", "csharp", "proxy"];

    /// <summary>The namespace whose publishes go through the proxy; the node is started with its URL.</summary>
    public const string ProxyNamespace = "benchproxy";

    public static Dictionary<string, string> NodeSettings(HookBackend backend) => new()
    {
        [$"Realtime__Namespaces__{ProxyNamespace}__Proxy__Publish__Url"] = backend.Url.ToString(),
        [$"Realtime__Namespaces__{ProxyNamespace}__HistoryLength"] = "100",
        ["Realtime__Namespaces__chat__HistoryLength"] = "100",
    };

    public static async Task<StepResult> MeasureAsync(ServerCluster cluster, string variant, int rate, TimeSpan duration, CancellationToken cancellationToken)
    {
        var id = Guid.NewGuid().ToString("N");
        var channel = variant switch { "none" => $"h-{id}", "csharp" => $"chat:h-{id}", _ => $"{ProxyNamespace}:h-{id}" };
        var latency = new Latency();
        var nodes = cluster.Nodes.Select(n => n.Url).ToList();
        var receivers = await Clients.ConnectAsync(cluster.Kind, [nodes[^1]], 1, _ => channel, latency, cancellationToken).ConfigureAwait(false);
        // The chat hook wants a name and some text; the timestamp rides along (it passes other fields through).
        var publisher = new RealtimeProtocol { DataPrefix = variant == "csharp" ? "\"name\":\"bench\",\"text\":\"hook cost\"," : "" };
        await publisher.ConnectAsync(nodes[0], cancellationToken).ConfigureAwait(false);
        try
        {
            var result = await Scenarios.MeasureAsync(cluster, "H", 1, rate, latency, 1, duration, async (_, sent) =>
                await publisher.PublishAsync(channel, sent, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
            return result with { Server = variant };
        }
        finally
        {
            await Clients.CloseAsync([publisher, .. receivers]).ConfigureAwait(false);
        }
    }
}
