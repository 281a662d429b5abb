using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Realtime.Server.Tests.Infrastructure;

/// <summary>
/// The ECS task metadata endpoint v4 on loopback: <c>GET /task</c> answers the shape ECS does
/// (trimmed to what matters), with the desired status the test sets.
/// </summary>
public sealed class FakeEcsMetadata : IAsyncDisposable
{
    private readonly WebApplication _app;
    private volatile string _desired = "RUNNING";
    private int _reads;
    private int _stoppedReads;

    private FakeEcsMetadata(WebApplication app) => _app = app;

    /// <summary>What a node sets <c>Realtime:Drain:EcsMetadataUri</c> to (ECS's <c>ECS_CONTAINER_METADATA_URI_V4</c>).</summary>
    public string Uri { get; private set; } = "";

    /// <summary>How many times the task document was read.</summary>
    public int Reads => Volatile.Read(ref _reads);

    /// <summary>How many times it answered <c>STOPPED</c>: the node has seen ECS stopping it.</summary>
    public int StoppedReads => Volatile.Read(ref _stoppedReads);

    /// <summary>The task's ARN, as ECS reports it.</summary>
    public const string TaskArn = "arn:aws:ecs:eu-west-1:111122223333:task/realtime-dev/abc123";

    public static async Task<FakeEcsMetadata> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var fake = new FakeEcsMetadata(app);
        app.MapGet("/v4/abc-123/task", (HttpContext context) =>
        {
            Interlocked.Increment(ref fake._reads);
            if (fake._desired == "STOPPED")
            {
                Interlocked.Increment(ref fake._stoppedReads);
            }

            context.Response.ContentType = "application/json";
            return context.Response.WriteAsync($$"""
                {"Cluster":"arn:aws:ecs:eu-west-1:111122223333:cluster/realtime-dev","TaskARN":"{{TaskArn}}",
                 "Family":"realtime-dev","Revision":"7","DesiredStatus":"{{fake._desired}}","KnownStatus":"RUNNING",
                 "Containers":[{"Name":"app","DesiredStatus":"RUNNING","KnownStatus":"RUNNING"}],"LaunchType":"FARGATE","AvailabilityZone":"eu-west-1a"}
                """);
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        fake.Uri = $"{address}/v4/abc-123";
        return fake;
    }

    /// <summary>What ECS does when it decides to stop the task (deploy, scale-in).</summary>
    public void Stop() => _desired = "STOPPED";

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
