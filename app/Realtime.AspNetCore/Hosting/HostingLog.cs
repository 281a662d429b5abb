namespace Realtime.AspNetCore.Hosting;

internal static partial class HostingLog
{
    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "Draining {Connections} connections over {Seconds} s")]
    public static partial void DrainStarted(ILogger logger, int connections, double seconds);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Information, Message = "Drain finished; {Remaining} connections still open")]
    public static partial void DrainFinished(ILogger logger, int remaining);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Information, Message = "Node {NodeId} serving with the {Backplane} backplane")]
    public static partial void Started(ILogger logger, string nodeId, string backplane);
}
