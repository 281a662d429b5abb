using Realtime.Faults.Load;

namespace Realtime.Faults.Reporting;

/// <param name="Reopens">Clients that connected again with their subscriptions resumed, during the scenario.</param>
/// <param name="PeakReopensPerSecond">The most reopens in any one second (for a deploy, of those its drain caused).</param>
/// <param name="EvenSpreadPerSecond">The reopens spread evenly over the drain window, for the deploys.</param>
/// <param name="SecondsToLastReopen">From the fault to the last client subscribed again.</param>
/// <param name="SecondsToAllOpen">From the fault until every client was open again (including the wait for the fault to end).</param>
public sealed record FaultResult(string Name, Counts Counts, int Reopens, int PeakReopensPerSecond, double? EvenSpreadPerSecond,
    double SecondsToLastReopen, double SecondsToAllOpen, long RssBefore, long RssAfter)
{
    public bool Failed => Counts.SilentlyLost > 0 || Counts.Duplicated > 0;
}
