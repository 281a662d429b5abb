using System.Diagnostics;
using System.Net;
using System.Net.WebSockets;
using System.Text.Json.Nodes;
using Realtime.Server.Tests.Infrastructure;

namespace Realtime.Server.Tests.Drain;

/// <summary>
/// The function that ECS task events invoke (cdk/RealtimeInfra.Cdk/Functions/drain-notifier.cjs),
/// run by Node on a recorded "ECS Task State Change" event against a real node: the event's task
/// address is replaced by loopback, the token given as the function's test variable.
/// </summary>
public sealed class DrainFunctionTests
{
    private const string Token = "drain-token-0123456789";

    [Fact]
    public async Task A_stopping_task_event_drains_the_node_it_names()
    {
        await using var node = await TestNode.StartAsync(redis: null, new() { ["Realtime:Drain:Token"] = Token, ["Realtime:DrainSeconds"] = "1" });
        await using var client = await TestClient.ConnectAsync(node.WebSocket);

        var (exit, output) = await InvokeAsync(RecordedEvent(), node, Token);

        Assert.True(exit == 0, output);
        Assert.Contains("\"drained\"", output, StringComparison.Ordinal);
        Assert.Equal((WebSocketCloseStatus)1012, await client.WaitClosedAsync(TimeSpan.FromSeconds(10)));
        using var http = new HttpClient { BaseAddress = node.Http };
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await http.GetAsync("/readyz")).StatusCode);
    }

    [Fact]
    public async Task A_wrong_token_fails_the_invocation_so_EventBridge_retries_and_nothing_drains()
    {
        await using var node = await TestNode.StartAsync(redis: null, new() { ["Realtime:Drain:Token"] = Token });

        var (exit, output) = await InvokeAsync(RecordedEvent(), node, "another-token-0123456789");

        Assert.NotEqual(0, exit);
        Assert.Contains("answered 403", output, StringComparison.Ordinal);
        using var http = new HttpClient { BaseAddress = node.Http };
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/readyz")).StatusCode);
    }

    [Fact]
    public async Task A_late_event_about_another_task_at_a_reused_address_drains_nothing()
    {
        await using var metadata = await FakeEcsTaskMetadata.StartAsync();
        await using var node = await TestNode.StartAsync(redis: null, new()
        {
            ["Realtime:Drain:Token"] = Token,
            ["Realtime:Drain:EcsMetadataUri"] = metadata.For("abc123"), // this node is task abc123
            ["Realtime:Drain:EcsPollSeconds"] = "0.2",
        });
        await Eventually.TrueAsync(() => Task.FromResult(metadata.Reads("abc123") > 0), "the node knows its task");

        var (exit, output) = await InvokeAsync(RecordedEvent(), node, Token); // the event names task b99d…

        Assert.True(exit == 0, output); // nothing to retry
        Assert.Contains("belongs to another task", output, StringComparison.Ordinal);
        using var http = new HttpClient { BaseAddress = node.Http };
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/readyz")).StatusCode);
    }

    [Fact]
    public async Task An_event_of_a_task_that_is_not_stopping_is_ignored()
    {
        await using var node = await TestNode.StartAsync(redis: null, new() { ["Realtime:Drain:Token"] = Token });
        var running = RecordedEvent();
        running["detail"]!["desiredStatus"] = "RUNNING";

        var (exit, output) = await InvokeAsync(running, node, Token);

        Assert.True(exit == 0, output);
        Assert.Contains("skipped", output, StringComparison.Ordinal);
        using var http = new HttpClient { BaseAddress = node.Http };
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/readyz")).StatusCode);
    }

    /// <summary>The recorded event, its task's private address (in both places ECS puts it) on loopback.</summary>
    private static JsonNode RecordedEvent()
    {
        var recorded = JsonNode.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Drain", "ecs-task-stopping-event.json")))!;
        foreach (var entry in recorded["detail"]!["attachments"]![0]!["details"]!.AsArray())
        {
            if (entry!["name"]!.GetValue<string>() == "privateIPv4Address")
            {
                entry["value"] = "127.0.0.1";
            }
        }

        recorded["detail"]!["containers"]![0]!["networkInterfaces"]![0]!["privateIpv4Address"] = "127.0.0.1";
        return recorded;
    }

    private static async Task<(int Exit, string Output)> InvokeAsync(JsonNode recordedEvent, TestNode node, string token)
    {
        var handler = Path.Combine(RepositoryRoot.Path, "cdk", "RealtimeInfra.Cdk", "Functions", "drain-notifier.cjs");
        var eventFile = Path.GetTempFileName();
        await File.WriteAllTextAsync(eventFile, recordedEvent.ToJsonString());
        try
        {
            var start = new ProcessStartInfo("node")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                Environment =
                {
                    ["DRAIN_PORT"] = node.Http.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    ["DRAIN_TOKEN"] = token,
                },
            };
            start.ArgumentList.Add("-e");
            start.ArgumentList.Add("""
                require(process.argv[1]).handler(JSON.parse(require('fs').readFileSync(process.argv[2], 'utf8')))
                  .then(r => console.log(JSON.stringify(r)), e => { console.error(e.message); process.exit(1); });
                """);
            start.ArgumentList.Add(handler);
            start.ArgumentList.Add(eventFile);
            using var process = Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
            return (process.ExitCode, await stdout + await stderr);
        }
        finally
        {
            File.Delete(eventFile);
        }
    }
}
