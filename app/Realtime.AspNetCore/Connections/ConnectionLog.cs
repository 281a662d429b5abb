namespace Realtime.AspNetCore.Connections;

internal static partial class ConnectionLog
{
    [LoggerMessage(EventId = 2001, Level = LogLevel.Debug, Message = "Connection {ConnectionId} opened")]
    public static partial void Opened(ILogger logger, string connectionId);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Debug, Message = "Connection {ConnectionId} closed")]
    public static partial void Closed(ILogger logger, string connectionId);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Information, Message = "Connection {ConnectionId} closed after {Errors} protocol errors in a row")]
    public static partial void TooManyErrors(ILogger logger, string connectionId, int errors);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Warning, Message = "Connection {ConnectionId} closed with 1013: it fell behind (its send queue was full, or a resume held more than it may)")]
    public static partial void SlowConsumer(ILogger logger, string connectionId);

    [LoggerMessage(EventId = 2005, Level = LogLevel.Information, Message = "Connection {ConnectionId} timed out after {Seconds:F0} s of silence")]
    public static partial void TimedOut(ILogger logger, string connectionId, double seconds);

    [LoggerMessage(EventId = 2006, Level = LogLevel.Information, Message = "Upgrade refused with {StatusCode}: {Reason}")]
    public static partial void UpgradeRefused(ILogger logger, int statusCode, string reason);

    [LoggerMessage(EventId = 2007, Level = LogLevel.Error, Message = "Connection {ConnectionId} failed")]
    public static partial void Failed(ILogger logger, string connectionId, Exception exception);

    [LoggerMessage(EventId = 2008, Level = LogLevel.Error, Message = "Heartbeat work failed")]
    public static partial void HeartbeatFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 5005, Level = LogLevel.Warning, Message = "Connection limit of {MaxConnections} reached; further upgrades are answered 503 until connections close")]
    public static partial void LimitReached(ILogger logger, int maxConnections);

    [LoggerMessage(EventId = 2012, Level = LogLevel.Warning, Message = "The connect hook attached more than {MaxBytes} bytes to connection {ConnectionId}; it was closed with hook_failed")]
    public static partial void ConnectDataTooLarge(ILogger logger, string connectionId, int maxBytes);
}
