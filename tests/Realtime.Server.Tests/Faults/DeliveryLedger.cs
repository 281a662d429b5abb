using System.Globalization;
using System.Text.Json;
using Realtime.AspNetCore.Backplane;
using Realtime.Server.Tests.Infrastructure;

namespace Realtime.Server.Tests.Faults;

/// <summary>
/// Counts what a fault did to one channel's traffic: what the publisher was told (acknowledged with
/// an offset, refused, outcome unknown) against what each subscriber received (delivered, duplicated,
/// out of order, gap frames). A message acknowledged but not delivered is "announced" when the
/// subscriber got a gap frame covering it (its offset at or past the message, or another epoch), and
/// otherwise silently lost: the one count that must always be zero.
/// </summary>
public sealed class DeliveryLedger
{
    private readonly Dictionary<int, ChannelOffset> _acknowledged = [];
    private readonly HashSet<int> _refused = [];
    private readonly HashSet<int> _unknown = [];
    private int _next;

    public int Acknowledged => _acknowledged.Count;

    public int Refused => _refused.Count;

    public int Unknown => _unknown.Count;

    /// <summary>
    /// Publishes <paramref name="count"/> messages numbered on from the last call at <paramref name="perSecond"/>
    /// without waiting for replies (the n-th of this call after <paramref name="beforeEach"/>(n)), then collects the replies.
    /// </summary>
    public async Task PublishAsync(TestClient publisher, string channel, int count, int perSecond, Func<int, Task>? beforeEach = null)
    {
        var start = DateTime.UtcNow;
        var first = _next;
        _next += count;
        for (var i = 0; i < count; i++)
        {
            var n = first + i;
            if (beforeEach is not null)
            {
                await beforeEach(i);
            }

            var wait = start + TimeSpan.FromSeconds((double)i / perSecond) - DateTime.UtcNow;
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait); // the clock read once: a second read may be past due (a negative delay throws)
            }

            await publisher.SendAsync($$"""{"type":"publish","channel":"{{channel}}","data":{"n":{{n}}},"ref":{{n}}}""");
        }

        for (var n = first; n < _next; n++)
        {
            var reply = await publisher.NextAsync(f => f.Json.TryGetProperty("ref", out var r) && r.ValueKind == JsonValueKind.Number && r.GetInt32() == n, TimeSpan.FromSeconds(30));
            if (reply.Type == "published")
            {
                _acknowledged[n] = Offset(reply.Json.GetProperty("offset").GetString()!);
            }
            else if (reply.Json.GetProperty("code").GetString() == "unknown_outcome")
            {
                _unknown.Add(n);
            }
            else
            {
                Assert.Equal("unavailable", reply.Json.GetProperty("code").GetString());
                _refused.Add(n);
            }
        }
    }

    /// <summary>Counts one subscriber's frames (every frame it received, in order).</summary>
    public Report Count(string channel, IReadOnlyList<TestClient.Received> frames)
    {
        var seen = new Dictionary<int, int>();
        var gaps = new List<ChannelOffset?>();
        var outOfOrder = 0;
        var last = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var frame in frames.Where(f => f.Json.TryGetProperty("channel", out var c) && c.GetString() == channel))
        {
            switch (frame.Type)
            {
                case "message":
                    var n = frame.Json.GetProperty("data").GetProperty("n").GetInt32();
                    seen[n] = seen.GetValueOrDefault(n) + 1;
                    var offset = Offset(frame.Json.GetProperty("offset").GetString()!);
                    if (last.TryGetValue(offset.Epoch, out var previous) && offset.Sequence <= previous)
                    {
                        outOfOrder++;
                    }

                    last[offset.Epoch] = offset.Sequence;
                    break;
                case "gap":
                    gaps.Add(frame.Json.TryGetProperty("offset", out var o) && o.GetString() is { } text ? Offset(text) : null);
                    break;
            }
        }

        var missing = _acknowledged.Where(a => !seen.ContainsKey(a.Key)).ToList();
        var announced = missing.Count(m => gaps.Any(g => g is null || g.Value.Epoch != m.Value.Epoch || g.Value.Sequence >= m.Value.Sequence));
        return new Report(
            Acknowledged: _acknowledged.Count,
            Delivered: _acknowledged.Keys.Count(seen.ContainsKey),
            Duplicated: seen.Values.Sum(c => c - 1),
            OutOfOrder: outOfOrder,
            GapFrames: gaps.Count,
            Announced: announced,
            SilentlyLost: missing.Count - announced,
            UnknownDelivered: _unknown.Count(seen.ContainsKey));
    }

    private static ChannelOffset Offset(string text) =>
        ChannelOffset.TryParse(text, out var offset) ? offset : throw new FormatException(text);

    public sealed record Report(int Acknowledged, int Delivered, int Duplicated, int OutOfOrder, int GapFrames, int Announced, int SilentlyLost, int UnknownDelivered)
    {
        /// <summary>
        /// Appends the figures to the file named by <c>REALTIME_FAULT_REPORT</c>, when set
        /// (docs/reliability.md quotes them).
        /// </summary>
        public Report Record(string fault)
        {
            if (Environment.GetEnvironmentVariable("REALTIME_FAULT_REPORT") is { Length: > 0 } path)
            {
                File.AppendAllText(path, string.Create(CultureInfo.InvariantCulture,
                    $"| {fault} | {Acknowledged} | {Delivered} | {Duplicated} | {OutOfOrder} | {GapFrames} | {Announced} | {SilentlyLost} |{Environment.NewLine}"));
            }

            return this;
        }
    }
}
