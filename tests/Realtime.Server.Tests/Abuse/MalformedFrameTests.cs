using Microsoft.Extensions.Logging;
using Realtime.Server.Tests.Infrastructure;

namespace Realtime.Server.Tests.Abuse;

/// <summary>
/// 20 connections send 10,000 malformed frames between them (kept open by a valid request after every
/// four, below the close threshold): each is answered with a protocol error, nothing is logged as a
/// server error, and a bystander on the same node is served throughout.
/// </summary>
public sealed class MalformedFrameTests
{
    private static readonly string[] Garbage =
    [
        "{not json",
        "[1,2,3]",
        """{"type":"\ud800"}""",
        """{"type":"claim","channel":"c","resource":"r","ttl":1e15}""",
        """{"type":"publish","channel":"chat:lobby\n","data":1}""",
        """{"type":42}""",
        """{"type":"subscribe","channel":"x","since":"yesterday"}""",
        """{"type":"nonsense"}""",
    ];

    [Fact]
    public async Task Ten_thousand_malformed_frames_are_answered_never_logged_as_errors_and_others_are_served()
    {
        var logs = new LogCapture();
        await using var node = await TestNode.StartAsync(redis: null, new()
        {
            ["Realtime:PublishRatePerSecond"] = "100000",
            ["Realtime:PublishBurst"] = "100000",
        }, logs: logs);
        await using var bystander = await TestClient.ConnectAsync(node.WebSocket);
        await bystander.SubscribeAsync("chat:calm");

        var attackers = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => TestClient.ConnectAsync(node.WebSocket)));
        var attacks = attackers.Select((attacker, a) => Task.Run(async () =>
        {
            var answered = 0;
            for (var round = 0; round < 125; round++)
            {
                for (var i = 0; i < 4; i++)
                {
                    await attacker.SendAsync(Garbage[(round * 4 + i + a) % Garbage.Length]);
                }

                Assert.Equal("pong", (await attacker.RequestAsync("ping")).Type); // resets the error count
                answered += attacker.TakeAll().Count(f => f.Type == "error");
            }

            return answered;
        })).ToList();

        // Meanwhile the bystander is served.
        for (var i = 0; i < 20; i++)
        {
            await bystander.PublishAsync("chat:calm", i.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        Assert.Equal(20, (await bystander.CollectAsync("message", 20)).Count);
        var errors = await Task.WhenAll(attacks);
        Assert.Equal(10_000, errors.Sum()); // one protocol error per malformed frame, none lost, none closed early
        Assert.Empty(logs.AtLeast(LogLevel.Error));
        foreach (var attacker in attackers)
        {
            await attacker.DisposeAsync();
        }
    }
}
