using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Realtime.Server.Hosting;

/// <summary>
/// <c>/healthz</c>: the process answers (liveness). <c>/readyz</c>: the node should get traffic;
/// it turns 503 as soon as the host starts stopping, so the load balancer stops routing to it.
/// </summary>
public static class HealthEndpoints
{
    public const string ReadyTag = "ready";

    public static IServiceCollection AddRealtimeHealth(this IServiceCollection services)
    {
        services.AddHealthChecks()
            .AddCheck<NotStoppingHealthCheck>("not-stopping", tags: [ReadyTag]);
        return services;
    }

    public static IEndpointRouteBuilder MapRealtimeHealth(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapHealthChecks("/healthz", new() { Predicate = _ => false });
        endpoints.MapHealthChecks("/readyz", new() { Predicate = check => check.Tags.Contains(ReadyTag) });
        return endpoints;
    }

    private sealed class NotStoppingHealthCheck(IHostApplicationLifetime lifetime) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            Task.FromResult(lifetime.ApplicationStopping.IsCancellationRequested
                ? HealthCheckResult.Unhealthy("stopping")
                : HealthCheckResult.Healthy());
    }
}
