using System.Collections.Concurrent;
using System.Text;
using Realtime.Server.Backplane;

namespace Realtime.Server.Tests.Backplane;

/// <summary>What every backplane must do; run against the in-memory one and against real Redis.</summary>
public abstract class BackplaneSpecification
{
    protected abstract IBackplane Backplane { get; }

    private static string NewChannel() => $"spec:{Guid.NewGuid():N}";

    private static byte[] Data(int i) => Encoding.UTF8.GetBytes($$"""{"i":{{i}}}""");

    [Fact]
    public async Task Subscriber_receives_the_published_data_and_offset()
    {
        var channel = NewChannel();
        var received = new TaskCompletionSource<BackplaneMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var subscription = await Backplane.SubscribeAsync(channel, m => received.TrySetResult(m));

        var offset = await Backplane.PublishAsync(channel, Data(1));

        var message = await received.Task.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(channel, message.Channel);
        Assert.Equal(offset, message.Offset);
        Assert.Equal("""{"i":1}""", Encoding.UTF8.GetString(message.Data.Span));
        Assert.True(StreamOffset.TryParse(offset, out _));
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
            offsets.Add(await Backplane.PublishAsync(channel, Data(i)));
        }

        await WaitUntil(() => received.Count >= count);
        var messages = received.ToList();
        Assert.Equal(count, messages.Count);
        Assert.Equal(offsets, messages.Select(m => m.Offset));
        Assert.Equal(Enumerable.Range(0, count).Select(i => $$"""{"i":{{i}}}"""), messages.Select(m => Encoding.UTF8.GetString(m.Data.Span)));
        var parsed = offsets.Select(o => StreamOffset.TryParse(o, out var p) ? p : throw new FormatException(o)).ToList();
        Assert.True(parsed.Zip(parsed.Skip(1)).All(pair => pair.First < pair.Second), "offsets must strictly increase");
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
            await Backplane.PublishAsync(channel, Data(i));
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
        await Backplane.PublishAsync(channel, Data(1));
        await WaitUntil(() => received.Count == 1);

        await subscription.DisposeAsync();
        await Backplane.PublishAsync(channel, Data(2));

        // A second subscription proves the message went out; the first must not see it.
        var witness = new ConcurrentQueue<BackplaneMessage>();
        await using var other = await Backplane.SubscribeAsync(channel, witness.Enqueue);
        await Backplane.PublishAsync(channel, Data(3));
        await WaitUntil(() => witness.Count == 1);
        Assert.Single(received);
    }

    [Fact]
    public async Task Channels_are_isolated()
    {
        var (one, two) = (NewChannel(), NewChannel());
        var received = new ConcurrentQueue<BackplaneMessage>();
        await using var subscription = await Backplane.SubscribeAsync(one, received.Enqueue);

        await Backplane.PublishAsync(two, Data(2));
        await Backplane.PublishAsync(one, Data(1));

        await WaitUntil(() => !received.IsEmpty);
        Assert.Equal(one, Assert.Single(received).Channel);
    }

    [Fact]
    public async Task Publish_without_subscribers_still_returns_an_offset()
    {
        Assert.True(StreamOffset.TryParse(await Backplane.PublishAsync(NewChannel(), Data(1)), out _));
    }

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
