using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Realtime.E2E.Tests;

/// <summary>
/// The app as it runs in AWS, on loopback: a real redis-server, two published nodes, and HAProxy in
/// front (WebSocket upgrade, cookie stickiness, /readyz checks), from scripts/haproxy.cfg.template.
/// </summary>
public sealed class Cluster : IAsyncDisposable
{
    private readonly List<Process> _processes = [];
    private readonly Dictionary<string, Process> _nodes = [];
    private readonly string _work = Directory.CreateTempSubdirectory("realtime-e2e-").FullName;

    public int FrontendPort { get; } = FreePort();

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
        var redisPort = FreePort();
        Start("redis-server", ["--port", $"{redisPort}", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], null, null);

        var nodePorts = new Dictionary<string, int> { ["n1"] = FreePort(), ["n2"] = FreePort() };
        foreach (var (name, port) in nodePorts)
        {
            _nodes[name] = Start("dotnet", [Path.Combine(server.Directory, "Realtime.Server.dll"), "--urls", $"http://127.0.0.1:{port}"], server.Directory, new()
            {
                ["Realtime__Redis__ConnectionString"] = $"127.0.0.1:{redisPort}",
                ["Realtime__NodeId"] = $"node-{name[1..]}",
                ["Realtime__DrainSeconds"] = "2",
                ["Realtime__PublishRatePerSecond"] = "1000",
                ["Logging__LogLevel__Default"] = "Warning",
            });
        }

        var config = File.ReadAllText(Path.Combine(PublishedServer.RepositoryRoot, "scripts", "haproxy.cfg.template"))
            .Replace("@FRONTEND_PORT@", $"{FrontendPort}", StringComparison.Ordinal)
            .Replace("@NODE1_PORT@", $"{nodePorts["n1"]}", StringComparison.Ordinal)
            .Replace("@NODE2_PORT@", $"{nodePorts["n2"]}", StringComparison.Ordinal);
        var configPath = Path.Combine(_work, "haproxy.cfg");
        await File.WriteAllTextAsync(configPath, config);
        Start("haproxy", ["-db", "-f", configPath], null, null);

        using var http = new HttpClient();
        foreach (var port in nodePorts.Values.Append(FrontendPort))
        {
            await WaitReadyAsync(http, new Uri($"http://127.0.0.1:{port}/readyz"));
        }

        // HAProxy marks a server up after two good checks a second apart.
        await Task.Delay(2500);
    }

    /// <summary>SIGTERM, as ECS stops a task: the node drains, then exits.</summary>
    public async Task TerminateAsync(string node)
    {
        using var kill = Process.Start("kill", ["-TERM", $"{_nodes[node].Id}"])!;
        await kill.WaitForExitAsync();
        await _nodes[node].WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
    }

    private Process Start(string file, string[] args, string? directory, Dictionary<string, string>? environment)
    {
        var start = new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true };
        if (directory is not null)
        {
            start.WorkingDirectory = directory;
        }

        foreach (var (key, value) in environment ?? [])
        {
            start.Environment[key] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"{file} did not start");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _processes.Add(process);
        return process;
    }

    private static async Task WaitReadyAsync(HttpClient http, Uri uri)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                if ((await http.GetAsync(uri)).IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"{uri} never answered 200");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var process in _processes)
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }

            process.Dispose();
        }

        Directory.Delete(_work, recursive: true);
    }
}
