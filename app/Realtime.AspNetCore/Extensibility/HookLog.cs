namespace Realtime.AspNetCore.Extensibility;

internal static partial class HookLog
{
    [LoggerMessage(EventId = 700, Level = LogLevel.Warning, Message = "The {Kind} hook {Source} did not answer within {TimeoutMs} ms; the request was refused with hook_timeout")]
    public static partial void TimedOut(ILogger logger, string kind, string source, int timeoutMs);

    [LoggerMessage(EventId = 701, Level = LogLevel.Error, Message = "The {Kind} hook {Source} threw; the request was refused with hook_failed")]
    public static partial void Threw(ILogger logger, string kind, string source, Exception exception);

    [LoggerMessage(EventId = 702, Level = LogLevel.Warning, Message = "The {Kind} proxy {Source} failed: {Reason}")]
    public static partial void BackendFailed(ILogger logger, string kind, string source, string reason);

    [LoggerMessage(EventId = 703, Level = LogLevel.Warning, Message = "Event receiver {Source} failed on attempt {Attempt} for {Channel} at {Offset}; retrying")]
    public static partial void EventRetry(ILogger logger, string source, int attempt, string channel, string offset, Exception exception);

    [LoggerMessage(EventId = 704, Level = LogLevel.Error, Message = "An event was not told to the app ({Reason}): {Kind} on {Channel} at {Offset}")]
    public static partial void EventLost(ILogger logger, string reason, string kind, string channel, string offset);

    [LoggerMessage(EventId = 705, Level = LogLevel.Warning, Message = "Event receiver {Source} refused {Kind} on {Channel} at {Offset} with {Status}; not retried")]
    public static partial void EventRejected(ILogger logger, string source, string kind, string channel, string offset, int status);
}
