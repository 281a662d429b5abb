namespace Realtime.Server.Backplane.Redis;

/// <summary>
/// Lua run inside Redis, so each step is atomic with respect to every other client. Pub/sub
/// payloads are <c>OFFSET\nDATA</c> for messages and <c>!join\nMEMBER</c> / <c>!leave\nMEMBER</c> for
/// presence events (an offset never starts with '!').
/// </summary>
internal static class RedisScripts
{
    /// <summary>
    /// Appends ARGV[a] to the stream KEYS[s] (creating a new epoch in KEYS[e] when the stream is new),
    /// trims it to ARGV[a+1] entries, expires both keys after ARGV[a+2] ms of silence, and publishes
    /// "offset\ndata" on ARGV[a+3]. Sets <c>offset</c>. ARGV[a+4] is the epoch to use for a new stream.
    /// </summary>
    private static string Append(int s, int e, int a) => $$"""
        local epoch = redis.call('GET', KEYS[{{e}}])
        if redis.call('EXISTS', KEYS[{{s}}]) == 0 or not epoch then
          epoch = ARGV[{{a + 4}}]
          redis.call('SET', KEYS[{{e}}], epoch)
        end
        local id = redis.call('XADD', KEYS[{{s}}], 'MAXLEN', ARGV[{{a + 1}}], '*', 'd', ARGV[{{a}}])
        if tonumber(ARGV[{{a + 2}}]) > 0 then
          redis.call('PEXPIRE', KEYS[{{s}}], ARGV[{{a + 2}}])
          redis.call('PEXPIRE', KEYS[{{e}}], ARGV[{{a + 2}}])
        end
        local offset = epoch .. ':' .. id
        redis.call('PUBLISH', ARGV[{{a + 3}}], offset .. '\n' .. ARGV[{{a}}])
        """;

    /// <summary>Publish. KEYS: stream, epoch. ARGV: data, maxlen, ttl ms, pub/sub channel, new epoch.</summary>
    public static readonly string Publish = Append(1, 2, 1) + "\nreturn offset";

    /// <summary>
    /// History. KEYS: stream, epoch. ARGV: position after which to read ('' for none), count.
    /// Returns {epoch, last id, 1 if that position is still in the stream, entries}; epoch is false
    /// when there is no stream. Trimming removes the oldest entries first, so while the entry at the
    /// position is kept, so is everything after it. (XINFO's max-deleted-entry-id does not move on
    /// trimming, so it cannot tell.)
    /// </summary>
    public const string History = """
        if redis.call('EXISTS', KEYS[1]) == 0 then
          return {false, false, 0, {}}
        end
        local epoch = redis.call('GET', KEYS[2])
        local last = '0-0'
        local info = redis.call('XINFO', 'STREAM', KEYS[1])
        for i = 1, #info, 2 do
          if info[i] == 'last-generated-id' then last = info[i + 1] end
        end
        local kept, entries = 0, {}
        if ARGV[1] ~= '' then
          if #redis.call('XRANGE', KEYS[1], ARGV[1], ARGV[1]) > 0 then kept = 1 end
          entries = redis.call('XRANGE', KEYS[1], '(' .. ARGV[1], '+', 'COUNT', ARGV[2])
        end
        return {epoch, last, kept, entries}
        """;

    /// <summary>
    /// Claim: first writer wins. KEYS: claim, stream, epoch, claims index. ARGV: owner, ttl ms (0 = none), resource, then
    /// the Append arguments (event data, maxlen, ttl ms, pub/sub channel, new epoch).
    /// Returns {1, offset} when claimed, {0, current owner} when someone holds it.
    /// </summary>
    public static readonly string Claim = """
        local taken
        if tonumber(ARGV[2]) > 0 then
          taken = redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2])
        else
          taken = redis.call('SET', KEYS[1], ARGV[1], 'NX')
        end
        if not taken then
          return {0, redis.call('GET', KEYS[1])}
        end
        redis.call('HSET', KEYS[4], ARGV[3], ARGV[1])
        """ + "\n" + Append(2, 3, 4) + "\nreturn {1, offset}";

    /// <summary>
    /// Release. KEYS: claim, stream, epoch, claims index. ARGV: owner ('' = the server, may release any), resource, then the
    /// Append arguments. Returns {1, offset} when released, {0, false} when not claimed, {-1, owner} when held by another.
    /// </summary>
    public static readonly string Release = """
        local owner = redis.call('GET', KEYS[1])
        if not owner then
          return {0, false}
        end
        if ARGV[1] ~= '' and owner ~= ARGV[1] then
          return {-1, owner}
        end
        redis.call('DEL', KEYS[1])
        redis.call('HDEL', KEYS[4], ARGV[2])
        """ + "\n" + Append(2, 3, 3) + "\nreturn {1, offset}";

    /// <summary>
    /// Current claims. KEYS: claims index. ARGV: the claim-key prefix. Drops index entries whose claim
    /// expired; returns {resource, owner, …}.
    /// </summary>
    public const string Claims = """
        local all = redis.call('HGETALL', KEYS[1])
        local live = {}
        for i = 1, #all, 2 do
          if redis.call('EXISTS', ARGV[1] .. all[i]) == 1 then
            live[#live + 1] = all[i]
            live[#live + 1] = all[i + 1]
          else
            redis.call('HDEL', KEYS[1], all[i])
          end
        end
        return live
        """;

    /// <summary>
    /// Drops members whose expiry passed and tells the channel. KEYS: members, expiry. ARGV[1]: now ms,
    /// ARGV[2]: pub/sub channel. Shared prologue of the presence scripts.
    /// </summary>
    private const string Sweep = """
        local expired = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[1])
        for _, id in ipairs(expired) do
          local member = redis.call('HGET', KEYS[1], id)
          redis.call('HDEL', KEYS[1], id)
          redis.call('ZREM', KEYS[2], id)
          if member then
            redis.call('PUBLISH', ARGV[2], '!leave\n' .. member)
          end
        end
        """;

    /// <summary>Join. KEYS: members, expiry. ARGV: now, pub/sub, connection id, member JSON, expiry ms.</summary>
    public const string Join = Sweep + "\n" + """
        redis.call('HSET', KEYS[1], ARGV[3], ARGV[4])
        redis.call('ZADD', KEYS[2], ARGV[5], ARGV[3])
        redis.call('PEXPIREAT', KEYS[1], ARGV[5])
        redis.call('PEXPIREAT', KEYS[2], ARGV[5])
        redis.call('PUBLISH', ARGV[2], '!join\n' .. ARGV[4])
        return 1
        """;

    /// <summary>Leave. KEYS: members, expiry. ARGV: now, pub/sub, connection id.</summary>
    public const string Leave = Sweep + "\n" + """
        local member = redis.call('HGET', KEYS[1], ARGV[3])
        if not member then
          return 0
        end
        redis.call('HDEL', KEYS[1], ARGV[3])
        redis.call('ZREM', KEYS[2], ARGV[3])
        redis.call('PUBLISH', ARGV[2], '!leave\n' .. member)
        return 1
        """;

    /// <summary>
    /// Heartbeat of one node for one channel: extends its members' expiry, then sweeps. KEYS: members,
    /// expiry. ARGV: now, pub/sub, new expiry ms, connection ids…
    /// </summary>
    public const string Refresh = """
        for i = 4, #ARGV do
          redis.call('ZADD', KEYS[2], 'XX', ARGV[3], ARGV[i])
        end
        if redis.call('EXISTS', KEYS[1]) == 1 then
          redis.call('PEXPIREAT', KEYS[1], ARGV[3])
          redis.call('PEXPIREAT', KEYS[2], ARGV[3])
        end
        """ + "\n" + Sweep + "\nreturn 1";

    /// <summary>Members. KEYS: members, expiry. ARGV: now, pub/sub. Returns the live members' JSON.</summary>
    public const string Members = Sweep + "\nreturn redis.call('HVALS', KEYS[1])";
}
