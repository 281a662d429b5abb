using System.Net;
using System.Net.Http.Headers;
using System.Net.WebSockets;
using Realtime.Server.Tests.Infrastructure;

namespace Realtime.Server.Tests.Drain;

/// <summary>
/// On ECS the drain must start when ECS decides to stop the task, not at SIGTERM (by then the load
/// balancer has cut every socket). Two triggers, either alone enough, both together draining once:
/// the task metadata endpoint (served here on loopback, as ECS does) and <c>POST /api/drain</c>.
/// </summary>
public sealed class EcsDrainTests
{
    private const string Token = "drain-token-0123456789";

    /// <summary>The ECS task the node runs as.</summary>
    private const string TaskId = "abc123";

    [Fact]
    public async Task ECS_stopping_the_task_drains_the_node_while_it_keeps_running()
    {
        await using var metadata = await FakeEcsTaskMetadata.StartAsync();
        var logs = new LogCapture();
        await using var node = await TestNode.StartAsync(redis: null, Settings(metadata), logs: logs);
        var clients = await ConnectAsync(node, 6);
        using var http = new HttpClient { BaseAddress = node.Http };
        await Eventually.TrueAsync(() => Task.FromResult(metadata.Reads(TaskId) >= 2), "the node reads the task metadata");
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/readyz")).StatusCode);
        foreach (var client in clients)
        {
            Assert.Null(client.CloseStatus); // RUNNING: nobody is told anything
        }

        metadata.Stop(TaskId);

        await Eventually.TrueAsync(async () => (await http.GetAsync("/readyz")).StatusCode == HttpStatusCode.ServiceUnavailable, "/readyz answers 503");
        foreach (var client in clients)
        {
            Assert.Equal((WebSocketCloseStatus)1012, await client.WaitClosedAsync(TimeSpan.FromSeconds(10)));
            await client.NextOfTypeAsync("reconnect");
        }

        // Drained with no SIGTERM: the process still serves until ECS stops it.
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/healthz")).StatusCode);
        Assert.Contains("started by ECS task metadata", logs.All, StringComparison.Ordinal);
        await DisposeAllAsync(clients);
    }

    [Fact]
    public async Task The_drain_endpoint_needs_its_token_and_both_triggers_and_SIGTERM_drain_once()
    {
        await using var metadata = await FakeEcsTaskMetadata.StartAsync();
        var logs = new LogCapture();
        var node = await TestNode.StartAsync(redis: null, new(Settings(metadata)) { ["Realtime:Drain:Token"] = Token, ["Realtime:ApiKeys:0"] = "api-key-0123456789abc" }, logs: logs);
        await using (node)
        {
            var clients = await ConnectAsync(node, 3);
            using var http = new HttpClient { BaseAddress = node.Http };

            Assert.Equal(HttpStatusCode.Unauthorized, (await PostDrainAsync(http, key: null)).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await PostDrainAsync(http, "api-key-0123456789abc")).StatusCode); // an API key may publish, not drain
            Assert.Equal(HttpStatusCode.NotFound, (await PostDrainAsync(http, Token, forwardedFor: "203.0.113.7")).StatusCode); // through a load balancer
            await Eventually.TrueAsync(() => Task.FromResult(metadata.Reads(TaskId) > 0), "the node knows its task");
            Assert.Equal(HttpStatusCode.Conflict, (await PostDrainAsync(http, Token, taskArn: "arn:aws:ecs:eu-west-1:111122223333:task/realtime-dev/other")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/readyz")).StatusCode);
            Assert.All(clients, c => Assert.Null(c.CloseStatus));

            Assert.Equal(HttpStatusCode.Accepted, (await PostDrainAsync(http, Token, taskArn: FakeEcsTaskMetadata.TaskArnOf(TaskId))).StatusCode);
            foreach (var client in clients)
            {
                Assert.Equal((WebSocketCloseStatus)1012, await client.WaitClosedAsync(TimeSpan.FromSeconds(10)));
            }

            metadata.Stop(TaskId);
            await Eventually.TrueAsync(() => Task.FromResult(metadata.StoppedReads(TaskId) > 0), "the node reads STOPPED");
            Assert.Equal(HttpStatusCode.Accepted, (await PostDrainAsync(http, Token)).StatusCode);
            await node.StopAsync();

            Assert.Single(logs.All.Split('\n'), l => l.Contains("Draining ", StringComparison.Ordinal));
            Assert.Contains("started by drain endpoint", logs.All, StringComparison.Ordinal);
            await DisposeAllAsync(clients);
        }
    }

    [Fact]
    public async Task Without_a_token_there_is_no_drain_endpoint()
    {
        await using var node = await TestNode.StartAsync(redis: null);
        using var http = new HttpClient { BaseAddress = node.Http };
        Assert.Equal(HttpStatusCode.NotFound, (await PostDrainAsync(http, Token)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/readyz")).StatusCode);
    }

    private static Dictionary<string, string?> Settings(FakeEcsTaskMetadata metadata) => new()
    {
        ["Realtime:Drain:EcsMetadataUri"] = metadata.For(TaskId),
        ["Realtime:Drain:EcsPollSeconds"] = "0.2",
        ["Realtime:DrainSeconds"] = "1",
    };

    private static async Task<List<TestClient>> ConnectAsync(TestNode node, int count)
    {
        var clients = new List<TestClient>();
        for (var i = 0; i < count; i++)
        {
            var client = await TestClient.ConnectAsync(node.WebSocket);
            await client.SubscribeAsync("news:ecs");
            clients.Add(client);
        }

        return clients;
    }

    private static async Task DisposeAllAsync(List<TestClient> clients)
    {
        foreach (var client in clients)
        {
            await client.DisposeAsync();
        }
    }

    private static Task<HttpResponseMessage> PostDrainAsync(HttpClient http, string? key, string? forwardedFor = null, string? taskArn = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/drain");
        if (key is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        if (forwardedFor is not null)
        {
            request.Headers.Add("X-Forwarded-For", forwardedFor);
        }

        if (taskArn is not null)
        {
            request.Headers.Add("X-Ecs-Task-Arn", taskArn);
        }

        return http.SendAsync(request);
    }
}
