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
            throw new ArgumentException($"a refusal code must match {CodeRule}", nameof(code));
        }

        return new(code, message ?? "", null);
    }

    public const string CodeRule = "[a-z][a-z0-9_]{0,31}";

    public static bool IsValidCode(string? code) => code is not null && CodePattern().IsMatch(code);

    [GeneratedRegex(@"\A" + CodeRule + @"\z")]
    private static partial Regex CodePattern();
}
