using Microsoft.Extensions.Options;
using Realtime.AspNetCore.Backplane;
using Realtime.AspNetCore.Backplane.InMemory;
using Realtime.AspNetCore.Backplane.Redis;
using Realtime.AspNetCore.Features;
using StackExchange.Redis;
using Realtime.AspNetCore.Diagnostics;

namespace Realtime.AspNetCore.Hosting;

/// <summary>
/// The backplane a node runs with, and the presence, claim and fleet-load stores that live on it:
/// one call registers them all. <see cref="RealtimeServerExtensions.AddRealtimeServer(IServiceCollection, IConfiguration)"/>
/// picks one from <c>Realtime:Redis:ConnectionString</c>.
/// </summary>
public static class BackplaneRegistration
{
    /// <summary>Redis (or Valkey): channels fan out across nodes, history and claims are shared. Needs <c>Realtime:Redis:ConnectionString</c>.</summary>
    public static IServiceCollection AddRedisBackplane(this IServiceCollection services)
    {
        services.AddSingleton(s =>
        {
            var options = s.GetRequiredService<IOptions<RealtimeOptions>>().Value;
            var logger = s.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(RedisConnectionFactory));
            return RedisConnectionFactory.Connect(options.Redis, s.GetRequiredService<NodeIdentity>().Id, logger, PasswordSource(s, options.Redis));
        });
        services.AddSingleton(s =>
        {
            var redis = s.GetRequiredService<RedisConnection>().Multiplexer;
            var metrics = s.GetRequiredService<RealtimeMetrics>();
            redis.ConnectionRestored += (_, e) =>
            {
                if (e.ConnectionType == ConnectionType.Subscription)
                {
                    metrics.BackplaneReconnected();
                }
            };
            return redis;
        });
        services.AddHostedService(s => new RedisPasswordRefresher(
            s.GetRequiredService<RedisConnection>(),
            TimeSpan.FromSeconds(s.GetRequiredService<IOptions<RealtimeOptions>>().Value.Redis.PasswordRefreshSeconds),
            s.GetRequiredService<TimeProvider>(),
            s.GetRequiredService<ILogger<RedisPasswordRefresher>>()));
        services.AddSingleton(s =>
        {
            var options = s.GetRequiredService<IOptions<RealtimeOptions>>().Value;
            return new RedisBackplaneSettings(options.Redis.KeyPrefix, options.MaxReplayBytes);
        });
        services.AddSingleton<RedisBackplane>();
        services.AddSingleton<IBackplane>(s => s.GetRequiredService<RedisBackplane>());
        services.AddSingleton<IPresenceStore>(s => ActivatorUtilities.CreateInstance<RedisPresenceStore>(s,
            TimeSpan.FromSeconds(s.GetRequiredService<IOptions<RealtimeOptions>>().Value.HeartbeatSeconds)));
        services.AddSingleton<IClaimStore, RedisClaimStore>();
        services.AddSingleton<IFleetLoad, RedisFleetLoad>();
        services.AddSingleton(new BackplaneKind("redis"));
        return services;
    }

    /// <summary>
    /// An <see cref="IRedisPasswordSource"/> the app registered, else <c>Realtime:Redis:PasswordFile</c>,
    /// else <c>Realtime:Redis:PasswordSecretId</c>; none: the token never changes while the node runs.
    /// </summary>
    private static IRedisPasswordSource? PasswordSource(IServiceProvider services, RedisOptions redis) =>
        services.GetService<IRedisPasswordSource>()
        ?? (redis.PasswordFile is { Length: > 0 } file ? new FilePasswordSource(file)
            : redis.PasswordSecretId is { Length: > 0 } secret ? new SecretsManagerPasswordSource(secret, new Amazon.SimpleSystemsManagement.AmazonSimpleSystemsManagementClient())
            : null);

    /// <summary>In this process only: one node, nothing shared, nothing kept across restarts.</summary>
    public static IServiceCollection AddInMemoryBackplane(this IServiceCollection services)
    {
        services.AddSingleton<InMemoryBackplane>();
        services.AddSingleton<IBackplane>(s => s.GetRequiredService<InMemoryBackplane>());
        services.AddSingleton<IPresenceStore, InMemoryPresenceStore>();
        services.AddSingleton<IClaimStore, InMemoryClaimStore>();
        services.AddSingleton<IFleetLoad, InMemoryFleetLoad>();
        services.AddSingleton(new BackplaneKind("in-memory"));
        return services;
    }
}

/// <summary>Which backplane was registered, as the start-up log names it.</summary>
public sealed record BackplaneKind(string Name);
