using Realtime.AspNetCore.Application;

namespace Realtime.AspNetCore.Hosting;

/// <summary>
/// SIGTERM drains the node where nothing did earlier (outside ECS, or with both ECS triggers off),
/// or waits for the drain already running. Runs in <see cref="IHostedLifecycleService.StoppingAsync"/>,
/// while Kestrel still answers health checks; when the host's shutdown timeout nears, the rest are told at once.
/// </summary>
public sealed class DrainOnShutdown(NodeDrain drain) : IHostedLifecycleService
{
    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        using var hurry = cancellationToken.Register(drain.Hurry);
        await drain.BeginAsync("SIGTERM").ConfigureAwait(false);
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
