using Microsoft.Extensions.Options;
using Realtime.Server.Hosting;
using Realtime.Server.Protocol;

namespace Realtime.Server.Channels;

/// <summary>Resolves a channel's namespace rules and answers who may do what on it.</summary>
public sealed class ChannelRules(IOptions<RealtimeOptions> options)
{
    public const string DefaultNamespace = "default";

    private readonly Dictionary<string, NamespaceOptions> _namespaces =
        new(options.Value.Namespaces, StringComparer.Ordinal);

    private readonly NamespaceOptions _default =
        options.Value.Namespaces.TryGetValue(DefaultNamespace, out var d) ? d : new NamespaceOptions();

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
