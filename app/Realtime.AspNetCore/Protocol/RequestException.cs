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
}
