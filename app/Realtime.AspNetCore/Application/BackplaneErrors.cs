using Realtime.AspNetCore.Backplane;
using Realtime.AspNetCore.Protocol;

namespace Realtime.AspNetCore.Application;

/// <summary>
/// How a request the backplane could not serve is answered, for the WebSocket dispatcher and the
/// HTTP API alike: <c>unavailable</c> when it was not asked (nothing was done), <c>unknown_outcome</c>
/// when it was asked and did not answer (a write may have been applied). Services let the
/// backplane's exceptions pass; only these two callers translate them, with what the request was.
/// </summary>
public static class BackplaneErrors
{
    public static bool Handles(Exception e) => e is BackplaneUnavailableException or BackplaneOutcomeUnknownException;

    /// <param name="request">The request's type (<c>publish</c>, <c>claim</c>, <c>release</c>, …): what may or may not have happened.</param>
    /// <param name="hasId">A publish carried an id, so repeating it is safe.</param>
    public static RequestException ToRequestException(Exception e, string request, bool hasId) => e switch
    {
        BackplaneOutcomeUnknownException => new RequestException(ErrorCodes.UnknownOutcome, request switch
        {
            "publish" => $"the backplane did not answer: the message may have been published; {(hasId ? "retry with the same 'id'" : "publish with an 'id' to retry safely")}",
            "claim" or "release" => "the backplane did not answer: the claim or release may have been applied; repeat it (a claim repeated by its owner answers 'claimed')",
            _ => "the backplane did not answer; try again",
        }),
        BackplaneUnavailableException => new RequestException(ErrorCodes.Unavailable, request switch
        {
            "publish" => "the backplane is unavailable; the message was not published",
            "claim" or "release" => "the backplane is unavailable; nothing was claimed or released",
            _ => "the backplane is unavailable; try again",
        }),
        _ => throw new ArgumentException($"not a backplane failure: {e.GetType().Name}", nameof(e)),
    };
}
