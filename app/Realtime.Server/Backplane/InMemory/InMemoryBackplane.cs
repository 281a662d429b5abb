using System.Collections.Concurrent;

namespace Realtime.Server.Backplane.InMemory;

/// <summary>
/// The backplane of a single node (no Redis configured): offsets and ordering exactly as with
/// Redis, delivery within the process. Per channel, publishes are serialized by a lock so that
/// offsets increase in the order subscribers see them.
/// </summary>
public sealed class InMemoryBackplane(TimeProvider time) : IBackplane
{
    private readonly ConcurrentDictionary<string, Topic> _topics = new(StringComparer.Ordinal);

    public bool IsConnected => true;

    public ValueTask<string> PublishAsync(string channel, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        var topic = _topics.GetOrAdd(channel, static name => new Topic(name));
        return ValueTask.FromResult(topic.Publish(data, time.GetUtcNow().ToUnixTimeMilliseconds()));
    }

    public ValueTask<IAsyncDisposable> SubscribeAsync(string channel, Action<BackplaneMessage> onMessage, CancellationToken cancellationToken = default)
    {
        var topic = _topics.GetOrAdd(channel, static name => new Topic(name));
        return ValueTask.FromResult<IAsyncDisposable>(topic.Add(onMessage));
    }

    private sealed class Topic(string name)
    {
        private readonly Lock _gate = new();
        private Action<BackplaneMessage>[] _handlers = [];
        private StreamOffset _last;

        public string Publish(ReadOnlyMemory<byte> data, long nowMs)
        {
            lock (_gate)
            {
                // Same rule as a Redis stream id: never backwards, even if the clock is.
                _last = nowMs > _last.Milliseconds ? new StreamOffset(nowMs, 0) : _last with { Sequence = _last.Sequence + 1 };
                var message = new BackplaneMessage(name, _last.ToString(), data.ToArray(), nowMs);
                foreach (var handler in _handlers)
                {
                    handler(message);
                }

                return message.Offset;
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
