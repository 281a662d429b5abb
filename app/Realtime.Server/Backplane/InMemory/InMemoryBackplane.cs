using System.Collections.Concurrent;

namespace Realtime.Server.Backplane.InMemory;

/// <summary>
/// The backplane of a single node (no Redis configured): offsets, ordering and history exactly as
/// with Redis, delivery within the process. Each channel keeps a bounded ring of recent messages
/// and an epoch; publishes to one channel are serialized so offsets increase in delivery order.
/// </summary>
public sealed class InMemoryBackplane(TimeProvider time) : IBackplane
{
    private readonly ConcurrentDictionary<string, Topic> _topics = new(StringComparer.Ordinal);

    public bool IsConnected => true;

    public ValueTask<string> PublishAsync(string channel, ReadOnlyMemory<byte> data, HistoryPolicy history, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Publish(channel, data, history));

    internal string Publish(string channel, ReadOnlyMemory<byte> data, HistoryPolicy history) =>
        TopicOf(channel).Publish(data, history, time.GetUtcNow().ToUnixTimeMilliseconds());

    public ValueTask<IAsyncDisposable> SubscribeAsync(string channel, Action<BackplaneMessage> onMessage, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult<IAsyncDisposable>(TopicOf(channel).Add(onMessage));

    public ValueTask<HistorySlice> ReadHistoryAsync(string channel, ChannelOffset? since, int limit, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(TopicOf(channel).Read(since, limit, time.GetUtcNow().ToUnixTimeMilliseconds()));

    /// <summary>Hands a presence event to this node's subscribers of the channel (there are no others).</summary>
    internal void Broadcast(string channel, BackplaneMessageKind kind, ReadOnlyMemory<byte> member) =>
        TopicOf(channel).Broadcast(new BackplaneMessage(channel, null, member, time.GetUtcNow().ToUnixTimeMilliseconds(), kind));

    /// <summary>Runs <paramref name="action"/> while no publish to the channel can interleave (claims).</summary>
    internal T Atomically<T>(string channel, Func<T> action) => TopicOf(channel).Atomically(action);

    private Topic TopicOf(string channel) => _topics.GetOrAdd(channel, static name => new Topic(name));

    private sealed class Topic(string name)
    {
        private readonly Lock _gate = new();
        private readonly Queue<BackplaneMessage> _history = new();
        private Action<BackplaneMessage>[] _handlers = [];
        private string? _epoch;
        private StreamOffset _last;
        private StreamOffset _trimmed;
        private long _expiresAtMs;

        public string Publish(ReadOnlyMemory<byte> data, HistoryPolicy history, long nowMs)
        {
            lock (_gate)
            {
                ExpireIfIdle(nowMs);
                _epoch ??= ChannelOffset.NewEpoch();

                // Same rule as a Redis stream id: never backwards, even if the clock is.
                _last = nowMs > _last.Milliseconds ? new StreamOffset(nowMs, 0) : _last with { Sequence = _last.Sequence + 1 };
                var message = new BackplaneMessage(name, new ChannelOffset(_epoch, _last).ToString(), data.ToArray(), nowMs);
                _history.Enqueue(message);
                while (_history.Count > history.Length)
                {
                    _trimmed = Position(_history.Dequeue());
                }

                _expiresAtMs = history.TtlSeconds > 0 ? nowMs + (history.TtlSeconds * 1000L) : long.MaxValue;
                Broadcast(message);
                return message.Offset!;
            }
        }

        public HistorySlice Read(ChannelOffset? since, int limit, long nowMs)
        {
            lock (_gate)
            {
                ExpireIfIdle(nowMs);
                var sameStream = since is { } s && s.Epoch == _epoch;
                var after = sameStream
                    ? _history.Where(m => Position(m) > since!.Value.Position).Take(limit + 1).ToList()
                    : [];
                return new HistorySlice(_epoch, _last, sameStream && since!.Value.Position >= _trimmed, after);
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
                _trimmed = default;
            }
        }

        private static StreamOffset Position(BackplaneMessage message) =>
            ChannelOffset.TryParse(message.Offset, out var offset) ? offset.Position : default;

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
