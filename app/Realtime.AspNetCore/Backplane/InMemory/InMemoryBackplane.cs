using System.Collections.Concurrent;

namespace Realtime.AspNetCore.Backplane.InMemory;

/// <summary>
/// The backplane of a single node (no Redis configured): offsets, ordering and history exactly as
/// with Redis, delivery within the process. Each channel keeps a bounded ring of recent messages
/// and an epoch; publishes to one channel are serialized so offsets increase in delivery order.
/// </summary>
public sealed class InMemoryBackplane(TimeProvider time) : IBackplane
{
    private readonly ConcurrentDictionary<string, Topic> _topics = new(StringComparer.Ordinal);

    public bool IsConnected => true;

    /// <summary>Delivery within the process has no link to lose.</summary>
    public long LinkGeneration => 0;

    public event Action? LinkRestored
    {
        add { }
        remove { }
    }

    public ValueTask<string> PublishAsync(string channel, ReadOnlyMemory<byte> data, HistoryPolicy history, string? id = null, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Publish(channel, data, history, id));

    internal string Publish(string channel, ReadOnlyMemory<byte> data, HistoryPolicy history, string? id = null) =>
        TopicOf(channel).Publish(data, history, id, time.GetUtcNow().ToUnixTimeMilliseconds());

    public ValueTask<IAsyncDisposable> SubscribeAsync(string channel, Action<BackplaneMessage> onMessage, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult<IAsyncDisposable>(TopicOf(channel).Add(onMessage));

    public ValueTask<HistorySlice> ReadHistoryAsync(string channel, ChannelOffset? since, int limit, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(TopicOf(channel).Read(since, limit, time.GetUtcNow().ToUnixTimeMilliseconds()));

    /// <summary>Hands a passing event (see <see cref="BackplaneMessage.Event"/>) to this node's subscribers of the channel (there are no others).</summary>
    internal void Broadcast(string channel, string eventName, ReadOnlyMemory<byte> data) =>
        TopicOf(channel).Broadcast(new BackplaneMessage(channel, null, data, time.GetUtcNow().ToUnixTimeMilliseconds(), Event: eventName));

    public ValueTask<HistorySlice> StartHistoryAsync(string channel, HistoryPolicy history, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(TopicOf(channel).Start(history, time.GetUtcNow().ToUnixTimeMilliseconds()));

    /// <summary>One process never loses what it delivered: the history is as it is.</summary>
    public ValueTask<HistorySlice> RenewEpochAsync(string channel, string epoch, CancellationToken cancellationToken = default) =>
        ReadHistoryAsync(channel, since: null, limit: 0, cancellationToken);

    /// <summary>The channel's newest offset, or null without history.</summary>
    internal string? LatestOffset(string channel) => TopicOf(channel).Read(null, 0, time.GetUtcNow().ToUnixTimeMilliseconds()).LatestOffset;

    /// <summary>Runs <paramref name="action"/> while no publish to the channel can interleave (claims).</summary>
    internal T Atomically<T>(string channel, Func<T> action) => TopicOf(channel).Atomically(action);

    private Topic TopicOf(string channel) => _topics.GetOrAdd(channel, static name => new Topic(name));

    private sealed class Topic(string name)
    {
        private readonly Lock _gate = new();
        private readonly Queue<BackplaneMessage> _history = new();
        private readonly Dictionary<string, (string Offset, long ExpiresAtMs)> _publishIds = new(StringComparer.Ordinal);
        private readonly Queue<(string Id, long ExpiresAtMs)> _publishIdsByAge = new();
        private Action<BackplaneMessage>[] _handlers = [];
        private string? _epoch;
        private long _last;
        private long _expiresAtMs;
        private long _bytes;

        public string Publish(ReadOnlyMemory<byte> data, HistoryPolicy history, string? id, long nowMs)
        {
            lock (_gate)
            {
                ExpireIfIdle(nowMs);
                if (id is not null && _publishIds.TryGetValue(id, out var seen) && seen.ExpiresAtMs > nowMs)
                {
                    return seen.Offset;
                }

                _epoch ??= ChannelOffset.NewEpoch();
                var message = new BackplaneMessage(name, new ChannelOffset(_epoch, ++_last), data.ToArray(), nowMs);
                _history.Enqueue(message);
                _bytes += message.Data.Length;
                while (_history.Count > history.Length || (_bytes > history.MaxBytes && _history.Count > 1))
                {
                    _bytes -= _history.Dequeue().Data.Length;
                }

                if (id is not null)
                {
                    ForgetExpiredIds(nowMs);
                    var expiresAt = nowMs + (history.IdempotencySeconds * 1000L);
                    _publishIds[id] = (message.Offset!, expiresAt);
                    _publishIdsByAge.Enqueue((id, expiresAt));
                }

                _expiresAtMs = history.TtlSeconds > 0 ? nowMs + (history.TtlSeconds * 1000L) : long.MaxValue;
                Broadcast(message);
                return message.Offset!;
            }
        }

        /// <summary>An empty history (an epoch at sequence 0) where there is none; the history as it is otherwise.</summary>
        public HistorySlice Start(HistoryPolicy history, long nowMs)
        {
            lock (_gate)
            {
                ExpireIfIdle(nowMs);
                if (_epoch is null)
                {
                    _epoch = ChannelOffset.NewEpoch();
                    _expiresAtMs = history.TtlSeconds > 0 ? nowMs + (history.TtlSeconds * 1000L) : long.MaxValue;
                }

                return new HistorySlice(_epoch, _last, Complete: false, [], FirstKept: _last + 1);
            }
        }

        public HistorySlice Read(ChannelOffset? since, int limit, long nowMs)
        {
            lock (_gate)
            {
                ExpireIfIdle(nowMs);
                if (_epoch is null)
                {
                    return new HistorySlice(null, 0, false, []);
                }

                var firstKept = _history.Count > 0 ? _history.Peek().Position!.Value.Sequence : _last + 1;
                var sameStream = since is { } s && s.Epoch == _epoch;
                var after = sameStream
                    ? _history.Where(m => m.Position!.Value.Sequence > since!.Value.Sequence).Take(limit + 1).ToList()
                    : [];
                var complete = since is { } from && HistorySlice.Covers(_epoch, _last, firstKept, from);
                return new HistorySlice(_epoch, _last, complete, after, firstKept);
            }
        }

        public void Broadcast(BackplaneMessage message)
        {
            lock (_gate)
            {
                foreach (var handler in _handlers)
                {
                    handler(message);
                }
            }
        }

        public T Atomically<T>(Func<T> action)
        {
            lock (_gate)
            {
                return action();
            }
        }

        public IAsyncDisposable Add(Action<BackplaneMessage> handler)
        {
            lock (_gate)
            {
                _handlers = [.. _handlers, handler];
            }

            return new Subscription(this, handler);
        }

        private void Remove(Action<BackplaneMessage> handler)
        {
            lock (_gate)
            {
                _handlers = _handlers.Where(h => h != handler).ToArray();
            }
        }

        /// <summary>History past its TTL is gone, as an expired Redis stream would be: a new epoch follows.</summary>
        private void ExpireIfIdle(long nowMs)
        {
            if (_epoch is not null && nowMs >= _expiresAtMs)
            {
                _history.Clear();
                _epoch = null;
                _last = 0;
                _bytes = 0;
            }
        }

        private void ForgetExpiredIds(long nowMs)
        {
            // Oldest first: what stays is bounded by the publish rate times the window.
            while (_publishIdsByAge.TryPeek(out var oldest) && oldest.ExpiresAtMs <= nowMs)
            {
                _publishIdsByAge.Dequeue();
                if (_publishIds.TryGetValue(oldest.Id, out var seen) && seen.ExpiresAtMs == oldest.ExpiresAtMs)
                {
                    _publishIds.Remove(oldest.Id);
                }
            }
        }

        private sealed class Subscription(Topic topic, Action<BackplaneMessage> handler) : IAsyncDisposable
        {
            public ValueTask DisposeAsync()
            {
                topic.Remove(handler);
                return ValueTask.CompletedTask;
            }
        }
    }
}
