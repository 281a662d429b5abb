using System.Diagnostics.Metrics;
using Realtime.AspNetCore.Connections;
using Realtime.AspNetCore.Diagnostics;

namespace Realtime.AspNetCore.Overload;

/// <summary>
/// Counts the connections Kestrel closes at accept because <c>MaxConcurrentConnections</c> are
/// open (its <c>kestrel.rejected_connections</c> counter) as refusals with reason <c>accept</c>, so
/// every connection turned away shows in one metric. Only this node's Kestrel: its meter comes
/// from the same <see cref="IMeterFactory"/>.
/// </summary>
public sealed class KestrelRejections : IHostedService, IDisposable
{
    /// <summary>Where Kestrel logs a connection closed at its limit (event 24, a warning each).</summary>
    public const string LogCategory = "Microsoft.AspNetCore.Server.Kestrel.Connections";

    private const string KestrelMeter = "Microsoft.AspNetCore.Server.Kestrel";
    private const string RejectedInstrument = "kestrel.rejected_connections";

    private readonly MeterListener _listener = new();

    public KestrelRejections(IMeterFactory meters, RealtimeMetrics metrics)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == KestrelMeter && instrument.Name == RejectedInstrument && ReferenceEquals(instrument.Meter.Scope, meters))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, count, _, _) => metrics.Refused(RefusalReason.Accept, count));
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _listener.Start();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose() => _listener.Dispose();
}
