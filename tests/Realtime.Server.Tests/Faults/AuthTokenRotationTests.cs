using Realtime.Server.Tests.Infrastructure;
using Realtime.Testing;

namespace Realtime.Server.Tests.Faults;

/// <summary>
/// The cache's AUTH token rotates while clients are connected and a node publishes 100 messages a
/// second, as the stack's rotation does it on ElastiCache: the new token is accepted beside the old
/// one (ROTATE; here Redis ACL's second password), becomes current where the nodes read it (here a
/// file, Realtime:Redis:PasswordFile), then the old one is dropped (SET). No client is dropped and no
/// publish fails; afterwards every connection Redis had is cut (a failover, a network blip) and the
/// nodes reconnect with the new token.
/// </summary>
public sealed class AuthTokenRotationTests : AuthTokenNodes
{
    protected override int RefreshSeconds => 1;

    [Fact]
    public async Task Clients_and_publishes_carry_on_while_the_token_rotates_and_reconnects_use_the_new_one()
    {
        var channel = Channel("feed");
        var subscribers = await SubscribersAsync(A, channel, 3);
        await using var publisher = await TestClient.ConnectAsync(B.WebSocket);
        var ledger = new DeliveryLedger();

        await ledger.PublishAsync(publisher, channel, count: 400, perSecond: 100, beforeEach: async n =>
        {
            if (n == 100)
            {
                await RotateAsync();
            }
            else if (n == 250)
            {
                // As the rotation does: SET only once the tasks have read the new token (its grace).
                await Eventually.TrueAsync(() => LogsOfA.All.Contains(TokenChanged, StringComparison.Ordinal) && LogsOfB.All.Contains(TokenChanged, StringComparison.Ordinal),
                    "both nodes re-read the new token on their period", TimeSpan.FromSeconds(10));
                await SetAsync();
            }
        });

        Assert.Equal(0, ledger.Refused);
        Assert.Equal(0, ledger.Unknown);
        Assert.Contains("WRONGPASS", await RedisAsync(OldToken, "PING"));

        await PublishThroughACutAsync(ledger, publisher, channel);

        await AssertPublishesGoThroughAgainAsync(ledger, publisher, channel);
        var reports = await SettleAsync(ledger, channel, subscribers);
        foreach (var report in reports)
        {
            report.Record("AUTH token rotated (ROTATE, SET), then every Redis connection cut, during 100 msg/s");
            AssertNoSilentLoss(report);
        }

        AssertNoneDropped(subscribers.Append(publisher));

        foreach (var logs in new[] { LogsOfA, LogsOfB })
        {
            Assert.DoesNotContain(OldToken, logs.All, StringComparison.Ordinal);
            Assert.DoesNotContain(NewToken, logs.All, StringComparison.Ordinal);
        }

        foreach (var client in subscribers)
        {
            await client.DisposeAsync();
        }
    }
}

/// <summary>
/// A node that would not re-read its token for an hour still follows a rotation it missed: while it
/// cannot reach Redis (which refuses the token it reconnects with), it reads the token again.
/// </summary>
public sealed class AuthTokenRefusedTests : AuthTokenNodes
{
    protected override int RefreshSeconds => 3600;

    [Fact]
    public async Task A_node_that_missed_the_rotation_reads_the_token_again_when_Redis_refuses_it()
    {
        var channel = Channel("feed");
        var subscribers = await SubscribersAsync(A, channel, 2);
        await using var publisher = await TestClient.ConnectAsync(B.WebSocket);
        await RotateAsync();
        await SetAsync();

        var ledger = new DeliveryLedger();
        await PublishThroughACutAsync(ledger, publisher, channel);

        await AssertPublishesGoThroughAgainAsync(ledger, publisher, channel);
        foreach (var report in await SettleAsync(ledger, channel, subscribers))
        {
            report.Record("AUTH token rotated unseen (refresh hourly), then every Redis connection cut, during 100 msg/s");
            AssertNoSilentLoss(report);
        }

        AssertNoneDropped(subscribers.Append(publisher));

        foreach (var client in subscribers)
        {
            await client.DisposeAsync();
        }
    }
}

/// <summary>Two nodes on a Redis that wants an AUTH token, which the nodes read from a file.</summary>
public abstract class AuthTokenNodes : FaultNodes
{
    protected const string OldToken = "old-token-0123456789abcdef";
    protected const string NewToken = "new-token-fedcba9876543210";

    /// <summary>What a node logs when it takes a new token (event 3020).</summary>
    protected const string TokenChanged = "Backplane AUTH token changed";

    protected string TokenFile { get; } = Path.Combine(Directory.CreateTempSubdirectory("redis-token-").FullName, "token");

    protected LogCapture LogsOfA { get; } = new();

    protected LogCapture LogsOfB { get; } = new();

    protected abstract int RefreshSeconds { get; }

    protected override Dictionary<string, string?> Settings => new(base.Settings)
    {
        ["Realtime:Redis:PasswordFile"] = TokenFile,
        ["Realtime:Redis:PasswordRefreshSeconds"] = RefreshSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    public override async Task InitializeAsync()
    {
        await Redis.StartAsync();
        await RedisAsync(null, "CONFIG", "SET", "requirepass", OldToken);
        await File.WriteAllTextAsync(TokenFile, OldToken + "\n");
        await StartNodesAsync(LogsOfA, LogsOfB);
    }

    /// <summary>ElastiCache's ROTATE as Redis ACL's second password, and the new token where the nodes read it.</summary>
    protected async Task RotateAsync()
    {
        await RedisAsync(OldToken, "ACL", "SETUSER", "default", ">" + NewToken);
        await File.WriteAllTextAsync(TokenFile, NewToken + "\n");
    }

    /// <summary>ElastiCache's SET: only the new token opens a session.</summary>
    protected Task SetAsync() => RedisAsync(NewToken, "ACL", "SETUSER", "default", "<" + OldToken);

    /// <summary>300 messages at 100 a second; at the 50th every connection Redis holds is cut, so the nodes reconnect.</summary>
    protected Task PublishThroughACutAsync(DeliveryLedger ledger, TestClient publisher, string channel) =>
        ledger.PublishAsync(publisher, channel, count: 300, perSecond: 100, beforeEach: async n =>
        {
            if (n == 50)
            {
                await RedisAsync(NewToken, "CLIENT", "KILL", "TYPE", "normal");
                await RedisAsync(NewToken, "CLIENT", "KILL", "TYPE", "pubsub");
            }
        });

    protected static void AssertNoneDropped(IEnumerable<TestClient> clients)
    {
        foreach (var client in clients)
        {
            Assert.False(client.Closed.IsCompleted, $"a client was dropped: {client.CloseStatus} {client.CloseDescription}");
        }
    }

    /// <summary>
    /// The nodes reconnected with the token Redis takes now: a probe publish is acknowledged within
    /// seconds (publishes meanwhile are refused, never lost), and then a whole batch goes through.
    /// </summary>
    protected static async Task AssertPublishesGoThroughAgainAsync(DeliveryLedger ledger, TestClient publisher, string channel)
    {
        var probe = Channel("feed");
        await Eventually.TrueAsync(async () => (await publisher.PublishAsync(probe, "{}")).Type == "published",
            "a publish acknowledged after the reconnect", TimeSpan.FromSeconds(20));
        var refused = ledger.Refused;
        var unknown = ledger.Unknown;
        await ledger.PublishAsync(publisher, channel, count: 100, perSecond: 100);
        Assert.Equal(refused, ledger.Refused);
        Assert.Equal(unknown, ledger.Unknown);
    }

    /// <summary>redis-cli on the test's Redis, authenticated with <paramref name="token"/> (none before one is set).</summary>
    protected Task<string> RedisAsync(string? token, params string[] command) =>
        RedisCli.RunAsync(["-p", $"{Redis.Port}", "--no-auth-warning", .. token is null ? Array.Empty<string>() : ["-a", token], .. command]);
}
