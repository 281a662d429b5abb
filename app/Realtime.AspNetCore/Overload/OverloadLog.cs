namespace Realtime.AspNetCore.Overload;

internal static partial class OverloadLog
{
    [LoggerMessage(EventId = 5001, Level = LogLevel.Information,
        Message = "Budget: {MaxConnections} WebSockets + {MaxPending} other connections + {Reserved} reserved files, of an open-file limit of {FileLimit} ({FilesInUse} in use); memory limit {MemoryMiB} MiB, upgrades refused above {HighMiB} MiB of heap until under {LowMiB} MiB")]
    public static partial void Budget(ILogger logger, int maxConnections, int maxPending, int reserved, long? fileLimit, int? filesInUse, long memoryMiB, long highMiB, long lowMiB);

    [LoggerMessage(EventId = 5006, Level = LogLevel.Warning,
        Message = "Realtime:MaxConnections is unset: {MaxConnections} WebSockets fit the open-file limit of {FileLimit}, fewer than the usual {Default}; raise the limit (ulimit -n, the task's nofile ulimit) for more")]
    public static partial void MaxConnectionsLowered(ILogger logger, int maxConnections, long? fileLimit, int @default);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Warning,
        Message = "Memory pressure: heap {HeapMiB} MiB after a full collection, above {HighMiB} MiB of {MemoryMiB} MiB; refusing upgrades and closing the slowest receivers")]
    public static partial void MemoryPressure(ILogger logger, long heapMiB, long highMiB, long memoryMiB);

    [LoggerMessage(EventId = 5003, Level = LogLevel.Information, Message = "Memory pressure over: heap {HeapMiB} MiB, under {LowMiB} MiB; accepting upgrades")]
    public static partial void MemoryRecovered(ILogger logger, long heapMiB, long lowMiB);

    [LoggerMessage(EventId = 5004, Level = LogLevel.Warning, Message = "Connection {ConnectionId} closed to free memory: {QueuedKiB} KiB queued")]
    public static partial void Shed(ILogger logger, string connectionId, long queuedKiB);
}
