using System.Collections.Concurrent;
using System.Text;
using Realtime.AspNetCore.Backplane;

namespace Realtime.Server.Tests.Backplane;

/// <summary>What every backplane must do; run against the in-memory one and against real Redis.</summary>
public abstract class BackplaneSpecification
{
    protected abstract IBackplane Backplane { get; }

    protected static readonly HistoryPolicy History = new(Length: 100, TtlSeconds: 3600);

    private static string NewChannel() => $"spec:{Guid.NewGuid():N}";

    private static byte[] Data(int i) => Encoding.UTF8.GetBytes($$"""{"i":{{i}}}""");

    [Fact]
    public async Task Subscriber_receives_the_published_data_and_offset()
    {
        var channel = NewChannel();
        var received = new TaskCompletionSource<BackplaneMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var subscription = await Backplane.SubscribeAsync(channel, m => received.TrySetResult(m));

        var offset = await Backplane.PublishAsync(channel, Data(1), History);

        var message = await received.Task.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(channel, message.Channel);
        Assert.Equal(offset, message.Offset);
        Assert.Equal("""{"i":1}""", Encoding.UTF8.GetString(message.Data.Span));
        Assert.True(ChannelOffset.TryParse(offset, out _));
        Assert.InRange(message.PublishedAtMs, DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeMilliseconds(), DateTimeOffset.UtcNow.AddMinutes(1).ToUnixTimeMilliseconds());
    }

    [Fact]
    public async Task Messages_arrive_in_publish_order_with_increasing_offsets()
    {
        const int count = 500;
        var channel = NewChannel();
        var received = new ConcurrentQueue<BackplaneMessage>();
        await using var subscription = await Backplane.SubscribeAsync(channel, received.Enqueue);

        var offsets = new List<string>();
        for (var i = 0; i < count; i++)
        {
            offsets.Add(await Backplane.PublishAsync(channel, Data(i), History));
        }

        await WaitUntil(() => received.Count >= count);
        var messages = received.ToList();
        Assert.Equal(count, messages.Count);
        Assert.Equal(offsets, messages.Select(m => m.Offset));
        Assert.Equal(Enumerable.Range(0, count).Select(i => $$"""{"i":{{i}}}"""), messages.Select(m => Encoding.UTF8.GetString(m.Data.Span)));
        var parsed = offsets.Select(Offset).ToList();
        Assert.Single(parsed.Select(p => p.Epoch).Distinct());
        Assert.True(parsed.Zip(parsed.Skip(1)).All(pair => pair.Second.Sequence == pair.First.Sequence + 1), "sequences must be dense");
    }

    [Fact]
    public async Task Every_subscription_gets_every_message()
    {
        var channel = NewChannel();
        var first = new ConcurrentQueue<BackplaneMessage>();
        var second = new ConcurrentQueue<BackplaneMessage>();
        await using var a = await Backplane.SubscribeAsync(channel, first.Enqueue);
        await using var b = await Backplane.SubscribeAsync(channel, second.Enqueue);

        for (var i = 0; i < 10; i++)
        {
            await Backplane.PublishAsync(channel, Data(i), History);
        }

        await WaitUntil(() => first.Count == 10 && second.Count == 10);
        Assert.Equal(first.Select(m => m.Offset), second.Select(m => m.Offset));
    }

    [Fact]
    public async Task Disposed_subscription_receives_nothing_more()
    {
        var channel = NewChannel();
        var received = new ConcurrentQueue<BackplaneMessage>();
        var subscription = await Backplane.SubscribeAsync(channel, received.Enqueue);
        await Backplane.PublishAsync(channel, Data(1), History);
        await WaitUntil(() => received.Count == 1);

        await subscription.DisposeAsync();
        await Backplane.PublishAsync(channel, Data(2), History);

        // A second subscription proves the message went out; the first must not see it.
        var witness = new ConcurrentQueue<BackplaneMessage>();
        await using var other = await Backplane.SubscribeAsync(channel, witness.Enqueue);
        await Backplane.PublishAsync(channel, Data(3), History);
        await WaitUntil(() => witness.Count == 1);
        Assert.Single(received);
    }

    [Fact]
    public async Task Channels_are_isolated()
    {
        var (one, two) = (NewChannel(), NewChannel());
        var received = new ConcurrentQueue<BackplaneMessage>();
        await using var subscription = await Backplane.SubscribeAsync(one, received.Enqueue);

        await Backplane.PublishAsync(two, Data(2), History);
        await Backplane.PublishAsync(one, Data(1), History);

        await WaitUntil(() => !received.IsEmpty);
        Assert.Equal(one, Assert.Single(received).Channel);
    }

    [Fact]
    public async Task Publish_without_subscribers_still_returns_an_offset()
    {
        Assert.True(ChannelOffset.TryParse(await Backplane.PublishAsync(NewChannel(), Data(1), History), out _));
    }

    [Fact]
    public async Task A_channel_without_history_has_no_epoch()
    {
        var slice = await Backplane.ReadHistoryAsync(NewChannel(), since: null, limit: 10);
        Assert.Null(slice.Epoch);
        Assert.Null(slice.LatestOffset);
        Assert.Empty(slice.Messages);
    }

    [Fact]
    public async Task History_after_an_offset_is_every_later_message_in_order()
    {
        var channel = NewChannel();
        var offsets = new List<string>();
        for (var i = 0; i < 10; i++)
        {
            offsets.Add(await Backplane.PublishAsync(channel, Data(i), History));
        }

        var slice = await Backplane.ReadHistoryAsync(channel, Offset(offsets[3]), limit: 100);

        Assert.Equal(offsets[^1], slice.LatestOffset);
        Assert.True(slice.Complete);
        Assert.Equal(offsets[4..], slice.Messages.Select(m => m.Offset));
        Assert.Equal("{\"i\":4}", Encoding.UTF8.GetString(slice.Messages[0].Data.Span));
    }

    [Fact]
    public async Task History_reads_at_most_limit_plus_one()
    {
        var channel = NewChannel();
        var first = await Backplane.PublishAsync(channel, Data(0), History);
        for (var i = 1; i < 10; i++)
        {
            await Backplane.PublishAsync(channel, Data(i), History);
        }

        Assert.Equal(4, (await Backplane.ReadHistoryAsync(channel, Offset(first), limit: 3)).Messages.Count);
    }

    [Fact]
    public async Task Trimmed_history_is_reported_incomplete_but_a_kept_offset_is_complete()
    {
        var channel = NewChannel();
        var small = new HistoryPolicy(Length: 3, TtlSeconds: 3600);
        var offsets = new List<string>();
        for (var i = 0; i < 8; i++)
        {
            offsets.Add(await Backplane.PublishAsync(channel, Data(i), small));
        }

        Assert.False((await Backplane.ReadHistoryAsync(channel, Offset(offsets[1]), 100)).Complete);

        var slice = await Backplane.ReadHistoryAsync(channel, Offset(offsets[5]), 100);
        Assert.True(slice.Complete);
        Assert.Equal(offsets[6..], slice.Messages.Select(m => m.Offset));

        Assert.True((await Backplane.ReadHistoryAsync(channel, Offset(offsets[^1]), 100)).Complete); // nothing missed
    }

    [Fact]
    public async Task An_offset_from_another_epoch_is_not_complete()
    {
        var channel = NewChannel();
        var real = Offset(await Backplane.PublishAsync(channel, Data(1), History));

        var slice = await Backplane.ReadHistoryAsync(channel, real with { Epoch = "000000000000" }, 100);

        Assert.False(slice.Complete);
        Assert.Empty(slice.Messages);
    }

    [Fact]
    public async Task No_history_kept_still_advances_offsets_and_reports_the_gap()
    {
        var channel = NewChannel();
        var none = new HistoryPolicy(Length: 0, TtlSeconds: 3600);
        var a = Offset(await Backplane.PublishAsync(channel, Data(1), none));
        var b = Offset(await Backplane.PublishAsync(channel, Data(2), none));
        Assert.Equal(a.Sequence + 1, b.Sequence);

        Assert.False((await Backplane.ReadHistoryAsync(channel, a, 100)).Complete);
        Assert.True((await Backplane.ReadHistoryAsync(channel, b, 100)).Complete);
    }

    [Fact]
    public async Task A_new_channel_starts_at_sequence_one()
    {
        var channel = NewChannel();
        Assert.Equal(1, Offset(await Backplane.PublishAsync(channel, Data(1), History)).Sequence);
        Assert.Equal(2, Offset(await Backplane.PublishAsync(channel, Data(2), History)).Sequence);
    }

    [Fact]
    public async Task Resume_exactly_at_the_window_edge_is_complete()
    {
        var channel = NewChannel();
        var window = new HistoryPolicy(Length: 100, TtlSeconds: 3600);
        var offsets = new List<string>();
        for (var i = 0; i < 150; i++)
        {
            offsets.Add(await Backplane.PublishAsync(channel, Data(i), window));
        }

        // Missed exactly the 100 kept: the entry of 'since' itself was trimmed, everything after it is kept.
        var edge = await Backplane.ReadHistoryAsync(channel, Offset(offsets[49]), limit: 1000);
        Assert.True(edge.Complete);
        Assert.Equal(offsets[50..], edge.Messages.Select(m => m.Offset));

        Assert.False((await Backplane.ReadHistoryAsync(channel, Offset(offsets[48]), limit: 1000)).Complete);
    }

    [Fact]
    public async Task An_offset_ahead_of_the_history_is_not_complete()
    {
        var channel = NewChannel();
        var last = Offset(await Backplane.PublishAsync(channel, Data(1), History));

        // As after a failover to a replica that lacks the newest entries the reader saw.
        var slice = await Backplane.ReadHistoryAsync(channel, last with { Sequence = last.Sequence + 5 }, 100);

        Assert.False(slice.Complete);
        Assert.Empty(slice.Messages);
    }

    [Fact]
    public async Task History_keeps_at_most_its_byte_cap_oldest_first_and_always_the_newest()
    {
        var channel = NewChannel();
        var capped = new HistoryPolicy(Length: 100, TtlSeconds: 3600, MaxBytes: 3000);
        var data = Encoding.UTF8.GetBytes("\"" + new string('x', 998) + "\""); // 1,000 bytes
        var offsets = new List<string>();
        for (var i = 0; i < 10; i++)
        {
            offsets.Add(await Backplane.PublishAsync(channel, data, capped));
        }

        var kept = await Backplane.ReadHistoryAsync(channel, Offset(offsets[6]), 100);
        Assert.True(kept.Complete);
        Assert.Equal(offsets[7..], kept.Messages.Select(m => m.Offset)); // 3 × 1,000 bytes
        Assert.False((await Backplane.ReadHistoryAsync(channel, Offset(offsets[5]), 100)).Complete);

        var big = Encoding.UTF8.GetBytes("\"" + new string('y', 4998) + "\"");
        var last = await Backplane.PublishAsync(channel, big, capped);
        var alone = await Backplane.ReadHistoryAsync(channel, Offset(offsets[^1]), 100);
        Assert.True(alone.Complete); // larger than the cap on its own, and kept
        Assert.Equal([last], alone.Messages.Select(m => m.Offset));
    }

    [Fact]
    public async Task A_publish_id_is_stored_and_delivered_once()
    {
        var channel = NewChannel();
        var received = new ConcurrentQueue<BackplaneMessage>();
        await using var subscription = await Backplane.SubscribeAsync(channel, received.Enqueue);

        var first = await Backplane.PublishAsync(channel, Data(1), History, id: "order-17");
        var retry = await Backplane.PublishAsync(channel, Data(1), History, id: "order-17");
        var other = await Backplane.PublishAsync(channel, Data(2), History, id: "order-18");
        var elsewhere = await Backplane.PublishAsync(NewChannel(), Data(1), History, id: "order-17");

        Assert.Equal(first, retry);
        Assert.Equal(Offset(first).Sequence + 1, Offset(other).Sequence);
        Assert.Equal(1, Offset(elsewhere).Sequence); // ids are per channel
        await WaitUntil(() => received.Count >= 2);
        await Task.Delay(100);
        Assert.Equal([first, other], received.Select(m => m.Offset));
        var slice = await Backplane.ReadHistoryAsync(channel, Offset(first) with { Sequence = 0 }, 100);
        Assert.Equal(2, slice.Messages.Count);
    }

    [Fact]
    public async Task A_publish_id_is_forgotten_after_its_window()
    {
        var channel = NewChannel();
        var brief = new HistoryPolicy(Length: 100, TtlSeconds: 3600, IdempotencySeconds: 1);
        var first = await Backplane.PublishAsync(channel, Data(1), brief, id: "once");
        await Task.Delay(TimeSpan.FromSeconds(1.3));

        var later = await Backplane.PublishAsync(channel, Data(1), brief, id: "once");

        Assert.Equal(Offset(first).Sequence + 1, Offset(later).Sequence);
    }

    [Fact]
    public async Task A_started_history_is_empty_at_zero_and_the_first_publish_continues_its_epoch()
    {
        var channel = $"spec:{Guid.NewGuid():N}";
        var started = await Backplane.StartHistoryAsync(channel, History);
        Assert.NotNull(started.Epoch);
        Assert.Equal(0, started.Latest);
        Assert.Equal(started.Epoch, (await Backplane.StartHistoryAsync(channel, History)).Epoch); // started once

        var read = await Backplane.ReadHistoryAsync(channel, new ChannelOffset(started.Epoch!, 0), 10);
        Assert.True(read.Complete);
        Assert.Empty(read.Messages);

        var first = await Backplane.PublishAsync(channel, "1"u8.ToArray(), History);
        Assert.Equal(new ChannelOffset(started.Epoch!, 1), Offset(first));
        var resumed = await Backplane.ReadHistoryAsync(channel, new ChannelOffset(started.Epoch!, 0), 10);
        Assert.True(resumed.Complete);
        Assert.Single(resumed.Messages);
    }

    protected static ChannelOffset Offset(string text) =>
        ChannelOffset.TryParse(text, out var offset) ? offset : throw new FormatException(text);

    private static async Task WaitUntil(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out waiting for messages");
            await Task.Delay(10);
        }
    }
}
