namespace Realtime.Server.Backplane;

internal static partial class BackplaneLog
{
    [LoggerMessage(EventId = 3001, Level = LogLevel.Warning, Message = "Backplane connection lost ({ConnectionType}): {FailureType}")]
    public static partial void ConnectionLost(ILogger logger, StackExchange.Redis.ConnectionType connectionType, StackExchange.Redis.ConnectionFailureType failureType);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Information, Message = "Backplane connection restored ({ConnectionType})")]
    public static partial void ConnectionRestored(ILogger logger, StackExchange.Redis.ConnectionType connectionType);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Warning, Message = "Backplane command for {Channel} failed: {Reason}")]
    public static partial void CommandFailed(ILogger logger, string channel, string reason);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Error, Message = "Delivering a message of {Channel} failed")]
    public static partial void DeliveryFailed(ILogger logger, string channel, Exception exception);
}
