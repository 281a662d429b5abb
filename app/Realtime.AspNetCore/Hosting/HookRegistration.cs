using System.Net;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Timeout;
using Realtime.AspNetCore.Application;
using Realtime.AspNetCore.Extensibility;
using Realtime.AspNetCore.Extensibility.Proxy;

namespace Realtime.AspNetCore.Hosting;

/// <summary>The services behind the app's hooks and the HTTP proxy.</summary>
internal static class HookServicesRegistration
{
    public static IServiceCollection AddRealtimeHookServices(this IServiceCollection services)
    {
        services.AddSingleton(s => Options.Create(s.GetRequiredService<IOptions<RealtimeOptions>>().Value.Hooks));
        services.AddSingleton<HookInvoker>();
        services.AddSingleton<HookProxyClient>();
        services.AddSingleton(s => new HookRegistry(
            s,
            s.GetServices<Extensibility.HookRegistration>(),
            s.GetServices<RpcRegistration>(),
            s.GetServices<IConnectHook>(),
            s.GetRequiredService<HookProxyClient>(),
            s.GetRequiredService<IOptions<HookOptions>>().Value,
            s.GetRequiredService<IOptions<RealtimeOptions>>().Value.Namespaces));
        services.AddSingleton<EventOutbox>();
        services.AddSingleton<HookCalls>();
        services.AddSingleton<Connections.IConnectHooks>(s => s.GetRequiredService<HookCalls>());

        // One client for every backend; the resilience pipeline is kept per backend (its authority),
        // so one failing backend opens its own circuit only. Outer: the breaker, which counts a 5xx,
        // no connection and a timeout as failures (a 4xx, 408 and 429 included, is the app's answer).
        // Inner: the endpoint's time limit, handed over in the call's resilience context; the hook
        // invoker waits a little longer, so this one fires first and the breaker sees it. Redirects
        // are not followed: the shared secret must not travel to another host, and a POST must not
        // turn into a GET.
        services.AddHttpClient(HookProxyClient.ClientName, client => client.MaxResponseContentBufferSize = HookProxyClient.MaxAnswerBytes)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false })
            .RedactLoggedHeaders([HookProxyClient.SecretHeader])
            .AddResilienceHandler(HookProxyClient.ClientName, (pipeline, context) =>
            {
                var hooks = context.ServiceProvider.GetRequiredService<IOptions<HookOptions>>().Value;
                pipeline.AddCircuitBreaker(new HttpCircuitBreakerStrategyOptions
                {
                    FailureRatio = 0.5,
                    MinimumThroughput = hooks.BreakerMinimumCalls,
                    SamplingDuration = TimeSpan.FromSeconds(30),
                    BreakDuration = TimeSpan.FromSeconds(hooks.BreakerOpenSeconds),
                    ShouldHandle = args => ValueTask.FromResult(IsBackendFailure(args.Outcome)),
                });
                pipeline.AddTimeout(new HttpTimeoutStrategyOptions
                {
                    TimeoutGenerator = args => ValueTask.FromResult(args.Context.Properties.GetValue(HookProxyClient.TimeoutKey, TimeSpan.FromSeconds(1))),
                });
            })
            .SelectPipelineByAuthority();
        return services;
    }

    private static bool IsBackendFailure(Outcome<HttpResponseMessage> outcome) =>
        outcome.Exception is HttpRequestException or TimeoutRejectedException
        || outcome.Result?.StatusCode >= HttpStatusCode.InternalServerError;
}
