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
            var redis = RedisConnectionFactory.Connect(options.Redis, s.GetRequiredService<NodeIdentity>().Id, logger);
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
