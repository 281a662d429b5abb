namespace Realtime.AspNetCore.Hosting;

internal static partial class HostingLog
{
    [LoggerMessage(EventId = 1003, Level = LogLevel.Information, Message = "Node {NodeId} serving with the {Backplane} backplane")]
    public static partial void Started(ILogger logger, string nodeId, string backplane);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Information, Message = "ECS is stopping this task (DesiredStatus {Status}): draining")]
    public static partial void EcsStopping(ILogger logger, string status);

    [LoggerMessage(EventId = 1005, Level = LogLevel.Warning, Message = "The ECS task metadata endpoint could not be read ({Reason}); trying again every {Seconds} s")]
    public static partial void EcsMetadataFailed(ILogger logger, string reason, double seconds);
}
