using System.Text.Json;
using System.Text.RegularExpressions;

namespace Realtime.AspNetCore.Extensibility;

/// <summary>
/// A hook's answer: go ahead (optionally with data), or refuse with a code and a message the client
/// sees in its <c>error</c> frame. What <see cref="Data"/> means depends on the hook: attached to
/// the connection and sent in <c>welcome</c> (connect), the message stored instead of the client's
/// (publish), the reply (RPC); it is ignored elsewhere.
/// </summary>
public readonly partial record struct HookResult
{
    private HookResult(string? code, string? message, JsonElement? data)
    {
        RefusalCode = code;
        Message = message;
        Data = data;
    }

    /// <summary>Null when accepted; the <c>error</c> frame's code when refused.</summary>
    public string? RefusalCode { get; }

    public string? Message { get; }

    public JsonElement? Data { get; }

    public bool Accepted => RefusalCode is null;

    public static HookResult Accept() => default;

    /// <summary>Accepted, with data: see the type's summary for what it becomes.</summary>
    public static HookResult Accept(JsonElement data) => new(null, null, data);

    /// <summary>Accepted, with <paramref name="data"/> serialized to JSON.</summary>
    public static HookResult Accept<T>(T data) => new(null, null, JsonSerializer.SerializeToElement(data, JsonSerializerOptions.Web));

    /// <summary>
    /// Refused: nothing is written, and the client gets <c>{"type":"error","code":code,"message":message}</c>.
    /// The code is the app's (<c>[a-z][a-z0-9_]*</c>, at most 32 characters), for the client to act on.
    /// </summary>
    public static HookResult Refuse(string code, string message)
    {
        if (!IsValidCode(code))
        {
            throw new ArgumentException($"a refusal code must match {CodeRule} and not be one the clients act on by themselves ({string.Join(", ", ReservedCodes)})", nameof(code));
        }

        message ??= "";
        return new(code, message.Length <= MaxMessageLength ? message : message[..MaxMessageLength] + "…", null);
    }

    public const string CodeRule = "[a-z][a-z0-9_]{0,31}";

    /// <summary>A refusal's message is cut to this many characters: it travels in an error frame.</summary>
    public const int MaxMessageLength = 1024;

    /// <summary>
    /// Codes the clients act on by themselves (retrying, resending, reconnecting): an app's refusal
    /// must not make them retry what it refused. <c>forbidden</c> and <c>conflict</c> remain the app's to use.
    /// </summary>
    public static readonly IReadOnlySet<string> ReservedCodes = new HashSet<string>(StringComparer.Ordinal)
    {
        Protocol.ErrorCodes.Unavailable, Protocol.ErrorCodes.UnknownOutcome, Protocol.ErrorCodes.RateLimited,
        Protocol.ErrorCodes.HookFailed, Protocol.ErrorCodes.HookTimeout, "timeout", "disconnected",
    };

    public static bool IsValidCode(string? code) => code is not null && CodePattern().IsMatch(code) && !ReservedCodes.Contains(code);

    [GeneratedRegex(@"\A" + CodeRule + @"\z")]
    private static partial Regex CodePattern();
}
