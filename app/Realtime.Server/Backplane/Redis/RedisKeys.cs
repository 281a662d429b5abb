using StackExchange.Redis;

namespace Realtime.Server.Backplane.Redis;

/// <summary>
/// Every Redis key and pub/sub channel name, built in one place. The channel sits in a hash tag
/// (<c>{chat:lobby}</c>) so all of a channel's keys share one slot: cluster mode and sharded pub/sub
/// stay possible, and a script may touch them together.
/// </summary>
public sealed class RedisKeys(string prefix)
{
    /// <summary>The channel's history: a stream of entries <c>d = data</c>.</summary>
    public RedisKey Stream(string channel) => $"{prefix}:{{{channel}}}:stream";

    /// <summary>The epoch of the current stream, created with it.</summary>
    public RedisKey Epoch(string channel) => $"{prefix}:{{{channel}}}:epoch";

    /// <summary>Presence members: connection id → member JSON.</summary>
    public RedisKey Members(string channel) => $"{prefix}:{{{channel}}}:presence";

    /// <summary>Presence expiry: connection id → expiry (Unix ms).</summary>
    public RedisKey MemberExpiry(string channel) => $"{prefix}:{{{channel}}}:presence:exp";

    /// <summary>A claimed resource of the channel: value = owner.</summary>
    public RedisKey Claim(string channel, string resource) => $"{prefix}:{{{channel}}}:claim:{resource}";

    /// <summary>Index of the channel's claims: resource → owner (each entry lives while its claim key does).</summary>
    public RedisKey Claims(string channel) => $"{prefix}:{{{channel}}}:claims";

    public RedisChannel Messages(string channel) => RedisChannel.Literal(MessagesName(channel));

    public string MessagesName(string channel) => $"{prefix}:{{{channel}}}:msg";
}
