using System.Diagnostics;

namespace Realtime.Server.Tests.Infrastructure;

/// <summary>
/// A node in its own process (the built <c>Realtime.Server.dll</c>), so a test can kill it with
/// SIGKILL and watch the others notice, as when a task dies without cleaning up.
/// </summary>
public sealed class NodeProcess : IAsyncDisposable
{
    private readonly Process _process;

    private NodeProcess(Process process, Uri http)
    {
        _process = process;
        Http = http;
    }

    public Uri Http { get; }

    public Uri WebSocket => new UriBuilder(Http) { Scheme = "ws", Path = "/ws" }.Uri;

    public static async Task<NodeProcess> StartAsync(Dictionary<string, string?> settings)
    {
        var port = FreePort.Next();
        var server = Path.Combine(AppContext.BaseDirectory, "Realtime.Server.dll");
        var start = new ProcessStartInfo("dotnet", [server, "--urls", $"http://127.0.0.1:{port}"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        foreach (var (key, value) in settings)
        {
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        start.Environment["Logging__LogLevel__Default"] = "Warning";
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var node = new NodeProcess(process, new Uri($"http://127.0.0.1:{port}"));
        using var http = new HttpClient();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                if ((await http.GetAsync(new Uri(node.Http, "/readyz"))).IsSuccessStatusCode)
                {
                    return node;
                }
            }
            catch (HttpRequestException)
            {
            }

            if (process.HasExited)
            {
                throw new InvalidOperationException($"the node process exited with {process.ExitCode}");
            }

            await Task.Delay(100);
        }

        throw new TimeoutException("the node process did not become ready");
    }

    /// <summary>SIGKILL: no drain, no leave, no cleanup.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process.Dispose();
    }
}
