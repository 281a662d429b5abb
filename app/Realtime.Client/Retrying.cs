namespace Realtime.Client;

/// <summary>
/// Repeats a request whose outcome is unknown, for requests that are safe to repeat (a publish with
/// its idempotency id, a claim). Only <c>unknown_outcome</c> (the backplane got the request but its
/// reply was lost) and the client's own <c>timeout</c> are repeated: any other error is a definite
/// answer (<c>forbidden</c>, <c>conflict</c>, …) that a second attempt would only repeat, and
/// <c>disconnected</c> fails at once on the same dead connection, so the app decides after reconnecting.
/// </summary>
internal static class Retrying
{
    public static bool IsUnknownOutcome(RealtimeException exception) =>
        exception.Code is "unknown_outcome" or "timeout";

    /// <summary>
    /// Runs <paramref name="attempt"/> up to 1 + <see cref="RealtimeClientOptions.PublishRetries"/> times,
    /// waiting a jittered <see cref="Backoff"/> between attempts so that the clients hit by one backplane
    /// hiccup do not all repeat at the same moment. The last attempt's exception is the one thrown.
    /// </summary>
    public static async Task<T> RunAsync<T>(Func<CancellationToken, Task<T>> attempt, RealtimeClientOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(attempt);
        ArgumentNullException.ThrowIfNull(options);
        var retries = Math.Max(0, options.PublishRetries);
        for (var retry = 0; ; retry++)
        {
            try
            {
                return await attempt(cancellationToken).ConfigureAwait(false);
            }
            catch (RealtimeException e) when (retry < retries && IsUnknownOutcome(e))
            {
                // Maybe applied, maybe not: the same request again settles it.
            }

            await Task.Delay(Backoff.Delay(retry, options.MinBackoff, options.MaxBackoff, options.Random), cancellationToken).ConfigureAwait(false);
        }
    }
}
