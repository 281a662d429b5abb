using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Polly;
using Polly.CircuitBreaker;
using Polly.Timeout;
using Realtime.AspNetCore.Protocol;

namespace Realtime.AspNetCore.Extensibility.Proxy;

/// <summary>
/// Calls the app's backend: POSTs a JSON body with the shared secret, through the resilience
/// pipeline (a circuit breaker per backend, and the endpoint's time limit), and reads the answer:
/// 2xx accepts (with <c>data</c>, if the body has it), 4xx refuses with the body's <c>code</c> and
/// <c>message</c>; anything else (redirects are not followed: the secret must not travel on), no
/// answer, or an open circuit fails the request with <c>hook_failed</c>, and running out of time with
/// <c>hook_timeout</c>. Nothing is retried: the request would wait longer than the client does, and
/// a publish hook need not be idempotent.
/// </summary>
internal sealed class HookProxyClient(IHttpClientFactory clients, Microsoft.Extensions.Options.IOptions<HookOptions> options)
{
    public const string ClientName = "realtime-proxy";

    public const string SecretHeader = "X-Realtime-Secret";

    /// <summary>The call's time limit, read by the pipeline's timeout (one client, a limit per endpoint).</summary>
    internal static readonly ResiliencePropertyKey<TimeSpan> TimeoutKey = new("realtime.proxy.timeout");

    private static readonly MediaTypeHeaderValue Json = new("application/json") { CharSet = "utf-8" };

    /// <summary>Most bytes of an answer read (the client's buffer limit); a larger one fails the call.</summary>
    internal const int MaxAnswerBytes = 1024 * 1024;

    /// <summary>
    /// The pipeline's timeout covers the call up to the answer's headers; the whole call, body included,
    /// ends this much later at the latest, so a backend that stalls mid-body cannot hold an event's loop.
    /// </summary>
    private static readonly TimeSpan BodyMargin = TimeSpan.FromSeconds(1);

    internal async ValueTask<HookResult> CallAsync(Uri url, TimeSpan timeout, byte[] body, CancellationToken cancellationToken)
    {
        var (status, answer) = await SendAsync(url, timeout, body, cancellationToken).ConfigureAwait(false);
        if (status is >= 200 and < 300)
        {
            return Accepted(answer);
        }

        if (status is >= 400 and < 500)
        {
            return Refused(status, answer);
        }

        throw Failed($"the app's backend answered {status}");
    }

    /// <summary>
    /// An event: delivered on 2xx; a 4xx is the backend's final word (returned, not retried), but for
    /// 408 and 429, which ask to be tried later; anything else throws, to be tried again.
    /// </summary>
    internal async ValueTask<int> DeliverAsync(Uri url, TimeSpan timeout, byte[] body, CancellationToken cancellationToken)
    {
        var (status, _) = await SendAsync(url, timeout, body, cancellationToken).ConfigureAwait(false);
        return status is >= 200 and < 300 || (status is >= 400 and < 500 and not 408 and not 429)
            ? status
            : throw Failed($"the app's backend answered {status}");
    }

    private async ValueTask<(int Status, byte[] Answer)> SendAsync(Uri url, TimeSpan timeout, byte[] body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = Json;
        if (options.Value.ProxySecret is { Length: > 0 } secret)
        {
            request.Headers.TryAddWithoutValidation(SecretHeader, secret);
        }

        using var whole = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        whole.CancelAfter(timeout + BodyMargin);
        var context = ResilienceContextPool.Shared.Get(whole.Token);
        context.Properties.Set(TimeoutKey, timeout);
        request.SetResilienceContext(context);
        try
        {
            // The body is read within the call (the client's buffer caps it at MaxAnswerBytes).
            using var response = await clients.CreateClient(ClientName).SendAsync(request, HttpCompletionOption.ResponseContentRead, whole.Token).ConfigureAwait(false);
            return ((int)response.StatusCode, await response.Content.ReadAsByteArrayAsync(whole.Token).ConfigureAwait(false));
        }
        catch (Exception e) when (e is TimeoutRejectedException || (e is OperationCanceledException && whole.IsCancellationRequested && !cancellationToken.IsCancellationRequested))
        {
            throw new RequestException(ErrorCodes.HookTimeout, $"the app's backend did not answer within {(int)timeout.TotalMilliseconds} ms; nothing was done");
        }
        catch (BrokenCircuitException)
        {
            throw Failed("the app's backend has been failing; calls to it are paused (circuit open)");
        }
        catch (HttpRequestException)
        {
            throw Failed("the app's backend could not be reached, or answered more than 1 MB");
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    /// <summary>2xx: empty, or an object whose <c>data</c> (if any) is the hook's data.</summary>
    private static HookResult Accepted(byte[] answer)
    {
        if (answer.Length == 0)
        {
            return HookResult.Accept();
        }

        using var document = Parse(answer);
        return document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("data", out var data)
            ? HookResult.Accept(data.Clone())
            : HookResult.Accept();
    }

    /// <summary>4xx: the app's refusal; a body without a usable code is refused as <c>forbidden</c>.</summary>
    private static HookResult Refused(int status, byte[] answer)
    {
        string? code = null, message = null;
        if (answer.Length > 0)
        {
            using var document = Parse(answer);
            if (document.RootElement.ValueKind == JsonValueKind.Object)
            {
                code = Text(document.RootElement, "code");
                message = Text(document.RootElement, "message");
            }
        }

        // A code the clients would act on by themselves (unavailable: retry) becomes forbidden too.
        return HookResult.Refuse(HookResult.IsValidCode(code) ? code! : ErrorCodes.Forbidden, message ?? $"refused by the app ({status})");
    }

    private static string? Text(JsonElement answer, string name) =>
        answer.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static JsonDocument Parse(byte[] answer)
    {
        try
        {
            return JsonDocument.Parse(answer);
        }
        catch (JsonException)
        {
            throw Failed("the app's backend answered something that is not JSON");
        }
    }

    private static RequestException Failed(string reason) => new(ErrorCodes.HookFailed, reason + "; nothing was done");
}
