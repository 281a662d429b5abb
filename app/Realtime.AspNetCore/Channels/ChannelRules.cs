using Realtime.AspNetCore.Protocol;

namespace Realtime.AspNetCore.Channels;

/// <summary>Resolves a channel's namespace rules (<c>Realtime:Namespaces</c>) and answers who may do what on it.</summary>
public sealed class ChannelRules(IReadOnlyDictionary<string, NamespaceOptions> namespaces)
{
    public const string DefaultNamespace = "default";

    // Case-insensitive: a setting written "USER" must not leave the channels "user:*" on the defaults.
    private readonly Dictionary<string, NamespaceOptions> _namespaces =
        new(namespaces, StringComparer.OrdinalIgnoreCase);

    private readonly NamespaceOptions _default =
        namespaces.FirstOrDefault(n => string.Equals(n.Key, DefaultNamespace, StringComparison.OrdinalIgnoreCase)).Value ?? new NamespaceOptions();

    public NamespaceOptions For(string channel) =>
        _namespaces.TryGetValue(ChannelName.Namespace(channel), out var rules) ? rules : _default;

    /// <summary>Read access: subscribe, presence, claims. Returns the reason when refused.</summary>
    public string? CanRead(string channel, string? user)
    {
        var rules = For(channel);
        if (user is null && !rules.AllowAnonymous)
        {
            return "sign in to use this channel";
        }

        if (rules.Private && (user is null || PrivateOwner(channel) != user))
        {
            return "a private channel of another user";
        }

        return null;
    }

    /// <summary>Write access for a client's publish.</summary>
    public string? CanPublish(string channel, string? user)
    {
        if (CanRead(channel, user) is { } refused)
        {
            return refused;
        }

        return For(channel).Publish == PublishPolicy.Server ? "only the server publishes to this channel" : null;
    }

    /// <summary>"user:42:inbox" → "42".</summary>
    private static string PrivateOwner(string channel)
    {
        var parts = channel.Split(':');
        return parts.Length >= 2 ? parts[1] : "";
    }
}
