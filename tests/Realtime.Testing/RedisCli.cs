using System.Diagnostics;

namespace Realtime.Testing;

/// <summary><c>redis-cli</c>, for what the tests ask a Redis server or cluster directly (cluster setup, PUBSUB counts).</summary>
public static class RedisCli
{
    private const string Cli = "redis-cli";

    /// <summary>Runs <c>redis-cli ARGS</c> and returns what it printed (stdout, then stderr); fails after 30 s.</summary>
    public static async Task<string> RunAsync(IEnumerable<string> args)
    {
        var start = new ProcessStartInfo(Cli, args) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{Cli} did not start");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            throw new TimeoutException($"{Cli} {string.Join(' ', start.ArgumentList)} did not finish in 30 s");
        }

        return await output.ConfigureAwait(false) + await error.ConfigureAwait(false);
    }

    /// <summary>The last line of a reply, as a number: PUBSUB NUMSUB and SHARDNUMSUB print the channel, then its count.</summary>
    public static async Task<long> CountAsync(IEnumerable<string> args) =>
        long.Parse((await RunAsync(args).ConfigureAwait(false)).Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1].Trim(), System.Globalization.CultureInfo.InvariantCulture);
}
