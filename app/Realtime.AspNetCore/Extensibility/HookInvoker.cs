using Realtime.AspNetCore.Diagnostics;
using Realtime.AspNetCore.Protocol;

namespace Realtime.AspNetCore.Extensibility;

/// <summary>
/// Runs hooks within their time limits and turns what goes wrong into the documented errors: a
/// refusal into the app's code and message, a throw into <c>hook_failed</c>, no answer in time into
/// <c>hook_timeout</c>. A hook that ignores its token still times out: the request stops waiting.
/// </summary>
public sealed class HookInvoker(RealtimeMetrics metrics, ILogger<HookInvoker> logger)
{
    /// <summary>Runs the steps in order; each sees the data the one before it accepted with. Returns the last data given, if any.</summary>
    internal async ValueTask<System.Text.Json.JsonElement?> RunAsync<TContext>(
        IReadOnlyList<HookStep<TContext>> steps,
        TContext context,
        Func<TContext, System.Text.Json.JsonElement, TContext>? withData,
        CancellationToken cancellationToken)
    {
        System.Text.Json.JsonElement? data = null;
        foreach (var step in steps)
        {
            var result = await RunAsync(step, context, cancellationToken).ConfigureAwait(false);
            if (!result.Accepted)
            {
                throw new RequestException(result.RefusalCode!, result.Message ?? "");
            }

            if (result.Data is { } given)
            {
                data = given;
                context = withData is null ? context : withData(context, given);
            }
        }

        return data;
    }

    internal async ValueTask<HookResult> RunAsync<TContext>(HookStep<TContext> step, TContext context, CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(step.Timeout);
        try
        {
            var pending = step.Call(context, limit.Token);
            return pending.IsCompletedSuccessfully
                ? pending.Result
                : await pending.AsTask().WaitAsync(step.Timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw; // the connection went: nobody is left to answer
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException)
        {
            metrics.HookFailed(step.Kind, timedOut: true);
            HookLog.TimedOut(logger, step.Kind, step.Source, (int)step.Timeout.TotalMilliseconds);
            throw new RequestException(ErrorCodes.HookTimeout, $"the app's {step.Kind} hook did not answer within {(int)step.Timeout.TotalMilliseconds} ms; nothing was done");
        }
        catch (RequestException e) when (e.Code is ErrorCodes.HookFailed or ErrorCodes.HookTimeout)
        {
            // The proxy's own verdict on its backend (a 5xx, an open circuit, a timeout).
            metrics.HookFailed(step.Kind, timedOut: e.Code == ErrorCodes.HookTimeout);
            HookLog.BackendFailed(logger, step.Kind, step.Source, e.Message);
            throw;
        }
        catch (Exception e)
        {
            metrics.HookFailed(step.Kind, timedOut: false);
            HookLog.Threw(logger, step.Kind, step.Source, e);
            throw new RequestException(ErrorCodes.HookFailed, $"the app's {step.Kind} hook failed; nothing was done");
        }
    }
}
