namespace Realtime.AspNetCore.Backplane.Redis;

/// <summary>
/// Lua run inside Redis, so each step is atomic with respect to every other client. Pub/sub
/// payloads are <c>OFFSET\nMS\nDATA</c> for messages and <c>!EVENT\nDATA</c> for passing events, here
/// presence's <c>!join\nMEMBER</c> and <c>!leave\nMEMBER</c> (an offset never starts with '!').
/// </summary>
internal static class RedisScripts
{
    /// <summary>
    /// A script as it runs on a Redis Cluster: its publishes become <c>SPUBLISH</c>, which reaches the
    /// subscribers of the channel's shard only (classic PUBLISH would cross the cluster bus to every node).
    /// </summary>
    public static string ForCluster(string script) => script.Replace("redis.call('PUBLISH',", "redis.call('SPUBLISH',", StringComparison.Ordinal);

    /// <summary>Redis's clock in Unix milliseconds, as a decimal string (Lua prints large numbers in exponent form otherwise).</summary>
    private const string NowMs = "(function() local t = redis.call('TIME') return string.format('%d', tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)) end)()";

    /// <summary>
    /// The one test of "this channel has no history", for the history whose keys start at KEYS[s]
    /// (with <c>epoch</c> and <c>last</c> read from its next two): no epoch or sequence, or a sequence
    /// above 0 without its stream (lost, or expired apart). An epoch at sequence 0 without a stream is
    /// the empty history a subscribe starts, and counts as one.
    /// </summary>
    private static string NoHistory(int s) => $"not epoch or not last or (tonumber(last) > 0 and redis.call('EXISTS', KEYS[{s}]) == 0)";

    /// <summary>
    /// Appends ARGV[a] to the history whose keys start at KEYS[s] (stream, epoch, sequence, base, bytes:
    /// see <see cref="RedisKeys.History"/>) under the channel's next sequence (entry id <c>SEQ-0</c>, so
    /// ids are the dense sequence), trims the oldest entries while there are more than ARGV[a+1] or
    /// their data exceeds ARGV[a+5] bytes (the newest is always kept), expires the history's keys after
    /// ARGV[a+2] ms of silence, and publishes "EPOCH:SEQ\nMS\nDATA" on ARGV[a+3]. A history missing
    /// any of its keys starts over under a new epoch ARGV[a+4] at sequence 1. Sets <c>offset</c>.
    /// </summary>
    private static string Append(int s, int a) => $$"""
        local epoch = redis.call('GET', KEYS[{{s + 1}}])
        local last = redis.call('GET', KEYS[{{s + 2}}])
        if {{NoHistory(s)}} then
          epoch = ARGV[{{a + 4}}]
          redis.call('SET', KEYS[{{s + 1}}], epoch)
          redis.call('DEL', KEYS[{{s}}], KEYS[{{s + 2}}], KEYS[{{s + 3}}], KEYS[{{s + 4}}])
        end
        local seq = redis.call('INCR', KEYS[{{s + 2}}])
        local ms = {{NowMs}}
        redis.call('XADD', KEYS[{{s}}], seq .. '-0', 'd', ARGV[{{a}}], 't', ms)
        local bytes = redis.call('INCRBY', KEYS[{{s + 4}}], #ARGV[{{a}}])
        local length = redis.call('XLEN', KEYS[{{s}}])
        local maxlen, maxbytes = tonumber(ARGV[{{a + 1}}]), tonumber(ARGV[{{a + 5}}])
        if length > maxlen or (bytes > maxbytes and length > 1) then
          local cursor, cut = '-', nil
          while length > maxlen or (bytes > maxbytes and length > 1) do
            local oldest = redis.call('XRANGE', KEYS[{{s}}], cursor, '+', 'COUNT', 1)[1]
            bytes = bytes - #oldest[2][2]
            length = length - 1
            cut = oldest[1]
            cursor = '(' .. cut
          end
          redis.call('XTRIM', KEYS[{{s}}], 'MINID', string.format('%d', tonumber(string.match(cut, '^%d+')) + 1) .. '-0')
          if length <= 1 or bytes < 0 then
            bytes = length * #ARGV[{{a}}] -- only the newest is left (or none): the count is exact again
          end
          redis.call('SET', KEYS[{{s + 4}}], bytes)
        end
        if tonumber(ARGV[{{a + 2}}]) > 0 then
          for k = {{s}}, {{s + 4}} do
            redis.call('PEXPIRE', KEYS[k], ARGV[{{a + 2}}])
          end
        end
        local offset = epoch .. ':' .. seq
        redis.call('PUBLISH', ARGV[{{a + 3}}], offset .. '\n' .. ms .. '\n' .. ARGV[{{a}}])
        """;

    /// <summary>
    /// Publish. KEYS: the history's five, publish id. ARGV: data, maxlen, ttl ms, pub/sub channel,
    /// new epoch, max bytes, id window ms (0 = no id). A publish id seen within its window returns the offset it
    /// got then, and appends nothing.
    /// </summary>
    public static readonly string Publish = """
        local window = tonumber(ARGV[7])
        if window > 0 then
          local seen = redis.call('GET', KEYS[6])
          if seen then
            return seen
          end
        end
        """ + "\n" + Append(1, 1) + """

        if window > 0 then
          redis.call('SET', KEYS[6], offset, 'PX', window)
        end
        return offset
        """;

    /// <summary>
    /// History. KEYS: the history's five. ARGV: sequence after which to read ('' for none), count, the
    /// reader's epoch, a byte budget. Returns {epoch, latest sequence, first kept sequence, entries,
    /// base}; epoch is false when there is no history. Entries are read only for the same epoch, only
    /// up to the count, and only while their data fits the budget (at least one), so a wrong, stale or
    /// far-behind offset costs Redis no more than a bounded answer.
    /// </summary>
    public static readonly string History = $$"""
        local epoch = redis.call('GET', KEYS[2])
        local last = redis.call('GET', KEYS[3])
        if {{NoHistory(1)}} then
          return {false, 0, 0, {}, 0}
        end
        local latest = tonumber(last)
        local first = latest + 1
        local head = redis.call('XRANGE', KEYS[1], '-', '+', 'COUNT', 1)
        if #head > 0 then
          first = tonumber(string.match(head[1][1], '^%d+'))
        end
        local entries = {}
        if ARGV[1] ~= '' and ARGV[3] == epoch then
          local from = tonumber(ARGV[1]) + 1
          if from <= latest then
            entries = redis.call('XRANGE', KEYS[1], string.format('%d', from) .. '-0', '+', 'COUNT', ARGV[2])
            local budget, used = tonumber(ARGV[4]), 0
            for i, entry in ipairs(entries) do
              used = used + #entry[2][2]
              if used > budget and i > 1 then
                for j = #entries, i, -1 do
                  entries[j] = nil
                end
                break
              end
            end
          end
        end
        return {epoch, latest, first, entries, tonumber(redis.call('GET', KEYS[4]) or '0')}
        """;

    /// <summary>
    /// Starts an empty history where there is none. KEYS: the history's five. ARGV: a new epoch, ttl
    /// ms. A history is there when its epoch and sequence are, and its stream too once anything was
    /// appended (sequence above 0); else it is started over as the epoch at sequence 0, without a
    /// stream (the first append makes it). Returns {epoch, latest sequence}.
    /// </summary>
    public static readonly string StartHistory = $$"""
        local epoch = redis.call('GET', KEYS[2])
        local last = redis.call('GET', KEYS[3])
        if {{NoHistory(1)}} then
          epoch = ARGV[1]
          last = '0'
          redis.call('DEL', KEYS[1], KEYS[4], KEYS[5])
          redis.call('SET', KEYS[2], epoch)
          redis.call('SET', KEYS[3], last)
          if tonumber(ARGV[2]) > 0 then
            redis.call('PEXPIRE', KEYS[2], ARGV[2])
            redis.call('PEXPIRE', KEYS[3], ARGV[2])
          end
        end
        return {epoch, tonumber(last)}
        """;

    /// <summary>
    /// Renews the epoch of a history that fell behind what a node delivered under it. KEYS: the
    /// history's four. ARGV: the epoch the node knows, a new epoch. When the history still has that
    /// epoch, it gets the new one and the base becomes its latest sequence (the keys keep their
    /// expiry). Returns {epoch, latest, base} as they are afterwards; epoch is false without history.
    /// </summary>
    public static readonly string RenewEpoch = $$"""
        local epoch = redis.call('GET', KEYS[2])
        local last = redis.call('GET', KEYS[3])
        if {{NoHistory(1)}} then
          return {false, 0, 0}
        end
        if epoch == ARGV[1] then
          epoch = ARGV[2]
          redis.call('SET', KEYS[2], epoch, 'KEEPTTL')
          local ttl = redis.call('PTTL', KEYS[2])
          if ttl > 0 then
            redis.call('SET', KEYS[4], last, 'PX', ttl)
          else
            redis.call('SET', KEYS[4], last)
          end
        end
        return {epoch, tonumber(last), tonumber(redis.call('GET', KEYS[4]) or '0')}
        """;

    /// <summary>
    /// Claim: first writer wins. KEYS: claim, the history's five, claims index. ARGV: owner, ttl ms
    /// (every claim expires), resource, then the Append arguments (event data, maxlen, ttl ms, pub/sub
    /// channel, new epoch). Returns {1, offset} when claimed, {2, latest offset or false} when the owner
    /// already holds it (a retried claim: nothing appended), {0, current owner} when someone else holds it.
    /// </summary>
    public static readonly string Claim = """
        local current = redis.call('GET', KEYS[1])
        if current == ARGV[1] then
          local epoch = redis.call('GET', KEYS[3])
          if epoch then
            return {2, epoch .. ':' .. (redis.call('GET', KEYS[4]) or '0')}
          end
          return {2, false}
        end
        if current then
          return {0, current}
        end
        """ + "\n" + Append(2, 4) + """

        redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
        local expiry = tonumber(ms) + tonumber(ARGV[2])
        redis.call('ZADD', KEYS[7], expiry, ARGV[3])
        local last = redis.call('ZRANGE', KEYS[7], -1, -1, 'WITHSCORES')
        redis.call('PEXPIREAT', KEYS[7], last[2])
        return {1, offset}
        """;

    /// <summary>
    /// Release. KEYS: claim, the history's five, claims index. ARGV: owner ('' = the server, may
    /// release any), resource, then the Append arguments. Returns {1, offset} when released, {0, false}
    /// when not claimed, {-1, owner} when held by another. The event is appended before the claim is
    /// deleted: a full cache refuses a script's first write, and then nothing changed.
    /// </summary>
    public static readonly string Release = """
        local owner = redis.call('GET', KEYS[1])
        if not owner then
          return {0, false}
        end
        if ARGV[1] ~= '' and owner ~= ARGV[1] then
          return {-1, owner}
        end
        """ + "\n" + Append(2, 3) + """

        redis.call('DEL', KEYS[1])
        redis.call('ZREM', KEYS[7], ARGV[2])
        return {1, offset}
        """;

    /// <summary>
    /// The first page of a channel's claimed resources, soonest to expire first. KEYS[1]: the index.
    /// ARGV[1]: how many. Expiry is judged by Redis's clock, the one the claims' scores were made with;
    /// up to 1,000 expired entries are trimmed a call (bounded work however large the index). Returns
    /// {more (0|1), resource, …}; the owners are read by <see cref="Owners"/> from keys the caller names.
    /// </summary>
    public static readonly string Claims = $$"""
        local expired = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', {{NowMs}}, 'LIMIT', 0, 1000)
        if #expired > 0 then
          redis.call('ZREM', KEYS[1], unpack(expired))
        end
        local limit = tonumber(ARGV[1])
        local resources = redis.call('ZRANGE', KEYS[1], 0, limit)
        local more = 0
        if #resources > limit then
          more = 1
          resources[#resources] = nil
        end
        table.insert(resources, 1, more)
        return resources
        """;

    /// <summary>
    /// The owners of the claim keys in KEYS, in order; nil for a claim that has gone. MGET (the keys share
    /// the channel's hash slot) of at most 1,000 keys at a time: Lua cannot unpack many thousands at once.
    /// </summary>
    public const string Owners = """
        local owners = {}
        for first = 1, #KEYS, 1000 do
          local part = redis.call('MGET', unpack(KEYS, first, math.min(first + 999, #KEYS)))
          for i = 1, #part do
            owners[first + i - 1] = part[i]
          end
        end
        return owners
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

    /// <summary>
    /// Join. KEYS: members, expiry. ARGV: now, pub/sub, connection id, member JSON, expiry ms. Announced
    /// only when new: a refresh that ran first has written and announced it already.
    /// </summary>
    public const string Join = Sweep + "\n" + """
        local added = redis.call('HSET', KEYS[1], ARGV[3], ARGV[4])
        redis.call('ZADD', KEYS[2], ARGV[5], ARGV[3])
        redis.call('PEXPIREAT', KEYS[1], ARGV[5])
        redis.call('PEXPIREAT', KEYS[2], ARGV[5])
        if added == 1 then
          redis.call('PUBLISH', ARGV[2], '!join\n' .. ARGV[4])
        end
        return added
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
    /// Heartbeat of one node for one channel: re-asserts its members (a member the backplane lost, in a
    /// restart or failover, is written again and announced with a join), extends their expiry, then
    /// sweeps. KEYS: members, expiry. ARGV: now, pub/sub, new expiry ms, then connection id and member
    /// JSON pairs.
    /// </summary>
    public const string Refresh = """
        for i = 4, #ARGV, 2 do
          if redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) == 1 then
            redis.call('PUBLISH', ARGV[2], '!join\n' .. ARGV[i + 1])
          end
          redis.call('ZADD', KEYS[2], ARGV[3], ARGV[i])
        end
        if redis.call('EXISTS', KEYS[1]) == 1 then
          redis.call('PEXPIREAT', KEYS[1], ARGV[3])
          redis.call('PEXPIREAT', KEYS[2], ARGV[3])
        end
        """ + "\n" + Sweep + "\nreturn 1";

    /// <summary>Members. KEYS: members, expiry. ARGV: now, pub/sub. Returns the live members' JSON.</summary>
    public const string Members = Sweep + "\nreturn redis.call('HVALS', KEYS[1])";

    /// <summary>
    /// The fleet's load. KEYS[1]: the fleet hash. ARGV: node, connections (-1 = leave), ttl ms. Writes
    /// the node's count with its expiry by Redis's clock, drops expired nodes (a node that died stops
    /// counting after the ttl), and returns {node, count, …} of every live node.
    /// </summary>
    public static readonly string Fleet = $$"""
        local now = tonumber({{NowMs}})
        if tonumber(ARGV[2]) < 0 then
          redis.call('HDEL', KEYS[1], ARGV[1])
        else
          redis.call('HSET', KEYS[1], ARGV[1], ARGV[2] .. ':' .. string.format('%d', now + tonumber(ARGV[3])))
          redis.call('PEXPIRE', KEYS[1], ARGV[3])
        end
        local all = redis.call('HGETALL', KEYS[1])
        local live = {}
        for i = 1, #all, 2 do
          local count, expiry = string.match(all[i + 1], '^(%d+):(%d+)$')
          if expiry and tonumber(expiry) > now then
            live[#live + 1] = all[i]
            live[#live + 1] = count
          else
            redis.call('HDEL', KEYS[1], all[i])
          end
        end
        return live
        """;
}
