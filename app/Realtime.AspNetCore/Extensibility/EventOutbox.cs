using System.Threading.Channels;
using Realtime.AspNetCore.Diagnostics;

namespace Realtime.AspNetCore.Extensibility;

/// <summary>
/// Tells the app what was stored, off the request's path, in the order this node stored it, at
/// least once: each receiver of the event's namespace is tried until it takes the event (0.2 s
/// doubling to 5 s between tries), up to <see cref="HookOptions.EventMaxAttempts"/>. An event is
/// lost only when the queue is full, a receiver failed every try, or the node stopped (or died)
/// first; each loss but the last is counted (<c>realtime.hooks.events.lost</c>) and logged with its
/// channel and offset. Offsets are dense per channel, so a receiver also sees a loss as a jump.
/// </summary>
public sealed class EventOutbox : BackgroundService
{
    private readonly Channel<(StoredEvent Event, IReadOnlyList<EventReceiver> Receivers)> _queue;
    private readonly HookOptions _options;
    private readonly RealtimeMetrics _metrics;
    private readonly ILogger<EventOutbox> _logger;
    private readonly TimeProvider _time;
    private int _pending;

    public EventOutbox(Microsoft.Extensions.Options.IOptions<HookOptions> options, RealtimeMetrics metrics, TimeProvider time, ILogger<EventOutbox> logger)
    {
        _options = options.Value;
        _metrics = metrics;
        _time = time;
        _logger = logger;
        _queue = Channel.CreateBounded<(StoredEvent, IReadOnlyList<EventReceiver>)>(
            new BoundedChannelOptions(_options.EventQueueCapacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
    }

    /// <summary>Events taken and not yet told to every receiver.</summary>
    public int Pending => Volatile.Read(ref _pending);

    /// <summary>Queues <paramref name="stored"/> for the namespace's receivers; never waits.</summary>
    public void Enqueue(NamespaceHooks hooks, StoredEvent stored)
    {
        Interlocked.Increment(ref _pending);
        if (!_queue.Writer.TryWrite((stored, hooks.Stored)))
        {
            Interlocked.Decrement(ref _pending);
            Lost("queue_full", stored);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Read until the host's shutdown gives up on us: a stopping node still tells what it stored
        // while its last connections close (releases at disconnect among them).
        StoredEvent? current = null;
        try
        {
            await foreach (var (stored, receivers) in _queue.Reader.ReadAllAsync(stoppingToken).ConfigureAwait(false))
            {
                current = stored;
                await DeliverAsync(stored, receivers, stoppingToken).ConfigureAwait(false);
                current = null;
                Interlocked.Decrement(ref _pending);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            if (current is not null)
            {
                Lost("shutdown", current);
            }

            while (_queue.Reader.TryRead(out var left))
            {
                Lost("shutdown", left.Event);
            }
        }
    }

    /// <summary>Waits for the queue to empty (at most until the host's shutdown timeout) before the loop is stopped.</summary>
    public override async Task StopAsync(CancellationToken cancellationToken)
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

        await base.StopAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task DeliverAsync(StoredEvent stored, IReadOnlyList<EventReceiver> receivers, CancellationToken stoppingToken)
    {
        var delivered = true;
        foreach (var receiver in receivers)
        {
            delivered &= await DeliverAsync(stored, receiver, stoppingToken).ConfigureAwait(false);
        }

        if (delivered)
        {
            _metrics.EventDelivered();
        }
    }

    private async Task<bool> DeliverAsync(StoredEvent stored, EventReceiver receiver, CancellationToken stoppingToken)
    {
        var pause = TimeSpan.FromMilliseconds(200);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await receiver.Deliver(stored, stoppingToken).ConfigureAwait(false);
                return true;
            }
            catch (EventRejectedException rejected)
            {
                HookLog.EventRejected(_logger, receiver.Source, stored.Kind.ToString(), stored.Channel, stored.Offset, rejected.Status);
                return true; // the backend's final word: it has the event, and does not want it
            }
            catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                if (attempt >= _options.EventMaxAttempts)
                {
                    Lost("gave_up", stored);
                    return false;
                }

                HookLog.EventRetry(_logger, receiver.Source, attempt, stored.Channel, stored.Offset, e);
                await Task.Delay(pause, _time, stoppingToken).ConfigureAwait(false);
                pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
            }
        }
    }

    private void Lost(string reason, StoredEvent stored)
    {
        _metrics.EventLost(reason);
        HookLog.EventLost(_logger, reason, stored.Kind.ToString(), stored.Channel, stored.Offset);
    }
}
