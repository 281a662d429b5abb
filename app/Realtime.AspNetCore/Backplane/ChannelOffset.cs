using System.Globalization;

namespace Realtime.AspNetCore.Backplane;

/// <summary>
/// A message's offset as clients see it: <c>EPOCH:SEQUENCE</c>. The sequence is dense: every event
/// appended to a channel (publish, claim, release) takes the next integer, so a node or a client that
/// sees 41 then 43 knows that 42 is missing. The epoch is a random id made with the channel's
/// history, so an offset from a history that was lost (Redis restarted without persistence, data
/// dropped in a failover, the history expired) is recognized instead of resuming into a gap.
/// </summary>
public readonly record struct ChannelOffset(string Epoch, long Sequence)
{
    /// <summary>
    /// Parses an offset. An offset of the first protocol version (<c>EPOCH:MILLISECONDS-SEQUENCE</c>)
    /// still parses, with an epoch no history has, so a client that stored one before an upgrade is
    /// told <c>recovered:false</c> instead of being refused.
    /// </summary>
    public static bool TryParse(string? text, out ChannelOffset offset)
    {
        offset = default;
        var colon = text?.IndexOf(':', StringComparison.Ordinal) ?? -1;
        if (colon <= 0 || colon == text!.Length - 1)
        {
            return false;
        }

        var tail = text.AsSpan(colon + 1);
        if (long.TryParse(tail, NumberStyles.None, CultureInfo.InvariantCulture, out var sequence))
        {
            offset = new ChannelOffset(text[..colon], sequence);
            return true;
        }

        if (IsLegacyPosition(tail))
        {
            offset = new ChannelOffset(LegacyEpoch, 0);
            return true;
        }

        return false;
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Epoch}:{Sequence}");

    /// <summary>A new epoch: 12 random characters, safe in offsets and channel-name alphabets.</summary>
    public static string NewEpoch() => Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(6));

    /// <summary>Never made by <see cref="NewEpoch"/> (which makes hex): matches no history.</summary>
    internal const string LegacyEpoch = "v1";

    private static bool IsLegacyPosition(ReadOnlySpan<char> tail)
    {
        var dash = tail.IndexOf('-');
        return dash > 0
            && long.TryParse(tail[..dash], NumberStyles.None, CultureInfo.InvariantCulture, out _)
            && long.TryParse(tail[(dash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out _);
    }
}
