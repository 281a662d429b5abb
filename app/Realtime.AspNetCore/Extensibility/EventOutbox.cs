using System.Collections.Concurrent;
using System.Threading.Channels;
using Realtime.AspNetCore.Diagnostics;

namespace Realtime.AspNetCore.Extensibility;

/// <summary>
/// Tells the app what was stored, off the request's path, at least once. Each receiver (a hooks
/// class's <c>OnStoredAsync</c>, a proxy's events URL) has a queue and a loop of its own, so one that
/// is down holds up nobody else; it takes its events in the order they were queued, and each is
/// tried until it is taken (0.2 s doubling to 5 s between tries), up to
/// <see cref="HookOptions.EventMaxAttempts"/>. An event is lost only when its receiver's queue or the
/// node's byte budget is full, the receiver failed every try, or the node stopped (or died) first;
/// each loss but the last is counted (<c>realtime.hooks.events.lost</c>) and logged with its channel and offset.
/// </summary>
public sealed class EventOutbox : IHostedService, IDisposable
{
    // Lazy: GetOrAdd may run its factory twice under contention, and each run starts a loop.
    private readonly ConcurrentDictionary<EventReceiver, Lazy<ReceiverQueue>> _queues = new();
    private readonly CancellationTokenSource _shutdown = new();
    private readonly HookOptions _options;
    private readonly RealtimeMetrics _metrics;
    private readonly ILogger<EventOutbox> _logger;
    private readonly TimeProvider _time;
    private long _queuedBytes;
    private int _pending;
    private volatile bool _stopped;

    public EventOutbox(Microsoft.Extensions.Options.IOptions<HookOptions> options, RealtimeMetrics metrics, TimeProvider time, ILogger<EventOutbox> logger)
    {
        _options = options.Value;
        _metrics = metrics;
        _time = time;
        _logger = logger;
    }

    /// <summary>Events queued and not yet taken (or given up), over every receiver.</summary>
    public int Pending => Volatile.Read(ref _pending);

    /// <summary>Queues <paramref name="stored"/> (with <paramref name="dataBytes"/> of data) for each receiver of the namespace; never waits.</summary>
    public void Enqueue(NamespaceHooks hooks, StoredEvent stored, int dataBytes = 0)
    {
        // What an event holds on to: its data, plus a rough allowance for the record and its strings.
        var size = 256L + dataBytes;
        foreach (var receiver in hooks.Stored)
        {
            if (_stopped)
            {
                Lost("shutdown", stored);
                continue;
            }

            if (Interlocked.Add(ref _queuedBytes, size) > _options.EventQueueMaxBytes)
            {
                Interlocked.Add(ref _queuedBytes, -size);
                Lost("queue_full", stored);
                continue;
            }

            Interlocked.Increment(ref _pending);
            if (!_queues.GetOrAdd(receiver, r => new Lazy<ReceiverQueue>(() => Start(r))).Value.Events.Writer.TryWrite((stored, size)))
            {
                Taken(size);
                Lost(_stopped ? "shutdown" : "queue_full", stored);
            }
        }
    }

    /// <summary>Nothing to start: a receiver's loop starts with its first event.</summary>
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// Waits for the queues to empty (at most until the host's shutdown timeout), then stops the
    /// loops; what is left is counted and logged as lost. Hosted services stop in reverse order, and
    /// this one is registered first: the last connections' releases are still told.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (Pending > 0 && !cancellationToken.IsCancellationRequested)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(50), _time, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
        }

        _stopped = true;
        await _shutdown.CancelAsync().ConfigureAwait(false);
        foreach (var queue in _queues.Values.Select(q => q.Value))
        {
            queue.Events.Writer.TryComplete();
            await queue.Loop.ConfigureAwait(false);
        }
    }

    public void Dispose() => _shutdown.Dispose();

    private ReceiverQueue Start(EventReceiver receiver)
    {
        var events = Channel.CreateBounded<(StoredEvent, long)>(new BoundedChannelOptions(_options.EventQueueCapacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
        return new ReceiverQueue(events, Task.Run(() => RunAsync(receiver, events.Reader, _shutdown.Token)));
    }

    private async Task RunAsync(EventReceiver receiver, ChannelReader<(StoredEvent Event, long Size)> events, CancellationToken stopping)
    {
        (StoredEvent Event, long Size)? current = null;
        try
        {
            await foreach (var item in events.ReadAllAsync(stopping).ConfigureAwait(false))
            {
                current = item;
                await DeliverAsync(item.Event, receiver, stopping).ConfigureAwait(false);

                current = null;
                Taken(item.Size);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            if (current is { } interrupted)
            {
                Taken(interrupted.Size);
                Lost("shutdown", interrupted.Event);
            }

            while (events.TryRead(out var left))
            {
                Taken(left.Size);
                Lost("shutdown", left.Event);
            }
        }
    }

    /// <summary>Tries until the receiver takes the event (or refuses it for good), or counts it lost after the last try.</summary>
    private async Task DeliverAsync(StoredEvent stored, EventReceiver receiver, CancellationToken stopping)
    {
        var pause = TimeSpan.FromMilliseconds(200);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await receiver.Deliver(stored, stopping).ConfigureAwait(false);
                return;
            }
            catch (EventRejectedException rejected)
            {
                HookLog.EventRejected(_logger, receiver.Source, stored.Kind.ToString(), stored.Channel, stored.Offset, rejected.Status);
                return; // the backend's final word: it has the event, and does not want it
            }
            catch (Exception e) when (e is not OperationCanceledException || !stopping.IsCancellationRequested)
            {
                if (attempt >= _options.EventMaxAttempts)
                {
                    Lost("gave_up", stored);
                    return;
                }

                HookLog.EventRetry(_logger, receiver.Source, attempt, stored.Channel, stored.Offset, e);
                await Task.Delay(pause, _time, stopping).ConfigureAwait(false);
                pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
            }
        }
    }

    private void Taken(long size)
    {
        Interlocked.Add(ref _queuedBytes, -size);
        Interlocked.Decrement(ref _pending);
    }

    private void Lost(string reason, StoredEvent stored)
    {
        _metrics.EventLost(reason);
        HookLog.EventLost(_logger, reason, stored.Kind.ToString(), stored.Channel, stored.Offset);
    }

    private sealed record ReceiverQueue(Channel<(StoredEvent, long)> Events, Task Loop);
}
