using Realtime.AspNetCore.Features;

namespace Realtime.Server.Tests.Stores;

/// <summary>What every presence store must do; run against the in-memory one and against real Redis.</summary>
public abstract class PresenceStoreSpecification
{
    protected abstract IPresenceStore Store { get; }

    private static string NewChannel() => $"room:{Guid.NewGuid():N}";

    private static PresenceMember Member(string connection, string? user, long joinedAt) => new(connection, user, "node-1", joinedAt);

    [Fact]
    public async Task Members_are_listed_in_the_order_they_joined_until_they_leave()
    {
        var channel = NewChannel();
        await Store.JoinAsync(channel, Member("c2", "ben", joinedAt: 2));
        await Store.JoinAsync(channel, Member("c1", "anna", joinedAt: 1));
        await Store.JoinAsync(channel, Member("c3", null, joinedAt: 3));

        Assert.Equal(["c1", "c2", "c3"], (await Store.MembersAsync(channel)).Select(m => m.Connection));
        Assert.Equal("anna", (await Store.MembersAsync(channel))[0].User);

        await Store.LeaveAsync(channel, "c2");
        Assert.Equal(["c1", "c3"], (await Store.MembersAsync(channel)).Select(m => m.Connection));
    }

    [Fact]
    public async Task Leaving_twice_or_leaving_an_empty_channel_is_harmless()
    {
        var channel = NewChannel();
        await Store.LeaveAsync(channel, "nobody");
        await Store.JoinAsync(channel, Member("c1", "anna", joinedAt: 1));
        await Store.LeaveAsync(channel, "c1");
        await Store.LeaveAsync(channel, "c1");
        Assert.Empty(await Store.MembersAsync(channel));
    }

    [Fact]
    public async Task A_refresh_keeps_the_members_it_names()
    {
        var channel = NewChannel();
        var member = Member("c1", "anna", joinedAt: 1);
        await Store.JoinAsync(channel, member);
        await Store.RefreshAsync(channel, [member]);
        Assert.Equal(["c1"], (await Store.MembersAsync(channel)).Select(m => m.Connection));
    }

    [Fact]
    public async Task Channels_do_not_share_members()
    {
        var (a, b) = (NewChannel(), NewChannel());
        await Store.JoinAsync(a, Member("c1", "anna", joinedAt: 1));
        Assert.Empty(await Store.MembersAsync(b));
    }
}
