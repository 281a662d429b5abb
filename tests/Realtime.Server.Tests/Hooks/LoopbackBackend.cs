using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Realtime.Server.Tests.Hooks;

/// <summary>
/// The app's backend for the HTTP proxy: a real Kestrel on loopback that answers as the request
/// names (like <see cref="ScriptedHooks"/>: accept, refuse → 409 with a code, replace → data,
/// slow → 2 s, fail → 500, garbage → not JSON). <c>/events</c> records stored events, failing the
/// first <see cref="FailEventsFirst"/> with 503; <c>/broken</c> always answers 500, <c>/stall</c>
/// after 2 s, <c>/redirect</c> with a 302 to <c>/check</c>; <c>/banned</c> refuses and
/// <c>/attach</c> accepts with data, whatever is asked.
/// </summary>
public sealed class LoopbackBackend : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _brokenHits;
    private int _stallHits;

    private LoopbackBackend(WebApplication app) => _app = app;

    public Uri Url { get; private set; } = null!;

    public ConcurrentQueue<(JsonElement Body, string? Secret)> Calls { get; } = new();

    public ConcurrentQueue<JsonElement> Events { get; } = new();

    public int FailEventsFirst { get; set; }

    public int BrokenHits => Volatile.Read(ref _brokenHits);

    public int StallHits => Volatile.Read(ref _stallHits);

    public static async Task<LoopbackBackend> StartAsync()
    {
        var app = LoopbackHttp.Create();
        var backend = new LoopbackBackend(app);
        app.MapPost("/check", backend.CheckAsync);
        app.MapPost("/events", backend.EventAsync);
        app.MapPost("/broken", () => { Interlocked.Increment(ref backend._brokenHits); return Results.StatusCode(500); });
        app.MapPost("/stall", async () => { Interlocked.Increment(ref backend._stallHits); await Task.Delay(TimeSpan.FromSeconds(2)); return Results.Ok(); });
        app.MapPost("/redirect", () => Results.Redirect("/check"));
        app.MapPost("/banned", () => Results.Json(new { code = "banned", message = "Not welcome here." }, statusCode: 403));
        app.MapPost("/attach", () => Results.Json(new { data = new { tier = "gold" } }));
        await app.StartAsync();
        backend.Url = LoopbackHttp.AddressOf(app);
        return backend;
    }

    public string At(string path) => new Uri(Url, path).ToString();

    private async Task<IResult> CheckAsync(HttpRequest request)
    {
        var body = await JsonSerializer.DeserializeAsync<JsonElement>(request.Body);
        Calls.Enqueue((body, request.Headers["X-Realtime-Secret"].FirstOrDefault()));
        switch (ModeOf(body))
        {
            case "refuse":
                return Results.Json(new { code = "taken_by_app", message = "The backend says no." }, statusCode: 409);
            case "refusebare":
                return Results.StatusCode(403);
            case "reserved":
                // A code the clients would act on by themselves: the node must not pass it on.
                return Results.Json(new { code = "unavailable", message = "Try again." }, statusCode: 409);
            case "replace":
                return Results.Json(new { data = new { by = "backend", kind = body.GetProperty("kind").GetString() } });
            case "slow":
                await Task.Delay(TimeSpan.FromSeconds(2));
                return Results.Ok();
            case "fail":
                return Results.StatusCode(500);
            case "garbage":
                return Results.Text("<html>oops</html>", "text/html");
            default:
                return Results.Ok();
        }
    }

    private async Task<IResult> EventAsync(HttpRequest request)
    {
        var body = await JsonSerializer.DeserializeAsync<JsonElement>(request.Body);
        if (FailEventsFirst > 0)
        {
            FailEventsFirst--;
            return Results.StatusCode(503);
        }

        Events.Enqueue(body);
        return Results.NoContent();
    }

    /// <summary>The method's part after ':', the resource's before '-', else the channel's second part.</summary>
    private static string ModeOf(JsonElement body)
    {
        if (body.TryGetProperty("method", out var method))
        {
            return method.GetString()!.Split(':').Last();
        }

        if (body.TryGetProperty("resource", out var resource))
        {
            return resource.GetString()!.Split('-')[0];
        }

        return body.TryGetProperty("channel", out var channel) ? ScriptedHooks.ModeOf(channel.GetString()!) : "accept";
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
