using System.Net.WebSockets;
using Microsoft.Extensions.Options;
using Realtime.Server.Tests.Infrastructure;

namespace Realtime.Server.Tests.Hooks;

/// <summary>
/// The HTTP proxy against a real backend on loopback: the JSON it sends (with the shared secret),
/// each answer's mapping, a slow and a failing backend, the circuit breaker, and events with retries.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class ProxyTests(RedisFixture redis) : IAsyncLifetime
{
    private const string Secret = "proxy-secret-for-tests";
    private LoopbackBackend _backend = null!;
    private LoopbackBackend _broken = null!;
    private LoopbackBackend _stalling = null!;
    private TestNode _node = null!;

    public async Task InitializeAsync()
    {
        _backend = await LoopbackBackend.StartAsync();
        _broken = await LoopbackBackend.StartAsync();
        _stalling = await LoopbackBackend.StartAsync();
        _node = await TestNode.StartAsync(redis.ConnectionString, new()
        {
            ["Realtime:Hooks:ProxySecret"] = Secret,
            ["Realtime:Hooks:BreakerMinimumCalls"] = "4",
            ["Realtime:Hooks:BreakerOpenSeconds"] = "60",
            ["Realtime:Namespaces:proxied:Proxy:Subscribe:Url"] = _backend.At("/check"),
            // Generous: a first call on a busy machine builds the client and its connection.
            ["Realtime:Namespaces:proxied:Proxy:Publish:Url"] = _backend.At("/check"),
            ["Realtime:Namespaces:proxied:Proxy:Publish:TimeoutMs"] = "5000",
            ["Realtime:Namespaces:impatient:Proxy:Publish:Url"] = _backend.At("/check"),
            ["Realtime:Namespaces:impatient:Proxy:Publish:TimeoutMs"] = "300",
            ["Realtime:Namespaces:stalled:Proxy:Publish:Url"] = _stalling.At("/stall"),
            ["Realtime:Namespaces:stalled:Proxy:Publish:TimeoutMs"] = "300",
            ["Realtime:Namespaces:moved:Proxy:Publish:Url"] = _backend.At("/redirect"),
            ["Realtime:Namespaces:proxied:Proxy:Claim:Url"] = _backend.At("/check"),
            ["Realtime:Namespaces:proxied:Proxy:Rpc:Url"] = _backend.At("/check"),
            ["Realtime:Namespaces:proxied:Proxy:Events:Url"] = _backend.At("/events"),
            ["Realtime:Namespaces:breaking:Proxy:Publish:Url"] = _broken.At("/broken"),
        }, "proxy-node");
    }

    public async Task DisposeAsync()
    {
        await _node.DisposeAsync();
        await _backend.DisposeAsync();
        await _broken.DisposeAsync();
        await _stalling.DisposeAsync();
    }

    private static string Code(TestClient.Received reply) => reply.Json.GetProperty("code").GetString()!;

    [Fact]
    public async Task A_publish_is_posted_as_json_with_the_shared_secret_and_a_2xx_accepts_it()
    {
        var channel = $"proxied:accept:{Guid.NewGuid():N}";
        await using var client = await TestClient.ConnectAsync(_node.WebSocket);
        var welcome = await client.NextOfTypeAsync("welcome");

        var reply = await client.PublishAsync(channel, """{"n":1}""");

        Assert.Equal("published", reply.Type);
        Assert.True(await redis.Server.HasKeysOfAsync(channel), "an accepted publish is stored (what the refusal tests look for)");
        var (body, secret) = Assert.Single(_backend.Calls, c => c.Body.GetProperty("kind").GetString() == "publish" && c.Body.GetProperty("channel").GetString() == channel);
        Assert.Equal(Secret, secret);
        Assert.Equal(1, body.GetProperty("data").GetProperty("n").GetInt32());
        Assert.Equal(welcome.Json.GetProperty("connection").GetString(), body.GetProperty("connection").GetString());
        Assert.Equal(_node.Id, body.GetProperty("node").GetString());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, body.GetProperty("user").ValueKind);
    }

    [Fact]
    public async Task A_4xx_refuses_with_the_backends_code_and_message_and_nothing_is_stored()
    {
        var channel = $"proxied:refuse:{Guid.NewGuid():N}";
        await using var client = await TestClient.ConnectAsync(_node.WebSocket);

        var reply = await client.PublishAsync(channel, "1");

        Assert.Equal("taken_by_app", Code(reply));
        Assert.Equal("The backend says no.", reply.Json.GetProperty("message").GetString());
        Assert.False(await redis.Server.HasKeysOfAsync(channel));
    }

    [Theory]
    [InlineData("refusebare")]
    [InlineData("reserved")]
    public async Task A_4xx_without_a_usable_code_refuses_as_forbidden(string mode)
    {
        await using var client = await TestClient.ConnectAsync(_node.WebSocket);

        var reply = await client.PublishAsync($"proxied:{mode}:{Guid.NewGuid():N}", "1");

        Assert.Equal("forbidden", Code(reply));
    }

    [Fact]
    public async Task A_2xx_with_data_replaces_what_is_stored_and_delivered()
    {
        var channel = $"proxied:replace:{Guid.NewGuid():N}";
        await using var client = await TestClient.ConnectAsync(_node.WebSocket);
        await client.SubscribeAsync(channel);

        await client.PublishAsync(channel, """{"text":"raw"}""");

        var message = await client.NextOfTypeAsync("message");
        Assert.Equal("""{"by":"backend","kind":"publish"}""", message.Json.GetProperty("data").GetRawText());
    }

    [Theory]
    [InlineData("impatient:slow", "hook_timeout")]
    [InlineData("proxied:fail", "hook_failed")]
    [InlineData("proxied:garbage", "hook_failed")]
    [InlineData("moved:accept", "hook_failed")]
    public async Task A_slow_failing_garbled_or_redirecting_backend_fails_the_publish_and_nothing_is_stored(string prefix, string code)
    {
        var channel = $"{prefix}:{Guid.NewGuid():N}";
        await using var client = await TestClient.ConnectAsync(_node.WebSocket);

        var reply = await client.PublishAsync(channel, "1");

        Assert.Equal(code, Code(reply));
        Assert.False(await redis.Server.HasKeysOfAsync(channel));
    }

    [Fact]
    public async Task A_backend_that_keeps_failing_opens_the_circuit_and_is_no_longer_called()
    {
        await using var client = await TestClient.ConnectAsync(_node.WebSocket);
        var messages = new List<string>();
        for (var i = 0; i < 10; i++)
        {
            var reply = await client.PublishAsync($"breaking:{Guid.NewGuid():N}", "1");
            Assert.Equal("hook_failed", Code(reply));
            messages.Add(reply.Json.GetProperty("message").GetString()!);
        }

        // The breaker needs 4 calls to judge: those reach the backend, and then it opens.
        Assert.Equal(4, _broken.BrokenHits);
        Assert.All(messages.Take(4), m => Assert.Contains("answered 500", m, StringComparison.Ordinal));
        Assert.All(messages.Skip(4), m => Assert.Contains("circuit open", m, StringComparison.Ordinal));

        // The other backend has a circuit of its own: still called, still answering.
        Assert.Equal("published", (await client.PublishAsync($"proxied:accept:{Guid.NewGuid():N}", "1")).Type);
    }

    [Fact]
    public async Task A_backend_that_keeps_timing_out_opens_the_circuit_too()
    {
        await using var client = await TestClient.ConnectAsync(_node.WebSocket);
        var timeouts = 0;
        string? opened = null;
        for (var i = 0; i < 12 && opened is null; i++)
        {
            var reply = await client.PublishAsync($"stalled:{Guid.NewGuid():N}", "1");
            if (Code(reply) == "hook_timeout")
            {
                timeouts++;
            }
            else
            {
                opened = reply.Json.GetProperty("message").GetString();
            }
        }

        // Timeouts count as failures: the breaker judged after its 4 calls at least, then opened.
        Assert.NotNull(opened);
        Assert.Contains("circuit open", opened, StringComparison.Ordinal);
        Assert.InRange(timeouts, 4, 11);

        // Open, it fails calls at once without sending them: the backend saw only the calls that timed out.
        for (var i = 0; i < 3; i++)
        {
            var reply = await client.PublishAsync($"stalled:{Guid.NewGuid():N}", "1");
            Assert.Contains("circuit open", reply.Json.GetProperty("message").GetString(), StringComparison.Ordinal);
        }

        Assert.InRange(_stalling.StallHits, 0, timeouts);
    }

    [Fact]
    public async Task A_claim_refused_by_the_backend_never_reaches_redis_and_the_backend_saw_owner_and_ttl()
    {
        var channel = $"proxied:{Guid.NewGuid():N}";
        await using var client = await TestClient.ConnectAsync(_node.WebSocket);
        await client.SubscribeAsync(channel);

        var refused = await client.RequestAsync("claim", $$""" "channel":"{{channel}}","resource":"refuse-t1","ttl":60 """.Trim());
        var accepted = await client.RequestAsync("claim", $$""" "channel":"{{channel}}","resource":"ok-t1","ttl":60 """.Trim());

        Assert.Equal("taken_by_app", Code(refused));
        Assert.Equal("claimed", accepted.Type);
        Assert.False(await redis.Server.ClaimExistsAsync(channel, "refuse-t1"));
        Assert.True(await redis.Server.ClaimExistsAsync(channel, "ok-t1"));
        var (body, _) = Assert.Single(_backend.Calls, c => c.Body.GetProperty("kind").GetString() == "claim" && c.Body.GetProperty("resource").GetString() == "ok-t1");
        Assert.Equal(accepted.Json.GetProperty("owner").GetString(), body.GetProperty("owner").GetString());
        Assert.Equal(60, body.GetProperty("ttl").GetDouble());
    }

    [Fact]
    public async Task A_subscribe_refused_by_the_backend_is_refused()
    {
        await using var client = await TestClient.ConnectAsync(_node.WebSocket);

        var reply = await client.SubscribeAsync($"proxied:refuse:{Guid.NewGuid():N}");

        Assert.Equal("taken_by_app", Code(reply));
    }

    [Fact]
    public async Task An_rpc_of_the_namespace_is_answered_by_the_backend()
    {
        await using var client = await TestClient.ConnectAsync(_node.WebSocket);

        var answered = await client.RequestAsync("rpc", """ "method":"proxied:replace","data":{"q":1} """.Trim());
        var refused = await client.RequestAsync("rpc", """ "method":"proxied:refuse" """.Trim());
        var unknown = await client.RequestAsync("rpc", """ "method":"elsewhere:thing" """.Trim());

        Assert.Equal("""{"by":"backend","kind":"rpc"}""", answered.Json.GetProperty("data").GetRawText());
        var (body, _) = Assert.Single(_backend.Calls, c => c.Body.GetProperty("kind").GetString() == "rpc" && c.Body.GetProperty("method").GetString() == "proxied:replace");
        Assert.Equal(1, body.GetProperty("data").GetProperty("q").GetInt32());
        Assert.Equal("taken_by_app", Code(refused));
        Assert.Equal("unknown_method", Code(unknown));
    }

    [Fact]
    public async Task Stored_events_are_posted_after_the_fact_and_retried_until_the_backend_takes_them()
    {
        _backend.FailEventsFirst = 2;
        var channel = $"proxied:accept:{Guid.NewGuid():N}";
        await using var client = await TestClient.ConnectAsync(_node.WebSocket);

        var published = await client.PublishAsync(channel, """{"n":7}""");

        await Eventually.TrueAsync(() => _backend.Events.Any(e => e.GetProperty("channel").GetString() == channel), "the event reached the backend");
        var stored = Assert.Single(_backend.Events, e => e.GetProperty("channel").GetString() == channel);
        Assert.Equal("stored", stored.GetProperty("kind").GetString());
        Assert.Equal("publish", stored.GetProperty("event").GetString());
        Assert.Equal(published.Json.GetProperty("offset").GetString(), stored.GetProperty("offset").GetString());
        Assert.Equal(7, stored.GetProperty("data").GetProperty("n").GetInt32());
        Assert.Equal(0, _backend.FailEventsFirst);
    }

    [Theory]
    [InlineData("/check", "accept")]
    [InlineData("/attach", "attach")]
    [InlineData("/banned", "refuse")]
    [InlineData("/broken", "fail")]
    public async Task The_connect_proxy_accepts_attaches_data_refuses_or_fails_before_the_welcome(string path, string outcome)
    {
        // A backend of this test's own: the breaker test counts the calls to the class's broken one.
        await using var backend = await LoopbackBackend.StartAsync();
        await using var node = await TestNode.StartAsync(redis: null, new()
        {
            ["Realtime:Namespaces:default:Proxy:Connect:Url"] = backend.At(path),
            ["Realtime:Namespaces:default:Proxy:Connect:TimeoutMs"] = "5000",
        });

        await using var client = await TestClient.ConnectAsync(node.WebSocket);

        switch (outcome)
        {
            case "accept":
                Assert.False((await client.NextOfTypeAsync("welcome")).Json.TryGetProperty("data", out _));
                Assert.Contains(backend.Calls, c => c.Body.GetProperty("kind").GetString() == "connect");
                break;
            case "attach":
                Assert.Equal("gold", (await client.NextOfTypeAsync("welcome")).Json.GetProperty("data").GetProperty("tier").GetString());
                break;
            case "refuse":
                Assert.Equal(WebSocketCloseStatus.PolicyViolation, await client.WaitClosedAsync());
                Assert.Equal("banned: Not welcome here.", client.CloseDescription);
                break;
            default:
                Assert.Equal((WebSocketCloseStatus)1013, await client.WaitClosedAsync());
                Assert.Equal("hook_failed", client.CloseDescription);
                break;
        }
    }

    [Theory]
    [InlineData("Realtime:Namespaces:chat:Proxy:Connect:Url", "http://127.0.0.1:9/x", "set the connect proxy on Realtime:Namespaces:default")]
    [InlineData("Realtime:Namespaces:chat:Proxy:Publish:Url", "ftp://example/x", "Realtime:Namespaces:chat:Proxy:Publish:Url = 'ftp://example/x': must be an absolute http or https URL")]
    [InlineData("Realtime:Namespaces:chat:Proxy:Claim:TimeoutMs", "0", "Realtime:Namespaces:chat:Proxy:Claim:TimeoutMs = 0")]
    [InlineData("Realtime:Hooks:TimeoutMs", "0", "Realtime:Hooks:TimeoutMs = 0")]
    [InlineData("Realtime:Namespaces:chat:Proxy:Rpc:TimeoutMs", "60000", "Realtime:Namespaces:chat:Proxy:Rpc:TimeoutMs = 60000: must be from 1 to 10000")]
    public async Task A_wrong_proxy_setting_stops_start_up_naming_the_setting(string key, string value, string expected)
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => TestNode.StartAsync(redis: null, new() { [key] = value }));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }
}
