using System.Text.Json;
using Realtime.AspNetCore.Extensibility;
using Realtime.AspNetCore.Protocol;

namespace Realtime.AspNetCore.Application;

/// <summary>
/// A publish sent to the backplane and not yet answered: what the client gets back depends on how it
/// ends. <paramref name="Stored"/>: the data stored, when the app's hooks are to hear of it once answered.
/// </summary>
public readonly record struct InFlightPublish(Task<string> Offset, ClientFrame Request, StoredData? Stored = null);

/// <summary>
/// A hooked publish's way through: its namespace's hooks, looked up once, and the data it stored (the
/// client's, or its hooks' replacement), set before its task completes; <see cref="Json"/> is that data
/// as the publish hooks saw or made it, so the stored event needs no second parse.
/// </summary>
public sealed class StoredData(NamespaceHooks hooks)
{
    public NamespaceHooks Hooks { get; } = hooks;

    public ReadOnlyMemory<byte> Data { get; set; }

    public JsonElement? Json { get; set; }
}

/// <summary>
/// The publishes of one connection that are on their way to the backplane. The receive loop starts
/// each one and reads the next frame without waiting for Redis, so one connection is bounded by the
/// backplane's throughput, not by one round trip per message. Order holds because the backplane
/// receives the commands in the order they were started (one multiplexed link per shard, and one
/// channel's keys on one shard; a publish whose hooks are still deciding holds the commands after it
/// back, <see cref="ClientSession.CommandsBefore"/>), and the answers go out here in the order the requests came, even
/// when a later one finishes first. At most <c>capacity</c> are in flight: the receive loop waits for
/// room, and TCP holds the client back. Any other request waits until this is empty, so its answer
/// follows the answers before it and it sees the connection's state those requests left.
/// </summary>
public sealed class RequestPipeline
{
    private readonly Queue<InFlightPublish> _inFlight = new();
    private readonly int _capacity;
    private readonly Action<InFlightPublish> _answer;
    private readonly Action _onCompleted;
    private TaskCompletionSource? _waiter;
    private int _wakeAtOrBelow;

    /// <param name="answer">Sends the answer of a finished request; called in request order, one at a time.</param>
    public RequestPipeline(int capacity, Action<InFlightPublish> answer)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _capacity = capacity;
        _answer = answer;
        _onCompleted = AnswerFinished;
    }

    /// <summary>
    /// Takes a started publish. Completes at once unless the pipeline is full; then when there is room
    /// again. Only the receive loop calls this (one caller at a time).
    /// </summary>
    public ValueTask AddAsync(InFlightPublish request)
    {
        lock (_inFlight)
        {
            if (_inFlight.Count == 0 && request.Offset.IsCompleted)
            {
                // Nothing ahead of it: answer now (the in-memory backplane, a refusal before Redis).
                _answer(request);
                return default;
            }

            _inFlight.Enqueue(request);
        }

        // The cached delegate: a continuation, no allocation per request beyond the task's own.
        request.Offset.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(_onCompleted);
        return WaitUntilAtMostAsync(_capacity - 1);
    }

    /// <summary>Completes once every request taken so far has been answered.</summary>
    public ValueTask WhenEmptyAsync() => WaitUntilAtMostAsync(0);

    private ValueTask WaitUntilAtMostAsync(int count)
    {
        lock (_inFlight)
        {
            if (_inFlight.Count <= count)
            {
                return default;
            }

            _waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _wakeAtOrBelow = count;
            return new ValueTask(_waiter.Task);
        }
    }

    /// <summary>Answers, in order, every finished request at the head; a later one that finished first waits its turn.</summary>
    private void AnswerFinished()
    {
        lock (_inFlight)
        {
            while (_inFlight.TryPeek(out var head) && head.Offset.IsCompleted)
            {
                _inFlight.Dequeue();
                _answer(head);
            }

            if (_waiter is not null && _inFlight.Count <= _wakeAtOrBelow)
            {
                _waiter.SetResult();
                _waiter = null;
            }
        }
    }
}
