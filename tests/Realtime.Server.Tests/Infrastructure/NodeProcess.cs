namespace Realtime.Server.Tests.Infrastructure;

/// <summary>
/// A node in its own process (the built <c>Realtime.Server.dll</c>), so a test can kill it with
/// SIGKILL and watch the others notice, as when a task dies without cleaning up.
/// </summary>
public sealed class NodeProcess : IAsyncDisposable
{
    private readonly ChildProcess _process;

    private NodeProcess(ChildProcess process, Uri http)
    {
        _process = process;
        Http = http;
    }

    public Uri Http { get; }

    public Uri WebSocket => new UriBuilder(Http) { Scheme = "ws", Path = "/ws" }.Uri;

    public static async Task<NodeProcess> StartAsync(Dictionary<string, string?> settings)
    {
        var port = FreePort.Next();
        var environment = settings.ToDictionary(s => s.Key.Replace(":", "__", StringComparison.Ordinal), s => s.Value);
        environment["Logging__LogLevel__Default"] = "Warning";
        var process = ChildProcess.Start("dotnet", [Path.Combine(AppContext.BaseDirectory, "Realtime.Server.dll"), "--urls", $"http://127.0.0.1:{port}"],
            environment, AppContext.BaseDirectory);
        var node = new NodeProcess(process, new Uri($"http://127.0.0.1:{port}"));
        await process.WaitUntilOkAsync(new Uri(node.Http, "/readyz"), TimeSpan.FromSeconds(30));
        return node;
    }

    /// <summary>SIGKILL: no drain, no leave, no cleanup.</summary>
    public Task KillAsync() => _process.KillAsync();

    public ValueTask DisposeAsync() => _process.DisposeAsync();
}
