using System.Net;
using System.Net.Http.Headers;
using System.Net.WebSockets;
using System.Text;
using Realtime.Server.Tests.Infrastructure;

namespace Realtime.Server.Tests.Integration;

/// <summary>Tokens, namespaces and who may do what: nobody reads or writes where they do not belong.</summary>
public sealed class IdentityTests : IAsyncLifetime
{
    private const string ApiKey = "identity-api-key-0123456789";
    private readonly LogCapture _logs = new();
    private TestNode _node = null!;

    public async Task InitializeAsync()
    {
        var settings = Tokens.Settings(allowAnonymous: true);
        settings["Realtime:HeartbeatSeconds"] = "1";
        settings["Realtime:ClientTimeoutSeconds"] = "30";
        settings["Realtime:ApiKeys:0"] = ApiKey;
        settings["Realtime:Namespaces:members:AllowAnonymous"] = "false";
        settings["Realtime:Namespaces:user:Private"] = "true";
        settings["Realtime:Namespaces:user:AllowAnonymous"] = "false";
        settings["Realtime:Namespaces:news:Publish"] = "Server";
        settings["Realtime:Auth:FrameTimeoutSeconds"] = "3"; // short, with room for a slow machine to send the frame in time
        _node = await TestNode.StartAsync(redis: null, settings, logs: _logs);
    }

    public async Task DisposeAsync() => await _node.DisposeAsync();

    private static string Code(TestClient.Received reply) => reply.Json.GetProperty("code").GetString()!;

    [Fact]
    public async Task A_valid_token_names_the_user_in_welcome()
    {
        await using var client = await TestClient.ConnectAsync(Tokens.With(_node.WebSocket, Tokens.Create("alice")));
        Assert.Equal("alice", (await client.NextOfTypeAsync("welcome")).Json.GetProperty("user").GetString());
    }

    [Fact]
    public async Task The_authorization_header_works_too()
    {
        using var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Authorization", $"Bearer {Tokens.Create("bob")}");
        await socket.ConnectAsync(_node.WebSocket, CancellationToken.None);
        var buffer = new byte[4096];
        var result = await socket.ReceiveAsync(buffer, CancellationToken.None);
        Assert.Contains("\"user\":\"bob\"", Encoding.UTF8.GetString(buffer, 0, result.Count), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("expired")]
    [InlineData("badly-signed")]
    [InlineData("wrong-audience")]
    [InlineData("not-a-jwt")]
    [InlineData("not-yet-valid")]
    public async Task Bad_tokens_are_refused_at_the_upgrade(string kind)
    {
        var token = kind switch
        {
            "expired" => Tokens.Create("mallory", lifetime: TimeSpan.FromMinutes(-1), notBefore: DateTime.UtcNow.AddMinutes(-5)),
            "badly-signed" => Tokens.Create("mallory", key: "another-signing-key-0123456789-abcdefghijk"),
            "wrong-audience" => Tokens.Create("mallory", audience: "another-service"),
            "not-yet-valid" => Tokens.Create("mallory", notBefore: DateTime.UtcNow.AddMinutes(5), lifetime: TimeSpan.FromMinutes(10)),
            _ => "abc.def.ghi",
        };
        Assert.Equal(HttpStatusCode.Unauthorized, await TestClient.RefusedStatusAsync(Tokens.With(_node.WebSocket, token)));
    }

    [Fact]
    public async Task Without_anonymous_mode_a_missing_token_is_refused()
    {
        await using var strict = await TestNode.StartAsync(redis: null, Tokens.Settings(allowAnonymous: false));
        Assert.Equal(HttpStatusCode.Unauthorized, await TestClient.RefusedStatusAsync(strict.WebSocket));
        await using var client = await TestClient.ConnectAsync(Tokens.With(strict.WebSocket, Tokens.Create("carol")));
        Assert.Equal("carol", (await client.NextOfTypeAsync("welcome")).Json.GetProperty("user").GetString());
    }

    [Fact]
    public async Task Anonymous_connections_are_kept_out_of_members_only_namespaces()
    {
        await using var anonymous = await TestClient.ConnectAsync(_node.WebSocket);
        Assert.Equal("forbidden", Code(await anonymous.SubscribeAsync("members:lounge")));
        Assert.Equal("forbidden", Code(await anonymous.PublishAsync("members:lounge", "1")));
        Assert.Equal("subscribed", (await anonymous.SubscribeAsync("chat:open")).Type);

        await using var member = await TestClient.ConnectAsync(Tokens.With(_node.WebSocket, Tokens.Create("dave")));
        Assert.Equal("subscribed", (await member.SubscribeAsync("members:lounge")).Type);
    }

    [Fact]
    public async Task A_private_channel_is_open_only_to_its_user()
    {
        await using var erin = await TestClient.ConnectAsync(Tokens.With(_node.WebSocket, Tokens.Create("erin")));
        await using var frank = await TestClient.ConnectAsync(Tokens.With(_node.WebSocket, Tokens.Create("frank")));

        Assert.Equal("subscribed", (await erin.SubscribeAsync("user:erin:inbox")).Type);
        Assert.Equal("subscribed", (await erin.SubscribeAsync("user:erin")).Type);
        Assert.Equal("forbidden", Code(await frank.SubscribeAsync("user:erin:inbox")));
        Assert.Equal("forbidden", Code(await frank.RequestAsync("claim", "\"channel\":\"user:erin\",\"resource\":\"x\"")));
    }

    [Fact]
    public async Task Clients_cannot_publish_to_a_server_only_namespace_but_the_api_can()
    {
        await using var reader = await TestClient.ConnectAsync(_node.WebSocket);
        Assert.Equal("subscribed", (await reader.SubscribeAsync("news:today")).Type);
        Assert.Equal("forbidden", Code(await reader.PublishAsync("news:today", "\"fake news\"")));

        using var http = new HttpClient { BaseAddress = _node.Http };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/channels/news:today/messages") { Content = new StringContent("\"real news\"") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", ApiKey);
        Assert.Equal(HttpStatusCode.Accepted, (await http.SendAsync(request)).StatusCode);
        Assert.Equal("real news", (await reader.NextOfTypeAsync("message")).Json.GetProperty("data").GetString());
    }

    [Fact]
    public async Task Claims_and_releases_follow_the_rules_of_a_publish_and_never_reveal_an_owner_to_outsiders()
    {
        await using var alice = await TestClient.ConnectAsync(Tokens.With(_node.WebSocket, Tokens.Create("alice")));
        await using var mallory = await TestClient.ConnectAsync(Tokens.With(_node.WebSocket, Tokens.Create("mallory")));
        await using var anonymous = await TestClient.ConnectAsync(_node.WebSocket);
        Assert.Equal("claimed", (await alice.RequestAsync("claim", """ "channel":"user:alice","resource":"slot-1" """.Trim())).Type);

        // Another user's private channel: refused before anything is looked up, so no owner is named.
        foreach (var type in new[] { "claim", "release" })
        {
            var refused = await mallory.RequestAsync(type, """ "channel":"user:alice","resource":"slot-1" """.Trim());
            Assert.Equal("forbidden", Code(refused));
            Assert.False(refused.Json.TryGetProperty("owner", out _));
        }

        // A members-only namespace is closed to anonymous claims and releases alike.
        Assert.Equal("forbidden", Code(await anonymous.RequestAsync("claim", """ "channel":"members:x","resource":"r" """.Trim())));
        Assert.Equal("forbidden", Code(await anonymous.RequestAsync("release", """ "channel":"members:x","resource":"r" """.Trim())));

        // A server-only namespace: clients neither publish nor claim there (a claim appends an event).
        Assert.Equal("forbidden", Code(await alice.RequestAsync("claim", """ "channel":"news:today","resource":"r" """.Trim())));
        Assert.Equal("forbidden", Code(await alice.RequestAsync("release", """ "channel":"news:today","resource":"r" """.Trim())));
    }

    private Uri AuthInFrame => new UriBuilder(_node.WebSocket) { Query = "auth=frame" }.Uri;

    [Fact]
    public async Task A_token_in_the_first_frame_names_the_user_and_nothing_is_said_before_it()
    {
        await using var client = await TestClient.ConnectAsync(AuthInFrame);
        await Assert.ThrowsAsync<TimeoutException>(() => client.NextOfTypeAsync("welcome", TimeSpan.FromMilliseconds(300)));

        await client.SendAsync($$"""{"type":"auth","token":"{{Tokens.Create("carol")}}"}""");

        Assert.Equal("carol", (await client.NextOfTypeAsync("welcome")).Json.GetProperty("user").GetString());
        Assert.Equal("bad_request", Code(await client.RequestAsync("auth", $$""" "token":"{{Tokens.Create("carol")}}" """.Trim()))); // only first
    }

    [Fact]
    public async Task The_dotnet_client_sends_its_token_in_a_header_not_the_url()
    {
        var token = Tokens.Create("dave");
        await using var client = new Realtime.Client.RealtimeClient(new Realtime.Client.RealtimeClientOptions
        {
            Endpoints = [_node.WebSocket],
            TokenProvider = _ => ValueTask.FromResult<string?>(token),
        });

        var welcome = await client.ConnectAsync().WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal("dave", welcome.GetProperty("user").GetString());
        Assert.DoesNotContain(token, _logs.All, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_dotnet_client_refreshes_its_token_before_it_expires()
    {
        await using var client = new Realtime.Client.RealtimeClient(new Realtime.Client.RealtimeClientOptions
        {
            Endpoints = [_node.WebSocket],
            TokenProvider = _ => ValueTask.FromResult<string?>(Tokens.Create("erin", TimeSpan.FromMinutes(1))),
        });
        await client.ConnectAsync().WaitAsync(TimeSpan.FromSeconds(10));

        var expires = await client.RefreshAsync(Tokens.Create("erin", TimeSpan.FromMinutes(10)));

        Assert.InRange(expires, DateTimeOffset.UtcNow.AddMinutes(9), DateTimeOffset.UtcNow.AddMinutes(11));
        var refused = await Assert.ThrowsAsync<Realtime.Client.RealtimeException>(() => client.RefreshAsync(Tokens.Create("mallory")));
        Assert.Equal("forbidden", refused.Code); // a token for another user is not a refresh
    }

    [Fact]
    public async Task Silent_sockets_waiting_to_authenticate_cannot_take_every_slot()
    {
        // A node of its own with a long wait, so the count does not depend on how fast sockets open.
        var settings = Tokens.Settings(allowAnonymous: true);
        settings["Realtime:Auth:FrameTimeoutSeconds"] = "60";
        settings["Realtime:Auth:MaxPendingFrames"] = "3";
        await using var node = await TestNode.StartAsync(redis: null, settings);
        var authInFrame = new UriBuilder(node.WebSocket) { Query = "auth=frame" }.Uri;
        var silent = new List<TestClient>();
        for (var i = 0; i < 3; i++)
        {
            silent.Add(await TestClient.ConnectAsync(authInFrame));
        }

        Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, await TestClient.RefusedStatusAsync(authInFrame));
        await using (var withHeader = await TestClient.ConnectAsync(Tokens.With(node.WebSocket, Tokens.Create("erin"))))
        {
            Assert.Equal("erin", (await withHeader.NextOfTypeAsync("welcome")).Json.GetProperty("user").GetString()); // others still get in
        }

        foreach (var client in silent)
        {
            await client.DisposeAsync(); // gone without authenticating: its place is given back
        }

        await Eventually.TrueAsync(async () =>
        {
            await using var later = await TestClient.ConnectAsync(authInFrame);
            await later.SendAsync($$"""{"type":"auth","token":"{{Tokens.Create("erin")}}"}""");
            return (await later.NextOfTypeAsync("welcome")).Json.GetProperty("user").GetString() == "erin";
        }, "a place waiting to authenticate is free again");
    }

    [Theory]
    [InlineData("bad-token")]
    [InlineData("not-auth")]
    [InlineData("silence")]
    public async Task A_connection_that_does_not_authenticate_in_its_first_frame_is_closed_with_1008(string kind)
    {
        await using var client = await TestClient.ConnectAsync(AuthInFrame);
        switch (kind)
        {
            case "bad-token":
                await client.SendAsync($$"""{"type":"auth","token":"{{Tokens.Create("carol", key: "another-signing-key-0123456789-abcdefghijklmn")}}"}""");
                break;
            case "not-auth":
                await client.SendAsync("""{"type":"subscribe","channel":"chat:x","ref":1}""");
                break;
        }

        Assert.Equal(WebSocketCloseStatus.PolicyViolation, await client.WaitClosedAsync(TimeSpan.FromSeconds(8)));
        Assert.DoesNotContain(client.TakeAll(), f => f.Type == "welcome");
    }

    [Fact]
    public async Task A_user_token_is_not_an_api_key()
    {
        using var http = new HttpClient { BaseAddress = _node.Http };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/channels/news:today/messages") { Content = new StringContent("1") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Tokens.Create("grace"));
        Assert.Equal(HttpStatusCode.Forbidden, (await http.SendAsync(request)).StatusCode);
    }

    [Fact]
    public async Task An_expiring_token_closes_the_connection_with_1008_unless_refreshed()
    {
        var shortLived = TimeSpan.FromSeconds(5); // whole seconds in the token: it lapses 4 to 5 s from now
        await using var lapsing = await TestClient.ConnectAsync(Tokens.With(_node.WebSocket, Tokens.Create("heidi", shortLived)));
        await using var refreshing = await TestClient.ConnectAsync(Tokens.With(_node.WebSocket, Tokens.Create("ivan", shortLived)));

        var refreshed = await refreshing.RequestAsync("refresh", $"\"token\":\"{Tokens.Create("ivan", TimeSpan.FromMinutes(5))}\"");
        Assert.Equal("refreshed", refreshed.Type);
        Assert.True(refreshed.Json.GetProperty("expires").GetInt64() > DateTimeOffset.UtcNow.AddMinutes(4).ToUnixTimeSeconds());

        Assert.Equal(WebSocketCloseStatus.PolicyViolation, await lapsing.WaitClosedAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal("token expired", lapsing.CloseDescription);
        Assert.Equal("pong", (await refreshing.RequestAsync("ping")).Type);
    }

    [Fact]
    public async Task Refresh_with_another_users_or_a_bad_token_is_refused()
    {
        await using var client = await TestClient.ConnectAsync(Tokens.With(_node.WebSocket, Tokens.Create("judy")));
        Assert.Equal("forbidden", Code(await client.RequestAsync("refresh", $"\"token\":\"{Tokens.Create("mallory")}\"")));
        Assert.Equal("forbidden", Code(await client.RequestAsync("refresh", "\"token\":\"abc.def.ghi\"")));

        await using var anonymous = await TestClient.ConnectAsync(_node.WebSocket);
        Assert.Equal("forbidden", Code(await anonymous.RequestAsync("refresh", $"\"token\":\"{Tokens.Create("judy")}\"")));
    }

    [Fact]
    public async Task Tokens_and_keys_never_reach_the_logs()
    {
        var token = Tokens.Create("kim");
        await using (var client = await TestClient.ConnectAsync(Tokens.With(_node.WebSocket, token)))
        {
            await client.RequestAsync("refresh", $"\"token\":\"{token}\"");
            await client.SubscribeAsync("members:x");
        }

        await TestClient.RefusedStatusAsync(Tokens.With(_node.WebSocket, Tokens.Create("kim", key: "another-signing-key-0123456789-abcdefghijk")));
        using var http = new HttpClient { BaseAddress = _node.Http };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/channels/news:x/messages") { Content = new StringContent("1") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", ApiKey);
        await http.SendAsync(request);

        var logs = _logs.All;
        Assert.NotEmpty(logs);
        Assert.DoesNotContain(token, logs, StringComparison.Ordinal);
        Assert.DoesNotContain(token.Split('.')[2], logs, StringComparison.Ordinal); // not even the signature
        Assert.DoesNotContain(Tokens.SigningKey, logs, StringComparison.Ordinal);
        Assert.DoesNotContain(ApiKey, logs, StringComparison.Ordinal);
    }
}
