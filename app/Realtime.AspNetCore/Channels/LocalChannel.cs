using Realtime.AspNetCore.Backplane;
using Realtime.AspNetCore.Protocol;
using Realtime.AspNetCore.Diagnostics;

namespace Realtime.AspNetCore.Channels;

/// <summary>
/// One channel's subscribers on this node, and the order its events reach them. Membership changes
/// under <see cref="Gate"/> and swaps an immutable array, so delivery reads it without locking.
/// </summary>
/// <remarks>
/// Every event of a channel carries the channel's next sequence number, so the node knows the last
/// one it delivered and sees a hole: a jump, or a subscription link that dropped (live messages
/// published meanwhile never arrive). Then it reads the missing events from the history and delivers
/// them in order before anything newer; live messages that arrive meanwhile wait, and those already
/// delivered are dropped. When the history no longer has them, every subscriber is told with a
/// <c>gap</c> frame. Delivery runs under <see cref="_order"/>; sends never block, so it is short.
/// </remarks>
internal sealed class LocalChannel
{
    private readonly IBackplane _backplane;
    private readonly RealtimeMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly int _maxReplay;
    private readonly Lock _order = new();
    private readonly Queue<BackplaneMessage> _waiting = new();
    private Subscriber[] _subscribers = [];

    // The position this node has delivered up to, guarded by _order. Unknown until the first event
    // or the first subscriber's history read; a null epoch means the channel had no history then.
    private bool _known;
    private string? _epoch;
    private long _sequence;
    private long _checkedGeneration;
    private bool _recovering;

    // Known from a subscriber's history read only, no event applied yet.
    private bool _seededOnly;

    // Something asked for another look while a recovery ran (the link dropped again, events did not fit).
    private bool _recheck;

    // Redis's clock at the append of the last event this node delivered (0: none yet), which tells a
    // duplicate (written before it) from a reused sequence number (written after it).
    private long _lastPublishedAtMs;

    // The history went back under what this node delivered: its epoch must be renewed.
    private bool _rewound;

    // An epoch this node renewed: live events still in flight under it are covered by the gap.
    private string? _retiredEpoch;

    public LocalChannel(string name, IBackplane backplane, int maxReplay, RealtimeMetrics metrics, TimeProvider time, ILogger logger)
    {
        Name = name;
        _backplane = backplane;
        _maxReplay = maxReplay;
        _metrics = metrics;
        _time = time;
        _logger = logger;
        _checkedGeneration = backplane.LinkGeneration;
    }

    public string Name { get; }

    /// <summary>Serializes subscribe and unsubscribe of this channel (they await the backplane).</summary>
    public SemaphoreSlim Gate { get; } = new(1, 1);

    public IAsyncDisposable? Subscription { get; set; }

    /// <summary>Removed from the registry; a subscriber that finds it retired starts over, and recovery stops.</summary>
    public bool Retired { get; set; }

    public int Count => Volatile.Read(ref _subscribers).Length;

    public void Add(Subscriber subscriber) => Volatile.Write(ref _subscribers, [.. _subscribers, subscriber]);

    public bool Remove(IFrameReceiver connection)
    {
        var index = Array.FindIndex(_subscribers, s => s.Connection == connection);
        if (index < 0)
        {
            return false;
        }

        Volatile.Write(ref _subscribers, [.. _subscribers[..index], .. _subscribers[(index + 1)..]]);
        return true;
    }

    /// <summary>
    /// Starts the position at what a subscriber's history read found, if no event came first:
    /// <paramref name="generation"/> is the link generation read before the history was. Of several
    /// first subscribers the lowest read wins (an event between their reads must reach the earlier
    /// one; each subscriber's floor drops it for the later one).
    /// </summary>
    public void Seed(string? epoch, long latest, long generation)
    {
        lock (_order)
        {
            if (!_known || (_seededOnly && epoch == _epoch && latest < _sequence))
            {
                (_known, _seededOnly, _epoch, _sequence, _checkedGeneration) = (true, true, epoch, latest, generation);
            }

            if (generation != _backplane.LinkGeneration)
            {
                RequestCheck(); // the link dropped while the history was read
            }
        }
    }

    /// <summary>An event from the backplane, in the order Redis sent it.</summary>
    public void Deliver(BackplaneMessage message)
    {
        if (message.Event is { } name)
        {
            DeliverPresence(name, message, Volatile.Read(ref _subscribers));
            return;
        }

        lock (_order)
        {
            if (_recovering)
            {
                // Bounded: one that does not fit is read back from the history.
                if (_waiting.Count < _maxReplay)
                {
                    _waiting.Enqueue(message);
                }
                else
                {
                    _recheck = true;
                }

                return;
            }

            if (!TryApply(message))
            {
                _waiting.Enqueue(message);
                StartRecovery();
            }
        }
    }

    /// <summary>The subscription link came back: anything published while it was down is in the history only.</summary>
    public void CheckHistory()
    {
        lock (_order)
        {
            if (_known)
            {
                RequestCheck();
            }
        }
    }

    /// <summary>Starts a recovery, or makes the running one read once more before it stops.</summary>
    private void RequestCheck()
    {
        if (_recovering)
        {
            _recheck = true;
        }
        else
        {
            StartRecovery();
        }
    }

    /// <summary>Delivers the event if it is the next one (or drops it if already delivered); false when there is a hole before it.</summary>
    private bool TryApply(BackplaneMessage message)
    {
        var position = message.Position!.Value;
        if (position.Epoch == _retiredEpoch)
        {
            return true; // written under an epoch this node renewed: covered by the gap it announced
        }

        if (!_known)
        {
            (_known, _epoch, _sequence) = (true, position.Epoch, position.Sequence - 1);
        }

        if (position.Epoch != _epoch)
        {
            // A history that starts over (expired, or deleted) while the link stayed up: every event of
            // the old one came here live, so nothing is missing. Anything else is for the history to tell.
            var freshStart = _epoch is null || (position.Sequence == 1 && _checkedGeneration == _backplane.LinkGeneration);
            if (!freshStart)
            {
                return false;
            }

            (_epoch, _sequence) = (position.Epoch, 0);
        }

        if (position.Sequence <= _sequence)
        {
            // Delivered already (read from the history while it was also in flight) — unless it was
            // written after the last event this node delivered: then the history went back under it
            // (a failover to a replica that lacked the newest entries) and reuses their numbers.
            if (_lastPublishedAtMs > 0 && message.PublishedAtMs > _lastPublishedAtMs)
            {
                _rewound = true;
                return false;
            }

            return true;
        }

        if (position.Sequence != _sequence + 1)
        {
            return false;
        }

        FanOut(message);
        (_sequence, _lastPublishedAtMs, _seededOnly) = (position.Sequence, message.PublishedAtMs, false);
        return true;
    }

    private void StartRecovery()
    {
        _recovering = true;
        _ = Task.Run(RecoverAsync);
    }

    /// <summary>
    /// Reads what is missing from the history until the waiting live events connect and nothing asks
    /// for another look, announcing what the history no longer has. Runs alone per channel
    /// (<see cref="_recovering"/>); retries with a backoff while the backplane fails, and never ends
    /// with <see cref="_recovering"/> still set.
    /// </summary>
    private async Task RecoverAsync()
    {
        var failures = 0;
        try
        {
            while (!Retired)
            {
                var generation = _backplane.LinkGeneration;
                ChannelOffset since;
                bool rewound;
                lock (_order)
                {
                    since = new ChannelOffset(_epoch ?? "", _sequence);
                    rewound = _rewound;
                    _recheck = false;
                }

                HistorySlice slice;
                try
                {
                    slice = rewound
                        ? await _backplane.RenewEpochAsync(Name, since.Epoch).ConfigureAwait(false)
                        : await _backplane.ReadHistoryAsync(Name, since, _maxReplay).ConfigureAwait(false);
                }
                catch (Exception e)
                {
                    // Unreachable, an unknown outcome, or Redis refusing (READONLY, LOADING during a
                    // failover): try again; the waiting events stay in order meanwhile.
                    BackplaneLog.RecoveryFailed(_logger, Name, e);
                    await Task.Delay(Backoff(failures++), _time).ConfigureAwait(false);
                    continue;
                }

                bool progressed;
                lock (_order)
                {
                    var before = (_epoch, _sequence);
                    if (Apply(slice, rewound))
                    {
                        continue; // more to read (the next page, or what follows a gap)
                    }

                    progressed = before != (_epoch, _sequence);
                    if (DrainWaiting() && !_recheck && generation == _backplane.LinkGeneration)
                    {
                        _checkedGeneration = generation;
                        _recovering = false;
                        return;
                    }
                }

                // Still a hole after a read that moved nothing: wait a little before asking again.
                failures = progressed ? 0 : failures + 1;
                if (!progressed)
                {
                    await Task.Delay(Backoff(failures), _time).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            lock (_order)
            {
                if (_recovering)
                {
                    _recovering = false;
                    _waiting.Clear();
                }
            }
        }
    }

    /// <summary>Applies what the history said; true when there is more to read at once.</summary>
    private bool Apply(HistorySlice slice, bool rewound)
    {
        if (rewound)
        {
            // Everything this node delivered past the renewal point may differ from what the history
            // now says under those numbers: announce up to the renewal point, read on after it.
            if (slice.Epoch != _epoch)
            {
                _retiredEpoch = _epoch;
            }

            _rewound = false;
            var upTo = slice.Epoch is null ? 0 : Math.Min(slice.Base, slice.Latest);
            AnnounceGap(slice.Epoch, upTo);
            return upTo < slice.Latest;
        }

        if (_epoch is null && slice.Epoch is not null && !slice.Complete)
        {
            // The channel had no history when this node started on it: all of it is new.
            (_epoch, _sequence) = (slice.Epoch, 0);
            return true;
        }

        if (slice.Complete)
        {
            var before = _sequence;
            foreach (var missed in slice.Messages)
            {
                TryApply(missed);
            }

            _metrics.Recovered((int)(_sequence - before));
            if (_sequence < slice.Latest && _sequence > before)
            {
                return true; // the next page
            }

            if (_waiting.TryPeek(out var head) && head.Position!.Value.Epoch == _epoch && head.Position.Value.Sequence > _sequence + 1)
            {
                // A live event is ahead of everything the history has: it went back (a failover).
                _rewound = true;
                return true;
            }

            return false;
        }

        if (slice.Epoch is not null && slice.Epoch == _epoch && slice.Latest < _sequence)
        {
            _rewound = true; // behind what this node delivered: renew the epoch first
            return true;
        }

        // Trimmed past us, or a new epoch: announce up to the oldest event that can still be
        // delivered (not one carried over from a renewed epoch), then read on from there.
        var from = slice.Epoch is null ? 0 : Math.Min(slice.Latest, Math.Max(slice.FirstKept - 1, slice.Epoch == _epoch ? 0 : slice.Base));
        AnnounceGap(slice.Epoch, from);
        return from < slice.Latest;
    }

    private static TimeSpan Backoff(int failures) => TimeSpan.FromMilliseconds(Math.Min(5000, 100 << Math.Min(failures, 6)));

    /// <summary>Delivers the live events that waited; false when one still has a hole before it (read again).</summary>
    private bool DrainWaiting()
    {
        while (_waiting.TryPeek(out var next))
        {
            if (!TryApply(next))
            {
                return false;
            }

            _waiting.Dequeue();
        }

        return true;
    }

    /// <summary>What was missed is gone: every subscriber is told up to where, and delivery goes on after it.</summary>
    private void AnnounceGap(string? epoch, long upTo)
    {
        (_epoch, _sequence, _lastPublishedAtMs) = (epoch, epoch is null ? 0 : upTo, 0);

        // Waiting events of another epoch are covered by this gap; left in place they would ask for
        // a hole that no read can fill.
        if (_waiting.Any(m => m.Position!.Value.Epoch != epoch))
        {
            var kept = _waiting.Where(m => m.Position!.Value.Epoch == epoch).ToList();
            _waiting.Clear();
            kept.ForEach(_waiting.Enqueue);
        }

        var offset = epoch is null ? null : new ChannelOffset(epoch, upTo).ToString();
        BackplaneLog.GapAnnounced(_logger, Name, offset);
        _metrics.GapAnnounced();
        var frame = ServerFrames.Gap(Name, offset);
        var position = epoch is null ? (ChannelOffset?)null : new ChannelOffset(epoch, upTo);
        foreach (var subscriber in Volatile.Read(ref _subscribers))
        {
            subscriber.TellGap(position, frame);
        }
    }

    /// <summary>Serializes the message once and queues the same bytes to every local subscriber.</summary>
    private void FanOut(BackplaneMessage message)
    {
        var subscribers = Volatile.Read(ref _subscribers);
        if (subscribers.Length == 0)
        {
            return;
        }

        var frame = ServerFrames.Message(Name, message.Offset!, message.Data.Span);
        var delivered = 0;
        foreach (var subscriber in subscribers)
        {
            if (subscriber.Deliver(message, frame))
            {
                delivered++;
            }
            else
            {
                _metrics.Dropped();
            }
        }

        var lag = Math.Max(0, _time.GetUtcNow().ToUnixTimeMilliseconds() - message.PublishedAtMs);
        _metrics.Delivered(delivered, lag);
    }

    /// <summary>The backplane's passing events on a channel are its presence joins and leaves, for the subscribers that asked for them.</summary>
    private void DeliverPresence(string name, BackplaneMessage message, Subscriber[] subscribers)
    {
        ReadOnlyMemory<byte>? frame = null;
        foreach (var subscriber in subscribers)
        {
            if (subscriber.PresenceEvents)
            {
                frame ??= ServerFrames.PresenceEvent(name, Name, message.Data.Span);
                subscriber.Deliver(message, frame.Value);
            }
        }
    }
}
