using Realtime.Client;

namespace Realtime.Server.Tests.Client;

public sealed class ClientBookkeepingTests
{
    [Fact]
    public void Backoff_doubles_from_the_minimum_with_full_jitter_up_to_the_maximum()
    {
        var min = TimeSpan.FromMilliseconds(500);
        var max = TimeSpan.FromSeconds(20);
        Assert.Equal(250, Backoff.Delay(0, min, max, new FixedRandom(0.5)).TotalMilliseconds);
        Assert.Equal(2000, Backoff.Delay(3, min, max, new FixedRandom(0.5)).TotalMilliseconds);
        Assert.Equal(10_000, Backoff.Delay(12, min, max, new FixedRandom(0.5)).TotalMilliseconds); // capped at 20 s
        Assert.Equal(0, Backoff.Delay(5, min, max, new FixedRandom(0)).TotalMilliseconds);
        Assert.All(Enumerable.Range(0, 100), attempt => Assert.InRange(Backoff.Delay(attempt, min, max, Random.Shared), TimeSpan.Zero, max));
    }

    [Fact]
    public void Resume_starts_after_the_last_delivered_message()
    {
        var tracker = new SubscriptionTracker();
        Assert.True(tracker.Add("chat:a", presence: true, since: null));
        Assert.False(tracker.Add("chat:a", presence: false, since: null)); // once per channel
        tracker.Add("chat:b", presence: false, since: "e:1-0");

        Assert.False(tracker.Subscribed("chat:a", latest: "e:10-0", recovered: true));
        tracker.Delivered("chat:a", "e:11-0");
        tracker.Delivered("chat:a", "e:12-0");

        var requests = tracker.ResumeRequests().OrderBy(r => r.Channel).ToList();
        Assert.Equal([("chat:a", true, "e:12-0"), ("chat:b", false, "e:1-0")], requests);
    }

    [Fact]
    public void A_subscribe_without_history_starts_from_the_latest_offset()
    {
        var tracker = new SubscriptionTracker();
        tracker.Add("feed:x", presence: false, since: null);
        Assert.False(tracker.Subscribed("feed:x", latest: "e:7-0", recovered: true));
        Assert.Equal("e:7-0", tracker.OffsetOf("feed:x"));
    }

    [Fact]
    public void Recovered_false_after_a_resume_is_a_gap_and_moves_to_the_latest_offset()
    {
        var tracker = new SubscriptionTracker();
        tracker.Add("feed:x", presence: false, since: "old:3-0");
        Assert.True(tracker.Subscribed("feed:x", latest: "new:9-0", recovered: false));
        Assert.Equal("new:9-0", tracker.OffsetOf("feed:x"));
        Assert.False(tracker.Subscribed("feed:x", latest: "new:9-0", recovered: true));
    }

    [Fact]
    public void A_gap_moves_the_channel_to_the_gap_offset_and_the_next_resume_starts_there()
    {
        var tracker = new SubscriptionTracker();
        tracker.Add("chat:lobby", presence: true, since: null);
        tracker.Add("chat:other", presence: false, since: null);
        Assert.False(tracker.Subscribed("chat:lobby", latest: "3f9a2c61d0b4:40", recovered: true));
        Assert.False(tracker.Subscribed("chat:other", latest: "77aa:5", recovered: true));
        tracker.Delivered("chat:lobby", "3f9a2c61d0b4:42");

        Assert.True(tracker.Gap("chat:lobby", "3f9a2c61d0b4:57"));
        Assert.Equal("3f9a2c61d0b4:57", tracker.OffsetOf("chat:lobby"));
        Assert.Equal("77aa:5", tracker.OffsetOf("chat:other")); // other channels are untouched

        var requests = tracker.ResumeRequests().OrderBy(r => r.Channel).ToList();
        Assert.Equal([("chat:lobby", true, "3f9a2c61d0b4:57"), ("chat:other", false, "77aa:5")], requests);

        // Live messages after the gap move the position on as before.
        tracker.Delivered("chat:lobby", "3f9a2c61d0b4:58");
        Assert.Equal("3f9a2c61d0b4:58", tracker.OffsetOf("chat:lobby"));
    }

    [Fact]
    public void A_gap_without_an_offset_keeps_the_position()
    {
        var tracker = new SubscriptionTracker();
        tracker.Add("chat:lobby", presence: false, since: "3f9a2c61d0b4:42");
        Assert.True(tracker.Gap("chat:lobby", offset: null));
        Assert.Equal("3f9a2c61d0b4:42", tracker.OffsetOf("chat:lobby"));
        Assert.Equal([("chat:lobby", false, "3f9a2c61d0b4:42")], tracker.ResumeRequests());
    }

    [Fact]
    public void A_gap_on_an_untracked_channel_is_ignored()
    {
        var tracker = new SubscriptionTracker();
        tracker.Add("chat:a", presence: false, since: "e:1");
        Assert.False(tracker.Gap("chat:unknown", "e:9"));
        Assert.Null(tracker.OffsetOf("chat:unknown"));
        Assert.Equal(["chat:a"], tracker.ResumeRequests().Select(r => r.Channel)); // not added by the gap

        tracker.Remove("chat:a");
        Assert.False(tracker.Gap("chat:a", "e:9")); // nor brought back after an unsubscribe
        Assert.Empty(tracker.ResumeRequests());
    }

    [Fact]
    public void Removed_channels_are_not_resumed()
    {
        var tracker = new SubscriptionTracker();
        tracker.Add("a:1", false, null);
        tracker.Add("a:2", false, null);
        tracker.Remove("a:1");
        Assert.Equal(["a:2"], tracker.ResumeRequests().Select(r => r.Channel));
    }
}
