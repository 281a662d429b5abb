namespace Realtime.AspNetCore.Protocol;

/// <summary>
/// A request that cannot be served, with the <c>error</c> frame's code. Thrown by request handlers,
/// turned into the error frame by the dispatcher.
/// </summary>
/// <param name="IsProtocolError">The client sent something malformed (counts towards close 1008).</param>
public sealed class RequestException(string code, string message, bool isProtocolError = false, string? owner = null) : Exception(message)
{
    public string Code { get; } = code;

    public bool IsProtocolError { get; } = isProtocolError;

    /// <summary>The current owner, for <c>conflict</c>.</summary>
    public string? Owner { get; } = owner;

    public static RequestException Protocol(string code, string message) => new(code, message, isProtocolError: true);

    /// <summary>The backplane could not be asked: nothing was done. <paramref name="consequence"/> tells the client what that means.</summary>
    public static RequestException BackplaneUnavailable(string consequence = "try again") =>
        new(ErrorCodes.Unavailable, $"the backplane is unavailable; {consequence}");

    /// <summary>
    /// The backplane was asked but did not answer: <paramref name="mayHaveHappened"/> says what may
    /// have been done, <paramref name="advice"/> how to repeat it safely.
    /// </summary>
    public static RequestException OutcomeUnknown(string mayHaveHappened, string advice) =>
        new(ErrorCodes.UnknownOutcome, $"the backplane did not answer: {mayHaveHappened}; {advice}");
}
