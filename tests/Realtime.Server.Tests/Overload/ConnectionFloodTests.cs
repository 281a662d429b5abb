using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text.Json;
using Realtime.Server.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Realtime.Server.Tests.Overload;

/// <summary>
/// A node started as a new user would, with nothing set but a low open-file limit, takes a burst
/// of upgrades and silent TCP connections far past that limit: it refuses the excess, stays up
/// with bounded memory, keeps serving the clients it has, and takes new ones once the flood ends.
/// </summary>
public sealed class ConnectionFloodTests(ITestOutputHelper output)
{
    private const int FileLimit = 1500;
    private const int Upgrades = 2000;
    private const int SilentSockets = 500;
    private const int Residents = 5;

    private static Dictionary<string, string?> Settings => new()
    {
        ["Realtime:Metrics:EmbeddedMetricFormat"] = "true",
        ["Realtime:Metrics:EmbeddedMetricIntervalSeconds"] = "1",
        ["Logging:LogLevel:Realtime.AspNetCore.Overload"] = "Information", // the budget line
    };

    [Fact]
    public async Task A_flood_past_the_file_limit_is_refused_and_the_node_keeps_serving()
    {
        await using var node = await NodeProcess.StartAsync(Settings, fileLimit: FileLimit);
        var maxConnections = BudgetLine(node).GetProperty("MaxConnections").GetInt32();
        Assert.InRange(maxConnections, 1, FileLimit - 1); // derived from the limit, not the usual 20,000

        const string channel = "feed:flood";
        await using var publisher = await TestClient.ConnectAsync(node.WebSocket);
        var residents = new List<TestClient>();
        for (var i = 0; i < Residents; i++)
        {
            var resident = await TestClient.ConnectAsync(node.WebSocket);
            Assert.Equal("subscribed", (await resident.SubscribeAsync(channel)).Type);
            residents.Add(resident);
        }

        var silent = new List<Socket>();
        var accepted = new List<ClientWebSocket>();
        try
        {
            // The flood: sockets that never send, and upgrades, at once.
            var silentOpening = OpenSilentAsync(node.Http, SilentSockets, silent);
            var outcomes = await Task.WhenAll(Enumerable.Range(0, Upgrades).Select(_ => UpgradeAttempt.TryAsync(node.WebSocket, TimeSpan.FromSeconds(60))));
            await silentOpening;
            accepted.AddRange(outcomes.Where(o => o.Socket is not null).Select(o => o.Socket!));
            var refused503 = outcomes.Count(o => o.Status == HttpStatusCode.ServiceUnavailable);
            var closedAtAccept = outcomes.Count(o => o.Socket is null && o.Status == 0);

            Assert.False(node.HasExited, "the node survived the flood");
            Assert.True(accepted.Count + Residents + 1 <= maxConnections, $"{accepted.Count} upgrades accepted past the limit of {maxConnections}");
            // Every upgrade answered: accepted, refused 503, or closed at accept; nothing else (no 500, no timeout).
            Assert.Equal(Upgrades, accepted.Count + refused503 + closedAtAccept);
            Assert.True(refused503 + closedAtAccept >= Upgrades - maxConnections, $"only {refused503} + {closedAtAccept} of {Upgrades} upgrades refused");
            var resident = node.ResidentBytes();
            output.WriteLine($"limit {FileLimit} files, MaxConnections {maxConnections}: {accepted.Count} upgrades accepted, {refused503} refused 503, {closedAtAccept} closed at accept; RSS {resident >> 20} MiB, {node.OpenFiles()} files open");
            Assert.True(resident < 400L << 20, $"RSS {resident >> 20} MiB during the flood");

            // Every refusal is counted: 503s by the node, closes at accept by Kestrel's counter.
            await Eventually.TrueAsync(() => node.MetricTotal("ConnectionsRefused") >= refused503 + closedAtAccept,
                $"ConnectionsRefused counts the {refused503} + {closedAtAccept} refused upgrades", TimeSpan.FromSeconds(10));

            // The clients it had keep receiving while the flood holds its sockets.
            for (var i = 0; i < 10; i++)
            {
                Assert.Equal("published", (await publisher.PublishAsync(channel, $"{i}")).Type);
            }

            foreach (var r in residents)
            {
                var messages = await r.CollectAsync("message", 10, TimeSpan.FromSeconds(20));
                Assert.Equal(Enumerable.Range(0, 10), messages.Select(m => m.Json.GetProperty("data").GetInt32()));
            }
        }
        finally
        {
            foreach (var socket in accepted)
            {
                socket.Abort();
                socket.Dispose();
            }

            foreach (var socket in silent)
            {
                socket.Dispose();
            }
        }

        // Once the flood is gone, a newcomer connects and is served.
        TestClient? newcomer = null;
        await Eventually.TrueAsync(async () =>
        {
            try
            {
                newcomer = await TestClient.ConnectAsync(node.WebSocket);
                return true;
            }
            catch (WebSocketException)
            {
                return false;
            }
        }, "a new client connects after the flood", TimeSpan.FromSeconds(30));
        await using (newcomer)
        {
            Assert.Equal("subscribed", (await newcomer!.SubscribeAsync(channel)).Type);
            Assert.Equal("published", (await publisher.PublishAsync(channel, "\"after\"")).Type);
            Assert.Equal("after", (await newcomer.NextOfTypeAsync("message")).Json.GetProperty("data").GetString());
        }

        Assert.False(node.HasExited);
        foreach (var r in residents)
        {
            await r.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_connection_limit_set_past_the_file_limit_stops_start_up_naming_both()
    {
        var output = await NodeProcess.FailToStartAsync(new() { ["Realtime:MaxConnections"] = "20000" }, fileLimit: FileLimit);
        Assert.Contains("Realtime:MaxConnections = 20000 does not fit the open-file limit", output, StringComparison.Ordinal);
        Assert.Contains($"this process may open {FileLimit} (RLIMIT_NOFILE)", output, StringComparison.Ordinal);
    }

    /// <summary>The node's start-up budget line (log event 5001), as JSON.</summary>
    private static JsonElement BudgetLine(NodeProcess node)
    {
        var line = node.Output.First(l => l.Contains("\"EventId\":5001", StringComparison.Ordinal));
        return JsonDocument.Parse(line).RootElement.GetProperty("State").Clone();
    }

    private static async Task OpenSilentAsync(Uri http, int count, List<Socket> opened)
    {
        for (var i = 0; i < count; i++)
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await socket.ConnectAsync(http.Host, http.Port);
            opened.Add(socket);
        }
    }
}
