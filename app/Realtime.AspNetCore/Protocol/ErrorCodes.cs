namespace Realtime.AspNetCore.Protocol;

/// <summary>The <c>code</c> of an <c>error</c> frame (docs/protocol.md).</summary>
public static class ErrorCodes
{
    public const string BadRequest = "bad_request";
    public const string UnknownType = "unknown_type";
    public const string InvalidChannel = "invalid_channel";
    public const string TooLarge = "too_large";
    public const string RateLimited = "rate_limited";
    public const string TooManySubscriptions = "too_many_subscriptions";
    public const string Forbidden = "forbidden";
    public const string NotSubscribed = "not_subscribed";
    public const string Conflict = "conflict";
    /// <summary>The backplane could not be reached: nothing was done.</summary>
    public const string Unavailable = "unavailable";

    /// <summary>The request reached the backplane but its answer was lost: it may have been applied. Retry with the same publish id.</summary>
    public const string UnknownOutcome = "unknown_outcome";
    public const string Internal = "internal";

    /// <summary>No RPC handler (in C# or behind the proxy) for the method.</summary>
    public const string UnknownMethod = "unknown_method";

    /// <summary>The app's hook threw, or its backend failed or is paused (circuit open): nothing was written.</summary>
    public const string HookFailed = "hook_failed";

    /// <summary>The app's hook or backend did not answer in time: nothing was written.</summary>
    public const string HookTimeout = "hook_timeout";
}
