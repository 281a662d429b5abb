using StackExchange.Redis;

namespace Realtime.AspNetCore.Backplane.Redis;

/// <summary>
/// Follows a rotating AUTH token: re-reads it every period, and every few seconds while the node
/// cannot reach a Redis server (it may hold a token Redis no longer takes), and puts a changed one
/// into the multiplexer's configuration, which StackExchange.Redis reads on every (re)connect. Open
/// connections stay authenticated as they are, so clients and publishes carry on while the token
/// changes; the next reconnect (a failover, a network cut) uses the new one.
/// </summary>
public sealed class RedisPasswordRefresher(RedisConnection connection, TimeSpan period, ILogger<RedisPasswordRefresher> logger) : BackgroundService
{
    /// <summary>
    /// How often the token is read while a server is unreachable. A refused token shows no reliable
    /// sign: StackExchange.Redis reports a refused reconnect at most once, often as a closed socket.
    /// </summary>
    public static readonly TimeSpan DisconnectedPeriod = TimeSpan.FromSeconds(2);

    /// <summary>Reads the token once; true when it changed.</summary>
    public async Task<bool> RefreshAsync(CancellationToken cancellationToken)
    {
        if (connection.PasswordSource is not { } source)
        {
            return false;
        }

        string token;
        try
        {
            token = await source.ReadAsync(cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            BackplaneLog.PasswordReadFailed(logger, source.Name, e);
            return false;
        }

        if (string.IsNullOrEmpty(token) || token == connection.Configuration.Password)
        {
            return false;
        }

        connection.Configuration.Password = token;
        BackplaneLog.PasswordChanged(logger, source.Name);
        return true;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (connection.PasswordSource is null)
        {
            return;
        }

        var tick = period < DisconnectedPeriod ? period : DisconnectedPeriod;
        using var timer = new PeriodicTimer(tick);
        var lastRead = DateTime.UtcNow;
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                if (DateTime.UtcNow - lastRead >= period || !AllServersConnected())
                {
                    lastRead = DateTime.UtcNow;
                    await RefreshAsync(stoppingToken);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    private bool AllServersConnected() => connection.Multiplexer.GetServers().All(server => server.IsConnected);
}
