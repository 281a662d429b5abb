using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Realtime.AspNetCore.Diagnostics;
using Realtime.AspNetCore.Extensibility;
using Realtime.Server.Tests.Infrastructure;

namespace Realtime.Server.Tests.Hooks;

/// <summary>
/// The event outbox's limits, each by the fault that hits it: a receiver that hangs (its queue fills),
/// a receiver slower than the node's byte budget allows, one that fails every try, one that refuses
/// for good. What is lost is counted by reason (<c>realtime.hooks.events.lost</c>), what is kept is
/// told once and in order, and one receiver's trouble never stops the outbox.
/// </summary>
public sealed class EventOutboxTests : IAsyncLifetime
{
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly ConcurrentDictionary<string, int> _lost = new();
    private readonly MeterListener _listener = new();
    private readonly RealtimeMetrics _metrics;
    private readonly List<string> _told = [];
    private readonly SemaphoreSlim _gate = new(0);
    private readonly TaskCompletionSource _firstArrived = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private EventOutbox? _outbox;

    public EventOutboxTests()
    {
        var meters = _services.GetRequiredService<IMeterFactory>();
        _metrics = new RealtimeMetrics(meters);
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Scope == meters && instrument.Name == "realtime.hooks.events.lost")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "reason")
                {
                    _lost.AddOrUpdate((string)tag.Value!, (int)value, (_, n) => n + (int)value);
                }
            }
        });
        _listener.Start();
    }

    [Fact]
    public async Task A_hung_receivers_queue_fills_and_what_does_not_fit_is_counted_lost()
    {
        var (outbox, hooks) = Outbox(new HookOptions { EventQueueCapacity = 2 }, HeldReceiver);
        outbox.Enqueue(hooks, Event(1));
        await _firstArrived.Task.WaitAsync(TimeSpan.FromSeconds(10)); // the receiver holds event 1
        for (var n = 2; n <= 5; n++)
        {
            outbox.Enqueue(hooks, Event(n));
        }

        Assert.Equal(2, _lost.GetValueOrDefault("queue_full"));
        _gate.Release(int.MaxValue / 2);
        await Eventually.TrueAsync(() => outbox.Pending == 0, "the queue drains");
        Assert.Equal(["1", "2", "3"], Told());
    }

    [Fact]
    public async Task Past_the_byte_budget_events_are_counted_lost_until_the_receiver_catches_up()
    {
        // Each event with 300 bytes of data weighs 556: one fits in 1,000, a second does not.
        var (outbox, hooks) = Outbox(new HookOptions { EventQueueMaxBytes = 1000 }, HeldReceiver);
        outbox.Enqueue(hooks, Event(1), dataBytes: 300);
        await _firstArrived.Task.WaitAsync(TimeSpan.FromSeconds(10));
        outbox.Enqueue(hooks, Event(2), dataBytes: 300);
        Assert.Equal(1, _lost.GetValueOrDefault("queue_full"));

        _gate.Release(int.MaxValue / 2);
        await Eventually.TrueAsync(() => outbox.Pending == 0, "the queue drains");
        outbox.Enqueue(hooks, Event(3), dataBytes: 300); // room again
        await Eventually.TrueAsync(() => outbox.Pending == 0, "event 3 is told");
        Assert.Equal(["1", "3"], Told());
        Assert.Equal(1, _lost.GetValueOrDefault("queue_full"));
    }

    [Fact]
    public async Task An_event_failing_every_try_is_given_up_and_counted_and_the_next_is_still_told()
    {
        var tries = new ConcurrentDictionary<string, int>();
        var (outbox, hooks) = Outbox(new HookOptions { EventMaxAttempts = 2 }, (stored, _) =>
        {
            tries.AddOrUpdate(stored.Offset, 1, (_, n) => n + 1);
            if (stored.Offset == "1")
            {
                throw new InvalidOperationException("the app's receiver is down");
            }

            lock (_told)
            {
                _told.Add(stored.Offset);
            }

            return ValueTask.CompletedTask;
        });
        outbox.Enqueue(hooks, Event(1));
        outbox.Enqueue(hooks, Event(2));

        await Eventually.TrueAsync(() => outbox.Pending == 0, "both events are done with", TimeSpan.FromSeconds(10));
        Assert.Equal(2, tries["1"]);
        Assert.Equal(1, _lost.GetValueOrDefault("gave_up"));
        Assert.Equal(["2"], Told());
    }

    [Fact]
    public async Task An_event_the_backend_refuses_for_good_is_not_tried_again()
    {
        var tries = 0;
        var (outbox, hooks) = Outbox(new HookOptions { EventMaxAttempts = 5 }, (_, _) =>
        {
            Interlocked.Increment(ref tries);
            throw new EventRejectedException(422);
        });
        outbox.Enqueue(hooks, Event(1));

        await Eventually.TrueAsync(() => outbox.Pending == 0, "the event is done with");
        Assert.Equal(1, Volatile.Read(ref tries));
        Assert.Empty(_lost);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        _gate.Release(int.MaxValue / 2);
        if (_outbox is not null)
        {
            await _outbox.StopAsync(CancellationToken.None);
            _outbox.Dispose();
        }

        _listener.Dispose();
        _metrics.Dispose();
        await _services.DisposeAsync();
    }

    private (EventOutbox Outbox, NamespaceHooks Hooks) Outbox(HookOptions options, Func<StoredEvent, CancellationToken, ValueTask> receive)
    {
        _outbox = new EventOutbox(Options.Create(options), _metrics, TimeProvider.System, NullLogger<EventOutbox>.Instance);
        var hooks = new NamespaceHooks();
        hooks.Stored.Add(new EventReceiver("test", receive));
        return (_outbox, hooks);
    }

    /// <summary>Takes each event once the test opens the gate; the first one signals it has arrived.</summary>
    private async ValueTask HeldReceiver(StoredEvent stored, CancellationToken cancellationToken)
    {
        _firstArrived.TrySetResult();
        await _gate.WaitAsync(cancellationToken);
        lock (_told)
        {
            _told.Add(stored.Offset);
        }
    }

    private List<string> Told()
    {
        lock (_told)
        {
            return [.. _told];
        }
    }

    private static StoredEvent Event(int n) => new(StoredKind.Publish, "feed:a", n.ToString(System.Globalization.CultureInfo.InvariantCulture), "connection", null, "node");
}
