using Realtime.AspNetCore.Features;
using StackExchange.Redis;

namespace Realtime.AspNetCore.Backplane.Redis;

/// <summary>Presence in Redis: a hash of members and a sorted set of their expiry per channel.</summary>
/// <param name="heartbeat">How often the node refreshes its members (<c>Realtime:HeartbeatSeconds</c>).</param>
public sealed class RedisPresenceStore(RedisBackplane backplane, TimeSpan heartbeat, TimeProvider time) : IPresenceStore
{
    /// <summary>A member lives two heartbeats past its node's last refresh.</summary>
    private readonly long _ttlMs = 2 * (long)heartbeat.TotalMilliseconds;

    private RedisKeys Keys => backplane.Keys;

    private long Now => time.GetUtcNow().ToUnixTimeMilliseconds();

    public async ValueTask JoinAsync(string channel, PresenceMember member, CancellationToken cancellationToken = default) =>
        await backplane.RunAsync(channel, RedisScripts.Join, [Keys.Members(channel), Keys.MemberExpiry(channel)],
            [Now, Keys.MessagesName(channel), member.Connection, member.ToJson(), Now + _ttlMs], mutates: false).ConfigureAwait(false);

    public async ValueTask LeaveAsync(string channel, string connection, CancellationToken cancellationToken = default) =>
        await backplane.RunAsync(channel, RedisScripts.Leave, [Keys.Members(channel), Keys.MemberExpiry(channel)],
            [Now, Keys.MessagesName(channel), connection], mutates: false).ConfigureAwait(false);

    public async ValueTask RefreshAsync(string channel, IReadOnlyCollection<PresenceMember> members, CancellationToken cancellationToken = default) =>
        await backplane.RunAsync(channel, RedisScripts.Refresh, [Keys.Members(channel), Keys.MemberExpiry(channel)],
            [Now, Keys.MessagesName(channel), Now + _ttlMs, .. members.SelectMany(m => new RedisValue[] { m.Connection, m.ToJson() })], mutates: false).ConfigureAwait(false);

    public async ValueTask<IReadOnlyList<PresenceMember>> MembersAsync(string channel, CancellationToken cancellationToken = default)
    {
        var values = (RedisResult[])(await backplane.RunAsync(channel, RedisScripts.Members,
            [Keys.Members(channel), Keys.MemberExpiry(channel)], [Now, Keys.MessagesName(channel)], mutates: false).ConfigureAwait(false))!;
        return values.Select(v => PresenceMember.FromJson((byte[])v!)!).OrderBy(m => m.JoinedAt).ToList();
    }
}
