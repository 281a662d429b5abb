using StackExchange.Redis;

namespace Realtime.Server.Backplane.Redis;

/// <summary>
/// Every Redis key and pub/sub channel name, built in one place. The channel sits in a hash tag
/// (<c>{chat:lobby}</c>) so a channel's keys share one slot: cluster mode and sharded pub/sub stay possible.
/// </summary>
public sealed class RedisKeys(string prefix)
{
    public RedisKey Stream(string channel) => $"{prefix}:{{{channel}}}:stream";

    public RedisChannel Messages(string channel) => RedisChannel.Literal(MessagesName(channel));

    public string MessagesName(string channel) => $"{prefix}:{{{channel}}}:msg";
}
