namespace Realtime.Server.Protocol;

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
    public const string Unavailable = "unavailable";
    public const string Internal = "internal";
}
