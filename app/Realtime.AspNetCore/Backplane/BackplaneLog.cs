namespace Realtime.AspNetCore.Backplane;

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

    [LoggerMessage(EventId = 3005, Level = LogLevel.Warning, Message = "Backplane command for {Channel} sent but not answered: its outcome is unknown ({Reason})")]
    public static partial void OutcomeUnknown(ILogger logger, string channel, string reason);

    [LoggerMessage(EventId = 3006, Level = LogLevel.Warning, Message = "Subscribing to {Channel} failed; nothing is left subscribed")]
    public static partial void SubscribeFailed(ILogger logger, string channel);

    [LoggerMessage(EventId = 3007, Level = LogLevel.Information, Message = "Backplane subscription link restored: checking {Channels} channels for messages missed while it was down")]
    public static partial void LinkRestored(ILogger logger, int channels);

    [LoggerMessage(EventId = 3008, Level = LogLevel.Warning, Message = "Channel {Channel} lost messages that cannot be recovered: its subscribers are told (gap up to {Offset})")]
    public static partial void GapAnnounced(ILogger logger, string channel, string? offset);

    [LoggerMessage(EventId = 3009, Level = LogLevel.Warning, Message = "Reading the history of {Channel} to fill a gap failed; retrying")]
    public static partial void RecoveryFailed(ILogger logger, string channel, Exception exception);

    [LoggerMessage(EventId = 3010, Level = LogLevel.Information, Message = "Backplane is {Mode}")]
    public static partial void Mode(ILogger logger, string mode);

    [LoggerMessage(EventId = 3011, Level = LogLevel.Warning, Message = "Reading the cluster's topology failed; trying again")]
    public static partial void TopologyCheckFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 3012, Level = LogLevel.Error, Message = "A handler of the backplane's link restore failed")]
    public static partial void RestoreHandlerFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 3020, Level = LogLevel.Information, Message = "Backplane AUTH token changed at {Source}: new connections use it, open ones stay as they are")]
    public static partial void PasswordChanged(ILogger logger, string source);

    [LoggerMessage(EventId = 3021, Level = LogLevel.Warning, Message = "Reading the backplane AUTH token from {Source} failed; keeping the one held")]
    public static partial void PasswordReadFailed(ILogger logger, string source, Exception exception);
}
