using System.Collections.Concurrent;

namespace Realtime.Faults.Load;

/// <summary>What one scenario counts, per subscriber and message: acknowledged, delivered, duplicated, announced, silently lost.</summary>
public sealed record Counts(long Acknowledged, long Expected, long Delivered, long Duplicated, long Announced, long SilentlyLost);

/// <summary>
/// Every acknowledged publish (by id, channel and offset) and every receipt and gap notice of every
/// subscriber, for the scenario under way. A message a subscriber did not get is "announced" when
/// that subscriber was told of a gap (a <c>gap</c> frame, or a resume answered <c>recovered:false</c>)
/// that covers it: after its acknowledgement (or within a second before: the publisher's answer may
/// come late), and up to an offset at or past the message's in its epoch, or in a later epoch (the
/// history it was in is gone). Otherwise it is silently lost.
/// </summary>
public sealed class Ledger
{
    private readonly ConcurrentDictionary<string, ConcurrentQueue<(string Id, string Offset, long AckedAt)>> _acked = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<int, ConcurrentDictionary<string, int>> _received = new();
    private readonly ConcurrentDictionary<int, ConcurrentQueue<(string? Offset, long At)>> _gapNotices = new();

    public void Acknowledged(string channel, string id, string offset) =>
        _acked.GetOrAdd(channel, _ => new()).Enqueue((id, offset, Environment.TickCount64));

    public void Received(int subscriber, string id) =>
        _received.GetOrAdd(subscriber, _ => new(StringComparer.Ordinal)).AddOrUpdate(id, 1, (_, n) => n + 1);

    /// <param name="offset">Where delivery goes on after the gap; null when the server did not say.</param>
    public void GapNotice(int subscriber, string? offset) => _gapNotices.GetOrAdd(subscriber, _ => new()).Enqueue((offset, Environment.TickCount64));

    private static bool Covers((string? Offset, long At) notice, string offset, long ackedAt)
    {
        if (notice.At < ackedAt - 1000)
        {
            return false;
        }

        if (notice.Offset is null)
        {
            return true;
        }

        var (epoch, sequence) = Split(offset);
        var (noticeEpoch, noticeSequence) = Split(notice.Offset);
        return noticeEpoch != epoch || noticeSequence >= sequence;

        static (string Epoch, long Sequence) Split(string text) =>
            (text[..text.LastIndexOf(':')], long.Parse(text[(text.LastIndexOf(':') + 1)..], System.Globalization.CultureInfo.InvariantCulture));
    }

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
            foreach (var (id, offset, ackedAt) in _acked.GetValueOrDefault(channel)?.ToArray() ?? [])
            {
                expected++;
                var times = got?.GetValueOrDefault(id) ?? 0;
                if (times > 0)
                {
                    delivered++;
                    duplicated += times - 1;
                }
                else if (notices.Any(n => Covers(n, offset, ackedAt)))
                {
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
            foreach (var (id, offset, ackedAt) in _acked.GetValueOrDefault(channel)?.ToArray() ?? [])
            {
                if ((got?.GetValueOrDefault(id) ?? 0) == 0 && !notices.Any(n => Covers(n, offset, ackedAt)))
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
