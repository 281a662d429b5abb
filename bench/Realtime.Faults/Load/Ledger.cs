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
        foreach (var o in Outcomes(subscribers))
        {
            expected++;
            if (o.Times > 0)
            {
                delivered++;
                duplicated += o.Times - 1;
            }
            else if (o.Announced)
            {
                announced++;
            }
            else
            {
                lost++;
            }
        }

        return new Counts(AcknowledgedCount, expected, delivered, duplicated, announced, lost);
    }

    /// <summary>Each message a subscriber silently lost, for the report's evidence: who, which, when acknowledged.</summary>
    public IEnumerable<string> LostDetails(IReadOnlyList<(int Subscriber, string Channel)> subscribers, long since) =>
        Outcomes(subscribers).Where(o => o.Times == 0 && !o.Announced).Select(o =>
            $"subscriber {o.Subscriber} on {o.Channel}: {o.Id}, acknowledged at {(o.AckedAt - since) / 1000.0:F1} s; it received {o.Received} messages, {o.Notices} gap notices");

    /// <summary>Every acknowledged message for every subscriber of its channel: how often it arrived, and whether a gap notice covers it.</summary>
    private IEnumerable<(int Subscriber, string Channel, string Id, long AckedAt, int Times, bool Announced, int Received, int Notices)> Outcomes(
        IReadOnlyList<(int Subscriber, string Channel)> subscribers)
    {
        foreach (var (subscriber, channel) in subscribers)
        {
            var got = _received.GetValueOrDefault(subscriber);
            var notices = _gapNotices.GetValueOrDefault(subscriber)?.ToArray() ?? [];
            foreach (var (id, offset, ackedAt) in _acked.GetValueOrDefault(channel)?.ToArray() ?? [])
            {
                var times = got?.GetValueOrDefault(id) ?? 0;
                yield return (subscriber, channel, id, ackedAt, times, times == 0 && notices.Any(n => Covers(n, offset, ackedAt)), got?.Count ?? 0, notices.Length);
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
