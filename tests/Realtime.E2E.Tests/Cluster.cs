using Realtime.Testing;

namespace Realtime.E2E.Tests;

/// <summary>
/// The app as it runs in AWS, on loopback: a real redis-server, two published nodes, and HAProxy in
/// front (WebSocket upgrade, cookie stickiness, /readyz checks), from scripts/haproxy.cfg.template.
/// </summary>
public sealed class Cluster : IAsyncDisposable
{
    private readonly List<ChildProcess> _processes = [];
    private readonly Dictionary<string, ChildProcess> _nodes = [];
    private readonly string _work = Directory.CreateTempSubdirectory("realtime-e2e-").FullName;

    public int FrontendPort { get; } = FreePort.Next();

    public Uri Url => new($"http://127.0.0.1:{FrontendPort}/");

    public static async Task<Cluster> StartAsync(PublishedServer server)
    {
        var cluster = new Cluster();
        try
        {
            await cluster.StartCoreAsync(server);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    private async Task StartCoreAsync(PublishedServer server)
    {
        var redisPort = FreePort.Next();
        Start("redis-server", ["--port", $"{redisPort}", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]);

        var nodePorts = new Dictionary<string, int> { ["n1"] = FreePort.Next(), ["n2"] = FreePort.Next() };
        foreach (var (name, port) in nodePorts)
        {
            _nodes[name] = Start("dotnet", [Path.Combine(server.Directory, "Realtime.Server.dll"), "--urls", $"http://127.0.0.1:{port}"], new Dictionary<string, string?>
            {
                ["Realtime__Redis__ConnectionString"] = $"127.0.0.1:{redisPort}",
                ["Realtime__NodeId"] = $"node-{name[1..]}",
                ["Realtime__DrainSeconds"] = "2",
                ["Realtime__PublishRatePerSecond"] = "1000",
                ["Logging__LogLevel__Default"] = "Warning",
            }, server.Directory);
        }

        var config = File.ReadAllText(Path.Combine(PublishedServer.RepositoryRoot, "scripts", "haproxy.cfg.template"))
            .Replace("@FRONTEND_PORT@", $"{FrontendPort}", StringComparison.Ordinal)
            .Replace("@NODE1_PORT@", $"{nodePorts["n1"]}", StringComparison.Ordinal)
            .Replace("@NODE2_PORT@", $"{nodePorts["n2"]}", StringComparison.Ordinal);
        var configPath = Path.Combine(_work, "haproxy.cfg");
        await File.WriteAllTextAsync(configPath, config);
        var haproxy = Start("haproxy", ["-db", "-f", configPath]);

        foreach (var (name, port) in nodePorts)
        {
            await _nodes[name].WaitUntilOkAsync(new Uri($"http://127.0.0.1:{port}/readyz"), TimeSpan.FromSeconds(60));
        }

        await haproxy.WaitUntilOkAsync(new Uri(Url, "/readyz"), TimeSpan.FromSeconds(30));

        // HAProxy marks a server up after two good checks a second apart; until then a page pinned to
        // it would be sent to the other node. Wait until each answers its own cookie.
        foreach (var name in nodePorts.Keys)
        {
            await WaitUntilServedByAsync(name, TimeSpan.FromSeconds(30));
        }
    }

    private async Task WaitUntilServedByAsync(string node, TimeSpan timeout)
    {
        using var http = new HttpClient(new HttpClientHandler { UseCookies = false }) { BaseAddress = Url, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + timeout;
        string? servedBy = null;
        while (DateTime.UtcNow < deadline)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/readyz");
            request.Headers.Add("Cookie", $"RTNODE={node}");
            using var response = await http.SendAsync(request);
            servedBy = response.Headers.TryGetValues("X-Served-By", out var values) ? values.Single() : null;
            if (response.IsSuccessStatusCode && servedBy == node)
            {
                return;
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"HAProxy did not send a request pinned to {node} there within {timeout.TotalSeconds} s (last served by {servedBy ?? "nobody"})");
    }

    /// <summary>SIGTERM, as ECS stops a task: the node drains, then exits.</summary>
    public Task TerminateAsync(string node) => _nodes[node].TerminateAsync(TimeSpan.FromSeconds(30));

    private ChildProcess Start(string file, string[] args, Dictionary<string, string?>? environment = null, string? directory = null)
    {
        var process = ChildProcess.Start(file, args, environment, directory);
        _processes.Add(process);
        return process;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var process in _processes)
        {
            await process.DisposeAsync();
        }

        Directory.Delete(_work, recursive: true);
    }
}
