using System.Text.RegularExpressions;

namespace Realtime.Server.Protocol;

/// <summary>
/// Channel names: 1–128 of <c>A–Z a–z 0–9 _ - : . @</c>. No braces, so a name can sit inside a
/// Redis hash tag; the part before the first ':' is the namespace.
/// </summary>
public static partial class ChannelName
{
    /// <summary>The rule in words, for error messages.</summary>
    public const string Rule = "[A-Za-z0-9_-:.@]{1,128}";

    public static bool IsValid(string? name) => name is not null && Pattern().IsMatch(name);

    /// <summary>"chat:lobby" → "chat"; a name without ':' has the empty namespace.</summary>
    public static string Namespace(string name)
    {
        var colon = name.IndexOf(':', StringComparison.Ordinal);
        return colon < 0 ? "" : name[..colon];
    }

    // \A and \z, not ^ and $: '$' also matches before a final newline, and "chat:lobby\n" would be
    // another channel that looks the same.
    [GeneratedRegex(@"\A[A-Za-z0-9_\-:.@]{1,128}\z")]
    private static partial Regex Pattern();
}
