using System.Collections.Concurrent;
using System.Text.Json;

namespace Realtime.Client;

/// <summary>
/// Requests waiting for their reply, matched by <c>ref</c>: a number per request, a reply with the
/// same number completes it, and a connection that ends fails all that are left.
/// </summary>
internal sealed class PendingReplies
{
    private readonly ConcurrentDictionary<int, TaskCompletionSource<JsonElement>> _waiting = new();
    private int _last;

    /// <summary>A fresh <c>ref</c> and the task its reply completes; <see cref="Forget"/> it when done.</summary>
    public (int Ref, Task<JsonElement> Reply) Expect()
    {
        var reference = Interlocked.Increment(ref _last);
        var reply = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        _waiting[reference] = reply;
        return (reference, reply.Task);
    }

    public void Forget(int reference) => _waiting.TryRemove(reference, out _);

    /// <summary>Completes the request the frame answers, if it carries the <c>ref</c> of one; false otherwise.</summary>
    public bool TryComplete(JsonElement frame)
    {
        if (frame.TryGetProperty("ref", out var reference) && reference.ValueKind == JsonValueKind.Number
            && reference.TryGetInt32(out var number) && _waiting.TryGetValue(number, out var waiting))
        {
            return waiting.TrySetResult(frame);
        }

        return false;
    }

    /// <summary>Fails every request still waiting: the connection they were sent on is gone.</summary>
    public void FailAll()
    {
        foreach (var (reference, waiting) in _waiting)
        {
            if (_waiting.TryRemove(reference, out _))
            {
                waiting.TrySetException(new RealtimeException("disconnected", "the connection closed before the reply"));
            }
        }
    }
}
