using StackExchange.Redis;

namespace Realtime.AspNetCore.Backplane.Redis;

/// <summary>
/// Every Redis key and pub/sub channel name, built in one place. The channel sits in a hash tag
/// (<c>{chat:lobby}</c>) so all of a channel's keys share one slot: cluster mode and sharded pub/sub
/// stay possible, and a script may touch them together.
/// </summary>
/// <remarks>
/// The history keys and the pub/sub channel are named <c>log</c> and <c>events</c>, not the first
/// version's <c>stream</c> and <c>msg</c>: their layout changed (dense sequences as stream ids), and
/// a node of either version must never append to the other's stream (docs/operations.md, "Upgrading").
/// </remarks>
public sealed class RedisKeys(string prefix)
{
    /// <summary>The channel's history: a stream whose entry ids are <c>SEQUENCE-0</c>, entries <c>d</c> = data, <c>t</c> = Unix ms.</summary>
    public RedisKey Stream(string channel) => $"{prefix}:{{{channel}}}:log";

    /// <summary>The epoch of the current history, created with it.</summary>
    public RedisKey Epoch(string channel) => $"{prefix}:{{{channel}}}:log:epoch";

    /// <summary>The channel's last sequence number (<c>INCR</c> per appended event).</summary>
    public RedisKey Sequence(string channel) => $"{prefix}:{{{channel}}}:log:seq";

    /// <summary>
    /// The sequence this epoch took over from the one before it (absent: 0). Set when a node renews
    /// the epoch of a history that fell behind what it delivered (a failover to a replica that lacked
    /// the newest entries): entries up to it were written under the old epoch.
    /// </summary>
    public RedisKey Base(string channel) => $"{prefix}:{{{channel}}}:log:base";

    /// <summary>The bytes of data the channel's history holds now (kept with the stream, for its byte cap).</summary>
    public RedisKey Bytes(string channel) => $"{prefix}:{{{channel}}}:log:bytes";

    /// <summary>A publish id seen within the idempotency window: value = the offset it got.</summary>
    public RedisKey PublishId(string channel, string id) => $"{prefix}:{{{channel}}}:pub:{id}";

    /// <summary>Presence members: connection id → member JSON.</summary>
    public RedisKey Members(string channel) => $"{prefix}:{{{channel}}}:presence";

    /// <summary>Presence expiry: connection id → expiry (Unix ms).</summary>
    public RedisKey MemberExpiry(string channel) => $"{prefix}:{{{channel}}}:presence:exp";

    /// <summary>A claimed resource of the channel: value = owner.</summary>
    public RedisKey Claim(string channel, string resource) => $"{prefix}:{{{channel}}}:claim:{resource}";

    /// <summary>
    /// Index of the channel's claims: a sorted set of resources scored by their expiry (Unix ms), so
    /// expired entries are trimmed cheaply and a listing reads a bounded range. It expires with its
    /// last claim. (The first version's <c>:claims</c> hash is no longer written.)
    /// </summary>
    public RedisKey Claims(string channel) => $"{prefix}:{{{channel}}}:claimidx";

    /// <summary>
    /// The channel's pub/sub channel: sharded on a Redis Cluster (<c>SSUBSCRIBE</c>, served by the
    /// shard that owns the channel's slot, beside its keys), classic on a standalone Redis.
    /// </summary>
    public RedisChannel Messages(string channel, bool sharded) =>
        sharded ? RedisChannel.Sharded(MessagesName(channel)) : RedisChannel.Literal(MessagesName(channel));

    public string MessagesName(string channel) => $"{prefix}:{{{channel}}}:events";

    /// <summary>The fleet's connection counts: node id → "count:expiry (Unix ms)", one field per live node.</summary>
    public RedisKey Fleet => $"{prefix}:fleet";

    /// <summary>The keys of a channel's history, in the order the scripts take them.</summary>
    public RedisKey[] History(string channel) => [Stream(channel), Epoch(channel), Sequence(channel), Base(channel), Bytes(channel)];
}
