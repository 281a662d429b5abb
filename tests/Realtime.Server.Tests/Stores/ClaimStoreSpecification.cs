using System.Collections.Concurrent;
using Realtime.AspNetCore.Backplane;
using Realtime.AspNetCore.Features;

namespace Realtime.Server.Tests.Stores;

/// <summary>What every claim store must do (first writer wins, announced on the channel); run against the in-memory one and against real Redis.</summary>
public abstract class ClaimStoreSpecification
{
    protected static readonly HistoryPolicy History = new(Length: 100, TtlSeconds: 3600);

    private static readonly TimeSpan Hour = TimeSpan.FromHours(1);

    protected abstract IClaimStore Store { get; }

    protected abstract IBackplane Backplane { get; }

    private static string NewChannel() => $"book:{Guid.NewGuid():N}";

    [Fact]
    public async Task The_first_claimant_wins_and_the_second_is_told_who_holds_it()
    {
        var channel = NewChannel();
        var first = await Store.ClaimAsync(channel, "t7", "anna", Hour, History);
        var second = await Store.ClaimAsync(channel, "t7", "ben", Hour, History);
        Assert.Equal(ClaimStatus.Done, first.Status);
        Assert.NotNull(first.Offset);
        Assert.Equal(ClaimStatus.HeldByOther, second.Status);
        Assert.Equal("anna", second.Owner);
    }

    [Fact]
    public async Task Racing_claimants_get_exactly_one_winner()
    {
        var channel = NewChannel();
        var outcomes = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => Store.ClaimAsync(channel, "t7", $"guest{i}", Hour, History).AsTask()));
        var winner = Assert.Single(outcomes, o => o.Status == ClaimStatus.Done);
        Assert.All(outcomes.Where(o => o != winner), o => Assert.Equal((ClaimStatus.HeldByOther, winner.Owner), (o.Status, o.Owner)));
    }

    [Fact]
    public async Task The_owner_repeating_its_claim_is_told_it_holds_it_and_nothing_is_announced_again()
    {
        var channel = NewChannel();
        var first = await Store.ClaimAsync(channel, "t7", "anna", Hour, History);
        var again = await Store.ClaimAsync(channel, "t7", "anna", Hour, History);
        Assert.Equal(ClaimStatus.AlreadyHeld, again.Status);
        Assert.Equal(first.Offset, again.Offset);
    }

    [Fact]
    public async Task Only_the_owner_or_the_server_releases_and_a_free_resource_is_not_claimed()
    {
        var channel = NewChannel();
        await Store.ClaimAsync(channel, "t7", "anna", Hour, History);
        Assert.Equal(ClaimStatus.HeldByOther, (await Store.ReleaseAsync(channel, "t7", "ben", History)).Status);
        Assert.Equal(ClaimStatus.Done, (await Store.ReleaseAsync(channel, "t7", "anna", History)).Status);
        Assert.Equal(ClaimStatus.NotClaimed, (await Store.ReleaseAsync(channel, "t7", "anna", History)).Status);

        await Store.ClaimAsync(channel, "t8", "ben", Hour, History);
        Assert.Equal(ClaimStatus.Done, (await Store.ReleaseAsync(channel, "t8", owner: null, History)).Status);
        Assert.Equal(ClaimStatus.Done, (await Store.ClaimAsync(channel, "t8", "anna", Hour, History)).Status);
    }

    [Fact]
    public async Task A_claim_expires_and_the_resource_can_be_claimed_again()
    {
        var channel = NewChannel();
        Assert.Equal(ClaimStatus.Done, (await Store.ClaimAsync(channel, "t7", "anna", TimeSpan.FromMilliseconds(200), History)).Status);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        ClaimOutcome outcome;
        do
        {
            await Task.Delay(50);
            outcome = await Store.ClaimAsync(channel, "t7", "ben", Hour, History);
        }
        while (outcome.Status != ClaimStatus.Done && DateTime.UtcNow < deadline);

        Assert.Equal(ClaimStatus.Done, outcome.Status);
    }

    [Fact]
    public async Task Listing_shows_the_holders_up_to_the_limit_and_says_when_there_are_more()
    {
        var channel = NewChannel();
        for (var i = 0; i < 5; i++)
        {
            await Store.ClaimAsync(channel, $"t{i}", $"guest{i}", Hour, History);
        }

        var all = await Store.ListAsync(channel, limit: 10);
        Assert.False(all.More);
        Assert.Equal(Enumerable.Range(0, 5).Select(i => ($"t{i}", $"guest{i}")).Order(), all.Holders.Select(h => (h.Resource, h.Owner)).Order());

        var some = await Store.ListAsync(channel, limit: 3);
        Assert.True(some.More);
        Assert.Equal(3, some.Holders.Count);
    }

    [Fact]
    public async Task Claims_and_releases_are_announced_on_the_channel_at_the_offsets_returned()
    {
        var channel = NewChannel();
        var announced = new ConcurrentQueue<BackplaneMessage>();
        await using var subscription = await Backplane.SubscribeAsync(channel, announced.Enqueue);

        var claim = await Store.ClaimAsync(channel, "t7", "anna", Hour, History);
        var release = await Store.ReleaseAsync(channel, "t7", "anna", History);

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (announced.Count < 2 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        Assert.Equal([claim.Offset, release.Offset], announced.Select(m => m.Offset));
    }
}
