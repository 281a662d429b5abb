using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Realtime.Testing;

/// <summary>
/// The ECS task metadata endpoint v4 of any number of tasks, on loopback: <c>GET /{task}/task</c>
/// answers the shape ECS does (trimmed to what matters) with the desired status the caller sets.
/// The tests and the fault suite give each node <see cref="For"/> its task as its metadata URI.
/// </summary>
public sealed class FakeEcsTaskMetadata : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, string> _desired = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _reads = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _stoppedReads = new(StringComparer.Ordinal);
    private readonly WebApplication _app;
    private string _base = "";

    private FakeEcsTaskMetadata(WebApplication app) => _app = app;

    /// <param name="port">0 for any free port.</param>
    public static async Task<FakeEcsTaskMetadata> StartAsync(int port = 0)
    {
        var app = LoopbackHttp.Create(port);
        var fake = new FakeEcsTaskMetadata(app);
        app.MapGet("/{task}/task", (string task, HttpContext context) =>
        {
            var desired = fake._desired.GetValueOrDefault(task, "RUNNING");
            fake._reads.AddOrUpdate(task, 1, (_, n) => n + 1);
            if (desired == "STOPPED")
            {
                fake._stoppedReads.AddOrUpdate(task, 1, (_, n) => n + 1);
            }

            context.Response.ContentType = "application/json";
            return context.Response.WriteAsync($$"""
                {"Cluster":"arn:aws:ecs:eu-west-1:111122223333:cluster/realtime-dev","TaskARN":"{{TaskArnOf(task)}}",
                 "Family":"realtime-dev","Revision":"7","DesiredStatus":"{{desired}}","KnownStatus":"RUNNING",
                 "Containers":[{"Name":"realtime","DesiredStatus":"RUNNING","KnownStatus":"RUNNING"}],"LaunchType":"FARGATE","AvailabilityZone":"eu-west-1a"}
                """);
        });
        await app.StartAsync().ConfigureAwait(false);
        fake._base = LoopbackHttp.AddressOf(app).ToString().TrimEnd('/');
        return fake;
    }

    /// <summary>What a node of <paramref name="task"/> is given as its <c>ECS_CONTAINER_METADATA_URI_V4</c>.</summary>
    public string For(string task) => $"{_base}/{task}";

    /// <summary>The task's ARN, as its metadata reports it.</summary>
    public static string TaskArnOf(string task) => $"arn:aws:ecs:eu-west-1:111122223333:task/realtime-dev/{task}";

    /// <summary>What ECS does when it decides to stop the task (deploy, scale-in).</summary>
    public void Stop(string task) => _desired[task] = "STOPPED";

    /// <summary>A new task under the same name.</summary>
    public void Run(string task) => _desired[task] = "RUNNING";

    /// <summary>How many times the task's document was read.</summary>
    public int Reads(string task) => _reads.GetValueOrDefault(task);

    /// <summary>How many times it answered <c>STOPPED</c>: the node has seen ECS stopping it.</summary>
    public int StoppedReads(string task) => _stoppedReads.GetValueOrDefault(task);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
