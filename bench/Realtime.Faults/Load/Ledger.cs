using System.Collections.Concurrent;

namespace Realtime.Faults.Load;

/// <summary>What one scenario counts, per subscriber and message: acknowledged, delivered, duplicated, announced, silently lost.</summary>
public sealed record Counts(long Acknowledged, long Expected, long Delivered, long Duplicated, long Announced, long SilentlyLost);

/// <summary>
/// Every acknowledged publish (by id and channel) and every receipt and gap notice of every
/// subscriber, for the scenario under way. A message a subscriber did not get is "announced" when
/// that subscriber was told of a gap (a <c>gap</c> frame, or a resume answered <c>recovered:false</c>)
/// at or after the message's acknowledgement; otherwise it is silently lost.
/// </summary>
public sealed class Ledger
{
    private readonly ConcurrentDictionary<string, ConcurrentQueue<(string Id, long AckedAt)>> _acked = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<int, ConcurrentDictionary<string, int>> _received = new();
    private readonly ConcurrentDictionary<int, ConcurrentQueue<long>> _gapNotices = new();

    public void Acknowledged(string channel, string id) =>
        _acked.GetOrAdd(channel, _ => new()).Enqueue((id, Environment.TickCount64));

    public void Received(int subscriber, string id) =>
        _received.GetOrAdd(subscriber, _ => new(StringComparer.Ordinal)).AddOrUpdate(id, 1, (_, n) => n + 1);

    public void GapNotice(int subscriber) => _gapNotices.GetOrAdd(subscriber, _ => new()).Enqueue(Environment.TickCount64);

    public long AcknowledgedCount => _acked.Values.Sum(q => (long)q.Count);

    /// <summary>True when every subscriber holds every message acknowledged on its channel (or was told of a gap since).</summary>
    public bool Settled(IReadOnlyList<(int Subscriber, string Channel)> subscribers)
    {
        var counts = Count(subscribers);
        return counts.Expected == counts.Delivered + counts.Announced;
    }

    public Counts Count(IReadOnlyList<(int Subscriber, string Channel)> subscribers)
    {
        long expected = 0, delivered = 0, duplicated = 0, announced = 0, lost = 0;
        foreach (var (subscriber, channel) in subscribers)
        {
            var got = _received.GetValueOrDefault(subscriber);
            var notices = _gapNotices.GetValueOrDefault(subscriber)?.ToArray() ?? [];
            var lastNotice = notices.Length == 0 ? long.MinValue : notices.Max();
            foreach (var (id, ackedAt) in _acked.GetValueOrDefault(channel)?.ToArray() ?? [])
            {
                expected++;
                var times = got?.GetValueOrDefault(id) ?? 0;
                if (times > 0)
                {
                    delivered++;
                    duplicated += times - 1;
                }
                else if (lastNotice >= ackedAt - 1000)
                {
                    // Told: a gap notice after (or within a second before) the acknowledgement; the
                    // notice can precede the ack when the publisher's answer came late.
                    announced++;
                }
                else
                {
                    lost++;
                }
            }
        }

        return new Counts(AcknowledgedCount, expected, delivered, duplicated, announced, lost);
    }

    /// <summary>Each message a subscriber silently lost, for the report's evidence: who, which, when acknowledged.</summary>
    public IEnumerable<string> LostDetails(IReadOnlyList<(int Subscriber, string Channel)> subscribers, long since)
    {
        foreach (var (subscriber, channel) in subscribers)
        {
            var got = _received.GetValueOrDefault(subscriber);
            var notices = _gapNotices.GetValueOrDefault(subscriber)?.ToArray() ?? [];
            var lastNotice = notices.Length == 0 ? long.MinValue : notices.Max();
            foreach (var (id, ackedAt) in _acked.GetValueOrDefault(channel)?.ToArray() ?? [])
            {
                if ((got?.GetValueOrDefault(id) ?? 0) == 0 && lastNotice < ackedAt - 1000)
                {
                    yield return $"subscriber {subscriber} on {channel}: {id}, acknowledged at {(ackedAt - since) / 1000.0:F1} s; it received {got?.Count ?? 0} messages, {notices.Length} gap notices";
                }
            }
        }
    }

    public void Reset()
    {
        _acked.Clear();
        _received.Clear();
        _gapNotices.Clear();
    }
}
