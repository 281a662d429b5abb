using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using Realtime.AspNetCore.Features;
using Realtime.AspNetCore.Protocol;
using Realtime.AspNetCore.Identity;

namespace Realtime.AspNetCore.Application;

/// <summary>
/// <c>POST /api/channels/{channel}/messages</c>: backends publish without a WebSocket. The body is
/// the message's <c>data</c> (any JSON). Authorized by <c>Authorization: Bearer KEY</c> against
/// <c>Realtime:ApiKeys</c>, compared in constant time; 401 without a key, 403 with a wrong one.
/// </summary>
public static class ServerApi
{
    public static IEndpointRouteBuilder MapServerApi(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup("").AddEndpointFilter(AsSpelled);
        api.MapPost("/api/channels/{channel}/messages", PublishAsync);
        api.MapGet("/api/channels/{channel}/presence", PresenceAsync);
        api.MapDelete("/api/channels/{channel}/claims/{resource}", ReleaseAsync);
        api.MapPost("/api/drain", Drain);
        return endpoints;
    }

    /// <summary>
    /// Only <c>/api/</c> exactly as written reaches the API. Routing ignores case and decodes the path,
    /// but the load balancer's rule that keeps the API off the public listeners matches the raw
    /// path as written: <c>/API/…</c> or <c>/%61pi/…</c> would slip past it.
    /// </summary>
    private static ValueTask<object?> AsSpelled(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var raw = context.HttpContext.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpRequestFeature>()?.RawTarget ?? "";
        return raw.StartsWith("/api/", StringComparison.Ordinal)
            ? next(context)
            : ValueTask.FromResult<object?>(Results.NotFound());
    }

    private static async Task<IResult> PublishAsync(
        string channel,
        HttpRequest request,
        SubscriptionService subscriptions,
        IOptions<RealtimeOptions> options,
        CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (Refused(request, channel, settings) is { } refused)
        {
            return refused;
        }

        var body = await ReadBodyAsync(request, settings.MaxMessageBytes, cancellationToken).ConfigureAwait(false);
        if (body is null)
        {
            return Results.Problem($"the body exceeds {settings.MaxMessageBytes} bytes", statusCode: StatusCodes.Status413PayloadTooLarge);
        }

        if (!IsOneJsonValue(body))
        {
            return Results.Problem("the body must be one JSON value (the message's data)", statusCode: StatusCodes.Status400BadRequest);
        }

        // The standard header names the publish id: a backend that retries a request whose answer
        // it lost sends the same key, and the message is stored once.
        var id = request.Headers["Idempotency-Key"].FirstOrDefault() is { Length: > 0 } key ? key : null;
        try
        {
            var offset = await subscriptions.PublishAsync(channel, body, id, cancellationToken).ConfigureAwait(false);
            return Results.Json(new PublishAccepted(channel, offset), ProtocolJsonContext.Default.PublishAccepted, statusCode: StatusCodes.Status202Accepted);
        }
        catch (RequestException e)
        {
            return Problem(e);
        }
        catch (Exception e) when (BackplaneErrors.Handles(e))
        {
            return Problem(BackplaneErrors.ToRequestException(e, "publish", hasId: id is not null));
        }
    }

    private static async Task<IResult> PresenceAsync(string channel, HttpRequest request, PresenceService presence, IOptions<RealtimeOptions> options, CancellationToken cancellationToken)
    {
        if (Refused(request, channel, options.Value) is { } refused)
        {
            return refused;
        }

        try
        {
            var members = await presence.MembersAsync(channel, cancellationToken).ConfigureAwait(false);
            return Results.Json(members.ToList(), FeaturesJsonContext.Default.ListPresenceMember);
        }
        catch (RequestException e)
        {
            return Problem(e);
        }
        catch (Exception e) when (BackplaneErrors.Handles(e))
        {
            return Problem(BackplaneErrors.ToRequestException(e, "presence", hasId: false));
        }
    }

    private static async Task<IResult> ReleaseAsync(string channel, string resource, HttpRequest request, ClaimService claims, IOptions<RealtimeOptions> options, CancellationToken cancellationToken)
    {
        if (Refused(request, channel, options.Value) is { } refused)
        {
            return refused;
        }

        try
        {
            var outcome = await claims.ReleaseByServerAsync(channel, resource, cancellationToken).ConfigureAwait(false);
            return outcome.Status == ClaimStatus.Done
                ? Results.Json(new PublishAccepted(channel, outcome.Offset!), ProtocolJsonContext.Default.PublishAccepted)
                : Results.Problem($"'{resource}' is not claimed", statusCode: StatusCodes.Status404NotFound);
        }
        catch (RequestException e)
        {
            return Problem(e);
        }
        catch (Exception e) when (BackplaneErrors.Handles(e))
        {
            return Problem(BackplaneErrors.ToRequestException(e, "release", hasId: false));
        }
    }

    /// <summary>
    /// <c>POST /api/drain</c>: this node starts its drain (once; a repeat joins it) and answers 202.
    /// Called on the task's own address by the function that ECS's task events invoke, with
    /// <c>Realtime:Drain:Token</c>, not an API key: a backend that may publish may not drain nodes.
    /// 404 when no token is configured or the request came through a load balancer; 409 when it
    /// names another ECS task than this one (a late event, the address reused).
    /// </summary>
    private static IResult Drain(HttpRequest request, NodeDrain drain, NodeIdentity node, IOptions<RealtimeOptions> options)
    {
        // Not through a load balancer (which adds X-Forwarded-For): it would drain whichever task
        // the request landed on. The function calls the task's own address.
        if (options.Value.Drain.Token is not { Length: > 0 } token || request.Headers.ContainsKey("X-Forwarded-For"))
        {
            return Results.NotFound();
        }

        if (Unauthorized(request, [token]) is { } refused)
        {
            return refused;
        }

        // An event about another task (its address since given to this one): not this node's drain.
        if (request.Headers[TaskArnHeader].FirstOrDefault() is { Length: > 0 } target && node.TaskArn is { } mine && target != mine)
        {
            return Results.Problem("this address belongs to another task now", statusCode: StatusCodes.Status409Conflict);
        }

        _ = drain.BeginAsync("drain endpoint");
        return Results.Accepted();
    }

    /// <summary>The task the drain function means (the event's <c>taskArn</c>).</summary>
    public const string TaskArnHeader = "X-Ecs-Task-Arn";

    /// <summary>401 without a key, 403 with a wrong one, 400 for a bad channel name; null when the request may proceed.</summary>
    private static IResult? Refused(HttpRequest request, string channel, RealtimeOptions settings)
    {
        if (Unauthorized(request, settings.ApiKeys) is { } refused)
        {
            return refused;
        }

        return ChannelName.IsValid(channel)
            ? null
            : Results.Problem($"channel must match {ChannelName.Rule}", statusCode: StatusCodes.Status400BadRequest);
    }

    /// <summary>401 without a key, 403 with one that is not among <paramref name="keys"/>; null when it is.</summary>
    private static IResult? Unauthorized(HttpRequest request, List<string> keys)
    {
        if (BearerToken.From(request.Headers[HeaderNames.Authorization].ToString()) is not { } key)
        {
            request.HttpContext.Response.Headers[HeaderNames.WWWAuthenticate] = BearerToken.Scheme;
            return Results.Problem("a key is required: Authorization: Bearer KEY", statusCode: StatusCodes.Status401Unauthorized);
        }

        return IsKnownKey(key, keys) ? null : Results.Problem("the key is not valid", statusCode: StatusCodes.Status403Forbidden);
    }

    private static IResult Problem(RequestException e) => Results.Problem(e.Message, statusCode: e.Code switch
    {
        ErrorCodes.Unavailable => StatusCodes.Status503ServiceUnavailable,
        ErrorCodes.UnknownOutcome => StatusCodes.Status504GatewayTimeout,
        ErrorCodes.Forbidden => StatusCodes.Status403Forbidden,
        _ => StatusCodes.Status400BadRequest,
    });

    private static bool IsKnownKey(string presented, List<string> keys)
    {
        var presentedBytes = Encoding.UTF8.GetBytes(presented);
        var match = false;
        foreach (var key in keys)
        {
            // Every key is compared, in constant time, so timing reveals neither which nor how much matched.
            match |= CryptographicOperations.FixedTimeEquals(presentedBytes, Encoding.UTF8.GetBytes(key));
        }

        return match;
    }

    /// <summary>The body, or null when it is larger than <paramref name="limit"/>.</summary>
    private static async Task<byte[]?> ReadBodyAsync(HttpRequest request, int limit, CancellationToken cancellationToken)
    {
        var buffer = new ArrayBufferWriter<byte>();
        while (true)
        {
            var read = await request.Body.ReadAsync(buffer.GetMemory(4096), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                return buffer.WrittenSpan.ToArray();
            }

            buffer.Advance(read);
            if (buffer.WrittenCount > limit)
            {
                return null;
            }
        }
    }

    private static bool IsOneJsonValue(byte[] body)
    {
        try
        {
            var reader = new Utf8JsonReader(body);
            return reader.Read() && reader.TrySkip() && !reader.Read();
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
