using Microsoft.Extensions.Diagnostics.HealthChecks;
using Realtime.AspNetCore.Backplane;

namespace Realtime.AspNetCore.Hosting;

/// <summary>
/// <c>/healthz</c>: the process answers (liveness; never depends on Redis, or a Redis outage would
/// restart every task). <c>/readyz</c>: the node should get new clients: backplane connected and
/// not draining. The load balancer's target group checks <c>/readyz</c>.
/// </summary>
public static class HealthEndpoints
{
    public const string ReadyTag = "ready";

    public static IServiceCollection AddRealtimeHealth(this IServiceCollection services)
    {
        services.AddHealthChecks()
            .AddCheck<NotDrainingCheck>("not-draining", tags: [ReadyTag])
            .AddCheck<BackplaneConnectedCheck>("backplane", tags: [ReadyTag]);
        return services;
    }

    public static IEndpointRouteBuilder MapRealtimeHealth(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapHealthChecks("/healthz", new() { Predicate = _ => false });
        endpoints.MapHealthChecks("/readyz", new() { Predicate = check => check.Tags.Contains(ReadyTag) });
        return endpoints;
    }

    private sealed class NotDrainingCheck(DrainState drain) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            Task.FromResult(drain.IsDraining ? HealthCheckResult.Unhealthy("draining") : HealthCheckResult.Healthy());
    }

    private sealed class BackplaneConnectedCheck(IBackplane backplane) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            Task.FromResult(backplane.IsConnected ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("backplane disconnected"));
    }
}
