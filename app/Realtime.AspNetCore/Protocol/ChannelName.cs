using System.Text.RegularExpressions;

namespace Realtime.AspNetCore.Protocol;

/// <summary>
/// Channel names: 1–128 of <c>A–Z a–z 0–9 _ - : . @</c>. No braces, so a name can sit inside a
/// Redis hash tag; the part before the first ':' is the namespace. Publish ids and claimed
/// resources follow the same rule. The one place the rule is written.
/// </summary>
public static partial class ChannelName
{
    /// <summary>The characters allowed, as a character-class body (the hyphen escaped).</summary>
    private const string Characters = @"A-Za-z0-9_\-:.@";

    /// <summary>The rule as a pattern, for error messages and for clients that check before sending.</summary>
    public const string Rule = "^[" + Characters + "]{1,128}$";

    public static bool IsValid(string? name) => name is not null && Pattern().IsMatch(name);

    /// <summary>A namespace: what may stand before a channel name's first ':'.</summary>
    public static bool IsValidNamespace(string name) => name.Length > 0 && !name.Contains(':', StringComparison.Ordinal) && IsValid(name + ":");

    /// <summary>"chat:lobby" → "chat"; a name without ':' has the empty namespace.</summary>
    public static string Namespace(string name) => NamespaceOf(name).ToString();

    /// <summary><see cref="Namespace"/> without a new string, for lookups on the message path.</summary>
    public static ReadOnlySpan<char> NamespaceOf(string name)
    {
        var colon = name.IndexOf(':', StringComparison.Ordinal);
        return colon < 0 ? ReadOnlySpan<char>.Empty : name.AsSpan(0, colon);
    }

    // \A and \z, not ^ and $: '$' also matches before a final newline, and "chat:lobby\n" would be
    // another channel that looks the same.
    [GeneratedRegex(@"\A[" + Characters + @"]{1,128}\z")]
    private static partial Regex Pattern();
}
