using System.Globalization;

namespace Realtime.Server.Backplane;

/// <summary>
/// A position in a channel's history: <c>MILLISECONDS-SEQUENCE</c>, the format of a Redis stream
/// id, used by both backplanes so offsets compare the same way everywhere.
/// </summary>
public readonly record struct StreamOffset(long Milliseconds, long Sequence) : IComparable<StreamOffset>
{
    public static bool TryParse(string? text, out StreamOffset offset)
    {
        offset = default;
        var dash = text?.IndexOf('-', StringComparison.Ordinal) ?? -1;
        if (dash <= 0
            || !long.TryParse(text.AsSpan(0, dash), NumberStyles.None, CultureInfo.InvariantCulture, out var ms)
            || !long.TryParse(text.AsSpan(dash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var seq))
        {
            return false;
        }

        offset = new StreamOffset(ms, seq);
        return true;
    }

    public int CompareTo(StreamOffset other) =>
        Milliseconds != other.Milliseconds ? Milliseconds.CompareTo(other.Milliseconds) : Sequence.CompareTo(other.Sequence);

    public static bool operator <(StreamOffset left, StreamOffset right) => left.CompareTo(right) < 0;

    public static bool operator >(StreamOffset left, StreamOffset right) => left.CompareTo(right) > 0;

    public static bool operator <=(StreamOffset left, StreamOffset right) => left.CompareTo(right) <= 0;

    public static bool operator >=(StreamOffset left, StreamOffset right) => left.CompareTo(right) >= 0;

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Milliseconds}-{Sequence}");
}
