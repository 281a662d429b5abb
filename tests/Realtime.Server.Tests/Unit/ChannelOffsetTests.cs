using Realtime.AspNetCore.Backplane;

namespace Realtime.Server.Tests.Unit;

public sealed class ChannelOffsetTests
{
    [Fact]
    public void Offsets_are_epoch_and_dense_sequence()
    {
        Assert.True(ChannelOffset.TryParse("3f9a2c61d0b4:42", out var a));
        Assert.Equal(new ChannelOffset("3f9a2c61d0b4", 42), a);
        Assert.Equal("3f9a2c61d0b4:42", a.ToString());
        Assert.False(ChannelOffset.TryParse("abc", out _));
        Assert.False(ChannelOffset.TryParse("epoch:", out _));
        Assert.False(ChannelOffset.TryParse(":5", out _));
        Assert.False(ChannelOffset.TryParse("epoch:-1", out _));
        Assert.False(ChannelOffset.TryParse("epoch:x", out _));
        Assert.False(ChannelOffset.TryParse(null, out _));
    }

    [Fact]
    public void A_first_version_offset_parses_into_no_history()
    {
        // Stored by a client before the upgrade: resumable nowhere, so answered recovered:false, not refused.
        Assert.True(ChannelOffset.TryParse("3f9a2c61d0b4:1700000000000-3", out var legacy));
        Assert.NotEqual("3f9a2c61d0b4", legacy.Epoch);
        Assert.False(HistorySlice.Covers("3f9a2c61d0b4", 10, 1, legacy));
    }

    [Theory]
    [InlineData(10, 1, 9, true)]    // read from the newest
    [InlineData(10, 1, 10, true)]   // nothing missed
    [InlineData(10, 1, 0, true)]    // everything kept, from the start
    [InlineData(110, 11, 10, true)] // exactly the window: 11..110 are all kept
    [InlineData(110, 12, 10, false)] // 11 was trimmed
    [InlineData(10, 1, 11, false)]  // ahead of the history: a failover lost what the reader saw
    [InlineData(10, 11, 10, true)]  // none kept, none missed
    [InlineData(10, 11, 9, false)]  // none kept, one missed
    public void Covers_means_every_entry_after_since_is_kept(long latest, long firstKept, long since, bool covered) =>
        Assert.Equal(covered, HistorySlice.Covers("e", latest, firstKept, new ChannelOffset("e", since)));
}
