using System.Net.WebSockets;

namespace Realtime.Client;

/// <summary>
/// What the client does after a connection ends: stop for good (the server refused it by policy,
/// 1008), come back at once with a little jitter (a deploy: 1012, or the server asked it to
/// reconnect), or back off exponentially (a failure). Counts the failures in a row.
/// </summary>
internal sealed class ReconnectPolicy(RealtimeClientOptions options)
{
    private const int ServiceRestart = 1012;

    private int _failures;

    /// <summary>Whether any connection has been tried yet (the first is "connecting", later ones "reconnecting").</summary>
    public bool FirstAttempt => _failures == 0;

    /// <summary>The next step after a connection that ended with <paramref name="closeCode"/> (null: it never opened, or dropped).</summary>
    public (bool Stop, TimeSpan Delay) After(int? closeCode, bool drained)
    {
        if (closeCode == (int)WebSocketCloseStatus.PolicyViolation)
        {
            return (true, TimeSpan.Zero);
        }

        if (closeCode == ServiceRestart || drained)
        {
            _failures = 0; // a deploy, not a failure: come back at once, jittered, elsewhere
            return (false, TimeSpan.FromMilliseconds(options.Random.NextDouble() * options.MinBackoff.TotalMilliseconds));
        }

        return (false, Backoff.Delay(_failures++, options.MinBackoff, options.MaxBackoff, options.Random));
    }
}
