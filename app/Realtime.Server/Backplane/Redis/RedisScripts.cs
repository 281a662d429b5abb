namespace Realtime.Server.Backplane.Redis;

/// <summary>Lua run inside Redis, so each step is atomic with respect to every other client.</summary>
internal static class RedisScripts
{
    /// <summary>
    /// Publish: append to the channel's stream (trimmed to about ARGV[2] entries, expiring after
    /// ARGV[3] ms of silence), then publish "id\ndata" to the nodes. One script, so the stream order
    /// and the pub/sub order are the same. KEYS[1] stream; ARGV[1] data, ARGV[4] pub/sub channel.
    /// </summary>
    public const string Publish = """
        local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], '*', 'd', ARGV[1])
        if tonumber(ARGV[3]) > 0 then
          redis.call('PEXPIRE', KEYS[1], ARGV[3])
        end
        redis.call('PUBLISH', ARGV[4], id .. '\n' .. ARGV[1])
        return id
        """;
}
