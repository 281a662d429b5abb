using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Realtime.Faults.Cluster;

/// <summary>The ECS task metadata endpoint v4 of every node, on loopback: <c>/{node}/task</c> answers its desired status.</summary>
public sealed class FakeTaskMetadata : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, string> _desired = new(StringComparer.Ordinal);
    private readonly WebApplication _app;

    public FakeTaskMetadata(int port)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        _app = builder.Build();
        _app.MapGet("/{node}/task", (string node) =>
            Results.Text($$"""{"DesiredStatus":"{{_desired.GetValueOrDefault(node, "RUNNING")}}","KnownStatus":"RUNNING","LaunchType":"FARGATE"}""", "application/json"));
        Uri = $"http://127.0.0.1:{port}";
    }

    public string Uri { get; }

    public Task StartAsync() => _app.StartAsync();

    /// <summary>What the node polls (its <c>ECS_CONTAINER_METADATA_URI_V4</c>).</summary>
    public string For(string node) => $"{Uri}/{node}";

    /// <summary>ECS decides to stop the task.</summary>
    public void Stop(string node) => _desired[node] = "STOPPED";

    /// <summary>A new task under the same name.</summary>
    public void Run(string node) => _desired[node] = "RUNNING";

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
