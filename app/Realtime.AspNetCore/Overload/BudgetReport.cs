using Microsoft.Extensions.Options;

namespace Realtime.AspNetCore.Overload;

/// <summary>Says at start what the node will hold: the limits it read and the budget it drew from them.</summary>
public sealed class BudgetReport(IOptions<RealtimeOptions> options, ProcessLimits limits, MemoryGuard memory, ILogger<BudgetReport> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var o = options.Value;
        var filesInUse = ProcessLimits.OpenFilesInUse();
        OverloadLog.Budget(logger, o.MaxConnections, o.Overload.MaxPendingConnections, o.Overload.ReservedFileDescriptors,
            limits.OpenFiles, filesInUse, limits.MemoryBytes >> 20, memory.HighMark >> 20, memory.LowMark >> 20);
        if (o.MaxConnectionsDerived && o.MaxConnections < ConnectionBudget.DefaultMaxConnections)
        {
            OverloadLog.MaxConnectionsLowered(logger, o.MaxConnections, limits.OpenFiles, ConnectionBudget.DefaultMaxConnections);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
