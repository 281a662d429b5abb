using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using Realtime.AspNetCore.Channels;
using Realtime.AspNetCore.Connections;
using Realtime.AspNetCore.Connections.Handshake;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Realtime.AspNetCore.Identity;
using Realtime.AspNetCore.Overload;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Realtime.AspNetCore.Diagnostics;
using Realtime.AspNetCore.Application;
using Realtime.AspNetCore.Extensibility;

namespace Realtime.AspNetCore.Hosting;

/// <summary>Registers and maps the real-time server; <c>Program.cs</c> only calls these.</summary>
public static class RealtimeServerExtensions
{
    /// <summary>Services, options (validated at start-up), logging and shutdown timing of the server.</summary>
    public static IHostApplicationBuilder AddRealtimeServer(this IHostApplicationBuilder builder)
    {
        builder.Logging.ClearProviders();
        builder.Logging.AddJsonConsole(json => json.UseUtcTimestamp = true);
        // Request logs carry the URL, and a browser's token travels in it (?access_token=): keep them
        // out. None, not Warning: while any level is on, hosting creates an Activity and a log scope
        // for every request, and a WebSocket request keeps them for the connection's whole life.
        builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.None);
        builder.Logging.AddFilter("Microsoft.AspNetCore.Routing", LogLevel.Warning);
        // Kestrel logs a warning for every connection it closes at its limit: a flood would become
        // a flood of log lines. The node counts them instead (realtime.connections.refused, accept).
        builder.Logging.AddFilter(KestrelRejections.LogCategory, LogLevel.Error);
        builder.Services.AddRealtimeServer(builder.Configuration);
        return builder;
    }

    public static IServiceCollection AddRealtimeServer(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton(ProcessLimits.Current);
        services.AddOptions<RealtimeOptions>()
            .Bind(configuration.GetSection(RealtimeOptions.SectionName))
            .PostConfigure<ProcessLimits>(ConnectionBudget.ApplyDefault)
            // ECS names its task metadata endpoint in this variable; a setting of its own wins.
            .PostConfigure(o => o.Drain.EcsMetadataUri ??= configuration["ECS_CONTAINER_METADATA_URI_V4"])
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<RealtimeOptions>, RealtimeOptionsValidator>();
        services.AddSingleton<IValidateOptions<RealtimeOptions>, ConnectionBudget.Validator>();

        // The host must wait for the drain, plus time to close the last sockets and the backplane.
        services.AddOptions<HostOptions>().Configure<IOptions<RealtimeOptions>>((host, realtime) =>
            host.ShutdownTimeout = TimeSpan.FromSeconds(realtime.Value.DrainSeconds + RealtimeOptions.ShutdownMarginSeconds));

        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<NodeIdentity>();
        services.AddSingleton<RealtimeMetrics>();
        services.AddSingleton<DrainState>();
        services.AddSingleton<ConnectionManager>();
        services.AddSingleton(s => ActivatorUtilities.CreateInstance<ChannelRegistry>(s, s.GetRequiredService<IOptions<RealtimeOptions>>().Value.MaxReplay));
        services.AddSingleton(s => new ChannelRules(s.GetRequiredService<IOptions<RealtimeOptions>>().Value.Namespaces));
        services.AddSingleton<SubscriptionService>();
        services.AddSingleton<PresenceService>();
        services.AddSingleton<ClaimService>();
        services.AddRealtimeHookServices();
        // Lower layers (Protocol up to Features) take their own part of the validated options, never the whole.
        services.AddSingleton(s => Options.Create(s.GetRequiredService<IOptions<RealtimeOptions>>().Value.Auth));
        services.AddSingleton<TokenValidator>();
        services.AddSingleton<RequestDispatcher>();
        services.AddSingleton<IFrameHandlerFactory>(s => s.GetRequiredService<RequestDispatcher>());
        services.AddSingleton<OriginPolicy>();
        services.AddSingleton<WebSocketAdmission>();
        services.AddSingleton<AuthFrameReader>();
        services.AddSingleton<WebSocketSessions>();
        services.AddSingleton<WebSocketEndpoint>();

        // The file budget, enforced by Kestrel for connections that are not WebSockets: past the
        // limit one is closed as soon as it is accepted, and an upgraded socket leaves the count.
        // ConnectionManager counts every WebSocket against MaxConnections, on both paths. Kestrel's
        // own count of upgrades through HTTP is a backstop only: it lets go of a socket after the
        // node has, so at MaxConnections alone it would refuse an upgrade the node had admitted.
        services.AddOptions<KestrelServerOptions>().Configure<IOptions<RealtimeOptions>>((kestrel, realtime) =>
        {
            var overload = realtime.Value.Overload;
            kestrel.Limits.MaxConcurrentConnections = overload.MaxPendingConnections;
            kestrel.Limits.MaxConcurrentUpgradedConnections = realtime.Value.MaxConnections + overload.MaxPendingConnections;
        });

        // Every Kestrel endpoint, including those from --urls, answers a connection that opens with
        // a WebSocket upgrade below HTTP (less memory per socket); all else goes on to HTTP.
        services.AddOptions<KestrelServerOptions>().Configure(kestrel => kestrel.ConfigureEndpointDefaults(listen =>
            listen.Use(next => ActivatorUtilities.CreateInstance<WebSocketHandshakeMiddleware>(listen.ApplicationServices, next, kestrel.Limits).OnConnectedAsync)));

        var redis = configuration.GetSection(RealtimeOptions.SectionName).GetValue<string>("Redis:ConnectionString");
        if (string.IsNullOrWhiteSpace(redis))
        {
            services.AddInMemoryBackplane();
        }
        else
        {
            services.AddRedisBackplane();
        }

        // JwtBearer's options (issuer, audience, keys, and the authority's JWKS through the
        // configuration manager its post-configuration builds) drive TokenValidator. No
        // authentication scheme is registered: a sole scheme would become the default and run on
        // every request, trying the server API's keys as JWTs.
        services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<IOptions<RealtimeOptions>>((bearer, realtime) => TokenValidator.Configure(bearer, realtime.Value.Auth));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPostConfigureOptions<JwtBearerOptions>, JwtBearerPostConfigureOptions>());

        // First: hosted services stop in reverse order, and the events of the last connections'
        // releases must still find the outbox running.
        services.AddHostedService(s => s.GetRequiredService<EventOutbox>());
        services.AddHostedService<HeartbeatService>();
        services.AddSingleton<NodeDrain>();
        services.AddHostedService<DrainOnShutdown>();
        services.AddHostedService<Rebalancer>();
        services.AddHttpClient<EcsTaskWatcher>();
        services.AddHostedService(s => s.GetRequiredService<EcsTaskWatcher>());
        services.AddHostedService<EmbeddedMetricsWriter>();
        services.AddSingleton<MemoryGuard>();
        services.AddHostedService(s => s.GetRequiredService<MemoryGuard>());
        services.AddSingleton<IMemoryPressure>(s => s.GetRequiredService<MemoryGuard>());
        services.AddHostedService<KestrelRejections>();
        services.AddHostedService<BudgetReport>();
        services.AddRealtimeHealth();

        // OTLP export only when the standard variable names a collector.
        if (!string.IsNullOrEmpty(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            services.AddOpenTelemetry().WithMetrics(metrics => metrics.AddMeter(RealtimeMetrics.MeterName).AddOtlpExporter());
        }

        return services;
    }

    /// <summary><c>/ws</c>, health, the server API.</summary>
    public static IEndpointRouteBuilder MapRealtime(this IEndpointRouteBuilder endpoints)
    {
        endpoints.Map(WebSocketEndpoint.Path, context => context.RequestServices.GetRequiredService<WebSocketEndpoint>().HandleAsync(context));
        endpoints.MapRealtimeHealth();
        endpoints.MapServerApi();

        var services = endpoints.ServiceProvider;
        // Built now, so a broken registration (two handlers for one RPC method) stops start-up.
        services.GetRequiredService<HookRegistry>();
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(RealtimeServerExtensions));
        var node = services.GetRequiredService<NodeIdentity>().Id;
        var backplane = services.GetRequiredService<BackplaneKind>().Name;
        HostingLog.Started(logger, node, backplane);
        return endpoints;
    }

    /// <summary>Static files (demo page, browser client), then the WebSocket middleware and <see cref="MapRealtime"/>'s endpoints.</summary>
    public static WebApplication UseRealtime(this WebApplication app)
    {
        // The demo page and the browser client (wwwroot): / → index.html, /realtime.js.
        app.UseDefaultFiles();
        app.UseStaticFiles();
        app.UseWebSockets();
        app.MapRealtime();
        return app;
    }
}
