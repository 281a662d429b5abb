using System.Globalization;

namespace Realtime.Server.Booking;

/// <summary>
/// Tonight's tables and seatings: what the page draws (the <c>tables</c> RPC) and what the claim
/// hook checks against. A resource is <c>tNN@HH:MM</c>: table NN at the seating HH:MM.
/// </summary>
public sealed class TonightLayout
{
    public const string Channel = "booking:tonight";

    public IReadOnlyList<string> Seatings { get; } = ["18:00", "19:30", "21:00"];

    public IReadOnlyList<int> Tables { get; } = Enumerable.Range(1, 12).ToArray();

    /// <summary>The table and seating a resource names, if it names one of tonight's.</summary>
    public bool TryRead(string resource, out int table, out string seating)
    {
        table = 0;
        seating = "";
        var at = resource.IndexOf('@', StringComparison.Ordinal);
        if (at < 2 || resource[0] != 't'
            || !int.TryParse(resource.AsSpan(1, at - 1), NumberStyles.None, CultureInfo.InvariantCulture, out table)
            || !Tables.Contains(table))
        {
            return false;
        }

        seating = resource[(at + 1)..];
        return Seatings.Contains(seating);
    }
}
