using System.Text.Json;
using System.Text.Json.Nodes;
using Realtime.Client;

namespace Realtime.Server.Tests.Client;

/// <summary>
/// The .NET client's retries of requests with an unknown outcome, without a server: the request is a
/// fake that records the frames it is given and answers from a script.
/// </summary>
public sealed class ClientRetryTests
{
    private static RealtimeClientOptions Options(int retries = 3) => new()
    {
        Endpoints = [new Uri("ws://127.0.0.1:1/ws")],
        MinBackoff = TimeSpan.Zero,
        MaxBackoff = TimeSpan.Zero,
        PublishRetries = retries,
    };

    private static JsonElement Json(string text)
    {
        using var document = JsonDocument.Parse(text);
        return document.RootElement.Clone();
    }

    /// <summary>A request that throws the scripted errors in turn, then answers <paramref name="reply"/>; keeps each frame as sent.</summary>
    private sealed class ScriptedRequest(string reply, params string[] errors)
    {
        private int _ref;

        public List<JsonObject> Frames { get; } = [];

        public List<RealtimeException> Thrown { get; } = [];

        public Task<JsonElement> SendAsync(JsonObject frame, CancellationToken cancellationToken)
        {
            // What RequestCoreAsync does: the frame is the request's own from here on.
            frame["ref"] = ++_ref;
            Frames.Add(frame);
            if (Frames.Count <= errors.Length)
            {
                var error = new RealtimeException(errors[Frames.Count - 1], "scripted", errors[Frames.Count - 1] == "conflict" ? "alice" : null);
                Thrown.Add(error);
                throw error;
            }

            return Task.FromResult(Json(reply));
        }
    }

    [Theory]
    [InlineData("unknown_outcome")]
    [InlineData("timeout")]
    public async Task Unknown_outcomes_are_retried_until_an_answer(string code)
    {
        var attempts = 0;
        var result = await Retrying.RunAsync(
            _ => ++attempts < 3 ? throw new RealtimeException(code, "lost") : Task.FromResult("done"),
            Options(retries: 3),
            CancellationToken.None);

        Assert.Equal("done", result);
        Assert.Equal(3, attempts);
    }

    [Fact]
    public async Task Retries_stop_after_the_limit_with_the_last_error()
    {
        var request = new ScriptedRequest("""{"type":"claimed"}""", "unknown_outcome", "timeout", "unknown_outcome", "timeout");
        var error = await Assert.ThrowsAsync<RealtimeException>(
            () => Retrying.RunAsync(ct => request.SendAsync(new JsonObject(), ct), Options(retries: 2), CancellationToken.None));

        Assert.Equal(3, request.Frames.Count); // the first attempt and two retries
        Assert.Same(request.Thrown[^1], error);
        Assert.Equal("unknown_outcome", error.Code);
    }

    [Fact]
    public async Task No_retries_when_the_limit_is_zero()
    {
        var request = new ScriptedRequest("""{"type":"claimed"}""", "unknown_outcome");
        await Assert.ThrowsAsync<RealtimeException>(() => Retrying.RunAsync(ct => request.SendAsync(new JsonObject(), ct), Options(retries: 0), CancellationToken.None));
        Assert.Single(request.Frames);
    }

    [Theory]
    [InlineData("forbidden")]
    [InlineData("conflict")]
    [InlineData("rate_limited")]
    [InlineData("disconnected")]
    public void Only_unknown_outcomes_count_as_retryable(string code) =>
        Assert.False(Retrying.IsUnknownOutcome(new RealtimeException(code, "definite")));

    [Theory]
    [InlineData("forbidden")]
    [InlineData("conflict")]
    [InlineData("disconnected")]
    public async Task A_definite_error_is_thrown_at_once_with_the_publish_id(string code)
    {
        var request = new ScriptedRequest("""{"type":"published","offset":"e:1"}""", code);
        var error = await Assert.ThrowsAsync<RealtimeException>(
            () => RealtimeClient.PublishCoreAsync(request.SendAsync, "chat:lobby", JsonValue.Create(1), "msg-1", Options(), CancellationToken.None));

        Assert.Single(request.Frames);
        Assert.Equal(code, error.Code);
        Assert.Equal("msg-1", error.PublishId);
    }

    [Fact]
    public async Task A_publish_is_retried_with_the_same_id_in_a_fresh_frame_and_returns_the_offset()
    {
        var data = new JsonObject { ["text"] = "hi", ["n"] = new JsonArray(1, 2) };
        var request = new ScriptedRequest("""{"type":"published","channel":"chat:lobby","offset":"3f9a2c61d0b4:42"}""", "unknown_outcome", "timeout");

        var offset = await RealtimeClient.PublishCoreAsync(request.SendAsync, "chat:lobby", data, "order-7@shop", Options(), CancellationToken.None);

        Assert.Equal("3f9a2c61d0b4:42", offset);
        Assert.Equal(3, request.Frames.Count);
        Assert.Equal(3, request.Frames.Distinct().Count()); // a new JsonObject per attempt
        Assert.All(request.Frames, frame =>
        {
            Assert.Equal("publish", (string?)frame["type"]);
            Assert.Equal("chat:lobby", (string?)frame["channel"]);
            Assert.Equal("order-7@shop", (string?)frame["id"]);
            Assert.Equal("""{"text":"hi","n":[1,2]}""", frame["data"]!.ToJsonString());
            Assert.NotSame(data, frame["data"]);
        });
        Assert.Equal([1, 2, 3], request.Frames.Select(f => (int)f["ref"]!));
        Assert.Null(data.Parent); // the caller's node stays the caller's: it can be published again
    }

    [Fact]
    public async Task A_publish_that_never_gets_an_answer_throws_the_last_error_with_its_id()
    {
        var request = new ScriptedRequest("""{"type":"published","offset":"e:1"}""", "timeout", "unknown_outcome", "unknown_outcome", "timeout", "unknown_outcome");
        var error = await Assert.ThrowsAsync<RealtimeException>(
            () => RealtimeClient.PublishCoreAsync(request.SendAsync, "chat:lobby", data: null, "msg-9", Options(retries: 3), CancellationToken.None));

        Assert.Equal(4, request.Frames.Count);
        Assert.All(request.Frames, frame => Assert.Equal("msg-9", (string?)frame["id"]));
        Assert.Same(request.Thrown[^1], error);
        Assert.Equal("timeout", error.Code);
        Assert.Equal("msg-9", error.PublishId);
    }

    [Fact]
    public async Task A_claim_is_retried_on_an_unknown_outcome_in_a_fresh_frame()
    {
        var request = new ScriptedRequest("""{"type":"claimed","resource":"table-12@19:00","owner":"alice"}""", "unknown_outcome");
        var claimed = await RealtimeClient.ClaimCoreAsync(
            request.SendAsync, "booking:r1", "table-12@19:00", TimeSpan.FromSeconds(120), releaseOnDisconnect: true, Options(), CancellationToken.None);

        Assert.Equal("alice", claimed.GetProperty("owner").GetString());
        Assert.Equal(2, request.Frames.Count);
        Assert.NotSame(request.Frames[0], request.Frames[1]);
        Assert.All(request.Frames, frame =>
        {
            Assert.Equal("claim", (string?)frame["type"]);
            Assert.Equal("table-12@19:00", (string?)frame["resource"]);
            Assert.Equal(120, (double)frame["ttl"]!);
            Assert.True((bool)frame["releaseOnDisconnect"]!);
        });
    }

    [Fact]
    public async Task A_claim_conflict_is_not_retried()
    {
        var request = new ScriptedRequest("""{"type":"claimed"}""", "conflict");
        var error = await Assert.ThrowsAsync<RealtimeException>(
            () => RealtimeClient.ClaimCoreAsync(request.SendAsync, "booking:r1", "table-12", ttl: null, releaseOnDisconnect: false, Options(), CancellationToken.None));

        Assert.Single(request.Frames);
        Assert.Equal("conflict", error.Code);
        Assert.Equal("alice", error.Owner);
        Assert.Null(error.PublishId);
        Assert.False(request.Frames[0].ContainsKey("ttl"));
    }

    [Fact]
    public async Task A_publish_while_not_connected_fails_with_a_new_id_or_the_given_one()
    {
        await using var client = new RealtimeClient(Options());

        var generated = await Assert.ThrowsAsync<RealtimeException>(() => client.PublishAsync("chat:lobby", JsonValue.Create("x")));
        Assert.Equal("disconnected", generated.Code);
        Assert.Matches("^[0-9a-f]{32}$", generated.PublishId);

        var again = await Assert.ThrowsAsync<RealtimeException>(() => client.PublishAsync("chat:lobby", JsonValue.Create("x"), CancellationToken.None));
        Assert.NotEqual(generated.PublishId, again.PublishId);

        var given = await Assert.ThrowsAsync<RealtimeException>(() => client.PublishAsync("chat:lobby", null, "a-1:b.c@d_e"));
        Assert.Equal("a-1:b.c@d_e", given.PublishId);
    }

    [Theory]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData("slash/no")]
    [InlineData("é")]
    public async Task A_publish_id_outside_the_alphabet_is_refused_before_sending(string id)
    {
        await using var client = new RealtimeClient(Options());
        await Assert.ThrowsAsync<ArgumentException>(() => client.PublishAsync("chat:lobby", null, id));
    }

    [Fact]
    public void Publish_ids_are_one_to_128_characters_of_the_protocol_alphabet()
    {
        Assert.True(RealtimeClient.IsValidPublishId(new string('a', 128)));
        Assert.False(RealtimeClient.IsValidPublishId(new string('a', 129)));
        Assert.True(RealtimeClient.IsValidPublishId("AZaz09_-:.@"));
        Assert.True(RealtimeClient.IsValidPublishId(Guid.NewGuid().ToString("N")));
    }

    [Fact]
    public void A_negative_retry_count_is_refused()
    {
        Assert.Throws<ArgumentException>(() => new RealtimeClient(Options(retries: -1)));
    }
}
