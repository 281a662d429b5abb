namespace Realtime.AspNetCore.Application;

/// <summary>
/// A token bucket: <c>burst</c> tokens at most, refilled at <c>ratePerSecond</c>. Used by one
/// connection's receive loop only, so it needs no locking.
/// </summary>
public sealed class TokenBucket
{
    private readonly double _ratePerSecond;
    private readonly double _capacity;
    private readonly TimeProvider _time;
    private double _tokens;
    private long _last;

    public TokenBucket(double ratePerSecond, int burst, TimeProvider time)
    {
        _ratePerSecond = ratePerSecond;
        _capacity = burst;
        _time = time;
        _tokens = burst;
        _last = time.GetTimestamp();
    }

    public bool TryTake()
    {
        var now = _time.GetTimestamp();
        _tokens = Math.Min(_capacity, _tokens + (_time.GetElapsedTime(_last, now).TotalSeconds * _ratePerSecond));
        _last = now;
        if (_tokens < 1)
        {
            return false;
        }

        _tokens -= 1;
        return true;
    }
}
