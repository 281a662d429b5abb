namespace Realtime.Server.Backplane;

/// <summary>
/// A message's offset as clients see it: <c>EPOCH:MILLISECONDS-SEQUENCE</c>. The position is the
/// entry's id in the channel's stream; the epoch is a random id made with the stream, so an offset
/// from a stream that was lost (Redis restarted without persistence, data dropped in a failover, the
/// history expired) is recognized instead of silently resuming into a gap.
/// </summary>
public readonly record struct ChannelOffset(string Epoch, StreamOffset Position)
{
    public static bool TryParse(string? text, out ChannelOffset offset)
    {
        offset = default;
        var colon = text?.IndexOf(':', StringComparison.Ordinal) ?? -1;
        if (colon <= 0 || !StreamOffset.TryParse(text![(colon + 1)..], out var position))
        {
            return false;
        }

        offset = new ChannelOffset(text[..colon], position);
        return true;
    }

    public override string ToString() => $"{Epoch}:{Position}";

    /// <summary>A new epoch: 12 random characters, safe in offsets and channel-name alphabets.</summary>
    public static string NewEpoch() => Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(6));
}
