using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Realtime.AspNetCore.Hosting;
using Realtime.Server.Tests.Infrastructure;
using Realtime.AspNetCore;

namespace Realtime.Server.Tests.Integration;

public sealed class StartupTests
{
    [Fact]
    public async Task A_bad_option_stops_start_up_with_a_message_naming_the_key()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() =>
            TestNode.StartAsync(redis: null, new() { ["Realtime:HeartbeatSeconds"] = "0" }));
        Assert.Contains("Realtime:HeartbeatSeconds = 0", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Embedded_metric_line_is_cloudwatch_emf_with_connections_per_task_and_deltas()
    {
        await using var node = await TestNode.StartAsync(redis: null);
        await using var client = await TestClient.ConnectAsync(node.WebSocket);
        await client.SubscribeAsync("chat:emf");
        await client.PublishAsync("chat:emf", "1");
        await client.PublishAsync("chat:emf", "2");
        await client.CollectAsync("message", 2);
        var time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeMilliseconds(1_800_000_000_000));
        var writer = new EmbeddedMetricsWriter(node.Metrics, Options.Create(new RealtimeOptions()), node.Services.GetRequiredService<NodeIdentity>(), time);

        using var first = JsonDocument.Parse(writer.NextLine("realtime-test"));
        using var second = JsonDocument.Parse(writer.NextLine("realtime-test"));

        var aws = first.RootElement.GetProperty("_aws");
        Assert.Equal(1_800_000_000_000, aws.GetProperty("Timestamp").GetInt64());
        var directive = aws.GetProperty("CloudWatchMetrics")[0];
        Assert.Equal("Realtime", directive.GetProperty("Namespace").GetString());
        Assert.Equal("ServiceName", directive.GetProperty("Dimensions")[0][0].GetString());
        Assert.Contains(directive.GetProperty("Metrics").EnumerateArray(), m => m.GetProperty("Name").GetString() == "ConnectionsPerTask");
        Assert.Equal("realtime-test", first.RootElement.GetProperty("ServiceName").GetString());
        Assert.Equal(1, first.RootElement.GetProperty("ConnectionsPerTask").GetInt64());
        Assert.Equal(2, first.RootElement.GetProperty("Published").GetInt64());
        Assert.Equal(0, second.RootElement.GetProperty("Published").GetInt64()); // counters report the change
        Assert.Equal(1, second.RootElement.GetProperty("ConnectionsPerTask").GetInt64()); // a gauge does not

        // Delivery lag: one sample per delivered message, in milliseconds; left out when nothing was delivered.
        Assert.Contains(directive.GetProperty("Metrics").EnumerateArray(), m => m.GetProperty("Name").GetString() == "DeliveryLag" && m.GetProperty("Unit").GetString() == "Milliseconds");
        var lags = first.RootElement.GetProperty("DeliveryLag").EnumerateArray().Select(v => v.GetDouble()).ToList();
        Assert.Equal(2, lags.Count);
        Assert.All(lags, lag => Assert.InRange(lag, 0, 10_000));
        Assert.False(second.RootElement.TryGetProperty("DeliveryLag", out _));
    }
}
