using StackExchange.Redis;

namespace Realtime.AspNetCore.Backplane.Redis;

/// <summary>
/// Follows a rotating AUTH token: re-reads it every period, and more often while the node cannot reach
/// a Redis server (it may hold a token Redis no longer takes), and puts a changed one into the
/// multiplexer's configuration, which StackExchange.Redis reads on every (re)connect. Open connections
/// stay authenticated as they are, so clients and publishes carry on while the token changes; the
/// next reconnect (a failover, a network cut) uses the new one.
/// </summary>
public sealed class RedisPasswordRefresher(RedisConnection connection, TimeSpan period, TimeProvider time, ILogger<RedisPasswordRefresher> logger) : BackgroundService
{
    /// <summary>
    /// The first re-read after a server became unreachable; then twice as long each time, up to
    /// <see cref="DisconnectedMaxPeriod"/>. A refused token shows no reliable sign (StackExchange.Redis
    /// reports a refused reconnect at most once, often as a closed socket), and during a cache outage
    /// every task reads at once: Parameter Store allows an account 40 reads a second.
    /// </summary>
    public static readonly TimeSpan DisconnectedFirstPeriod = TimeSpan.FromSeconds(2);

    public static readonly TimeSpan DisconnectedMaxPeriod = TimeSpan.FromSeconds(30);

    private static readonly TimeSpan Tick = TimeSpan.FromSeconds(1);

    /// <summary>Reads the token once, and takes it when it changed.</summary>
    private async Task RefreshAsync(IRedisPasswordSource source, CancellationToken cancellationToken)
    {
        string token;
        try
        {
            token = await source.ReadAsync(cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            BackplaneLog.PasswordReadFailed(logger, source.Name, e);
            return;
        }

        if (!string.IsNullOrEmpty(token) && token != connection.Configuration.Password)
        {
            connection.Configuration.Password = token;
            BackplaneLog.PasswordChanged(logger, source.Name);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (connection.PasswordSource is not { } source)
        {
            return;
        }

        using var timer = new PeriodicTimer(period < Tick ? period : Tick, time);
        var next = time.GetUtcNow() + period;
        var disconnectedPeriod = DisconnectedFirstPeriod;
        var wasConnected = true;
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                var now = time.GetUtcNow();
                var connected = AllServersConnected();
                if (!connected && wasConnected)
                {
                    // Just lost a server: read soon, then less and less often while it stays away.
                    disconnectedPeriod = DisconnectedFirstPeriod;
                    next = Min(next, now + disconnectedPeriod);
                }

                wasConnected = connected;
                if (now < next)
                {
                    continue;
                }

                await RefreshAsync(source, stoppingToken);
                if (connected)
                {
                    next = now + period;
                }
                else
                {
                    disconnectedPeriod = Min(disconnectedPeriod * 2, DisconnectedMaxPeriod);
                    next = now + Min(disconnectedPeriod, period);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    private static T Min<T>(T a, T b) where T : IComparable<T> => a.CompareTo(b) <= 0 ? a : b;

    private bool AllServersConnected() => connection.Multiplexer.GetServers().All(server => server.IsConnected);
}
