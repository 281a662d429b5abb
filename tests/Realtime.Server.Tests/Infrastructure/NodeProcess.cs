using System.Collections.Concurrent;
using System.Text.Json;

namespace Realtime.Server.Tests.Infrastructure;

/// <summary>
/// A node in its own process (the built <c>Realtime.Server.dll</c>), so a test can kill it with
/// SIGKILL and watch the others notice, as when a task dies without cleaning up, or start it with
/// the limits a container sets (open files, heap), which apply to a whole process.
/// </summary>
public sealed class NodeProcess : IAsyncDisposable
{
    private readonly ChildProcess _process;
    private readonly ConcurrentQueue<string> _output;

    private NodeProcess(ChildProcess process, Uri http, ConcurrentQueue<string> output)
    {
        _process = process;
        Http = http;
        _output = output;
    }

    public Uri Http { get; }

    public Uri WebSocket => new UriBuilder(Http) { Scheme = "ws", Path = "/ws" }.Uri;

    public bool HasExited => _process.HasExited;

    /// <summary>What the node wrote to stdout and stderr so far (JSON log lines, EMF metric lines).</summary>
    public IReadOnlyCollection<string> Output => _output;

    /// <param name="fileLimit">The open-file limit (<c>ulimit -n</c>) to start the node under; null: the test process's.</param>
    /// <param name="environment">Further variables, e.g. the runtime's <c>DOTNET_GCHeapHardLimit</c>.</param>
    public static async Task<NodeProcess> StartAsync(Dictionary<string, string?> settings, int? fileLimit = null, Dictionary<string, string?>? environment = null)
    {
        var (node, process) = Launch(settings, fileLimit, environment);
        await process.WaitUntilOkAsync(new Uri(node.Http, "/readyz"), TimeSpan.FromSeconds(30));
        return node;
    }

    /// <summary>Starts a node that is expected to refuse to start; returns what it wrote before it exited.</summary>
    public static async Task<string> FailToStartAsync(Dictionary<string, string?> settings, int? fileLimit = null)
    {
        var (node, process) = Launch(settings, fileLimit, environment: null);
        await using (node)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await process.WaitForExitAsync(timeout.Token);
            Assert.NotEqual(0, process.ExitCode);
            await Task.Delay(200); // the last lines of output arrive after the exit
            return string.Join('\n', node.Output);
        }
    }

    /// <summary>Resident memory, from /proc.</summary>
    public long ResidentBytes()
    {
        var line = File.ReadLines($"/proc/{_process.Id}/status").Single(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) * 1024;
    }

    /// <summary>Open file descriptors, from /proc.</summary>
    public int OpenFiles() => Directory.GetFiles($"/proc/{_process.Id}/fd").Length;

    /// <summary>The sum of an EMF metric over every line written so far (<c>Realtime:Metrics:EmbeddedMetricFormat</c> on).</summary>
    public long MetricTotal(string name)
    {
        long total = 0;
        foreach (var line in _output)
        {
            if (line.StartsWith("{\"_aws\"", StringComparison.Ordinal))
            {
                using var emf = JsonDocument.Parse(line);
                total += emf.RootElement.GetProperty(name).GetInt64();
            }
        }

        return total;
    }

    /// <summary>SIGKILL: no drain, no leave, no cleanup.</summary>
    public Task KillAsync() => _process.KillAsync();

    public ValueTask DisposeAsync() => _process.DisposeAsync();

    private static (NodeProcess Node, ChildProcess Process) Launch(Dictionary<string, string?> settings, int? fileLimit, Dictionary<string, string?>? environment)
    {
        var port = FreePort.Next();
        var variables = settings.ToDictionary(s => s.Key.Replace(":", "__", StringComparison.Ordinal), s => s.Value);
        variables["Logging__LogLevel__Default"] = "Warning";
        foreach (var (key, value) in environment ?? [])
        {
            variables[key] = value;
        }

        string[] node = ["dotnet", Path.Combine(AppContext.BaseDirectory, "Realtime.Server.dll"), "--urls", $"http://127.0.0.1:{port}"];
        var output = new ConcurrentQueue<string>();
        // exec keeps the process id: the limit, /proc and kill all apply to the node itself.
        var process = fileLimit is { } limit
            ? ChildProcess.Start("bash", ["-c", $"ulimit -n {limit} && exec \"$@\"", "node", .. node], variables, AppContext.BaseDirectory, output.Enqueue)
            : ChildProcess.Start(node[0], node[1..], variables, AppContext.BaseDirectory, output.Enqueue);
        return (new NodeProcess(process, new Uri($"http://127.0.0.1:{port}"), output), process);
    }
}
