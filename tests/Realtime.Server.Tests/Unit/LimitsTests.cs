using Microsoft.Extensions.Time.Testing;
using Realtime.AspNetCore.Backplane;
using Realtime.AspNetCore.Connections;
using Realtime.AspNetCore.Protocol;

namespace Realtime.Server.Tests.Unit;

public sealed class LimitsTests
{
    [Fact]
    public void Token_bucket_allows_the_burst_then_the_rate()
    {
        var time = new FakeTimeProvider();
        var bucket = new TokenBucket(ratePerSecond: 10, burst: 3, time);

        Assert.True(bucket.TryTake());
        Assert.True(bucket.TryTake());
        Assert.True(bucket.TryTake());
        Assert.False(bucket.TryTake());

        time.Advance(TimeSpan.FromMilliseconds(100)); // one token at 10/s
        Assert.True(bucket.TryTake());
        Assert.False(bucket.TryTake());

        time.Advance(TimeSpan.FromSeconds(60)); // refills to the burst, not beyond
        Assert.True(bucket.TryTake());
        Assert.True(bucket.TryTake());
        Assert.True(bucket.TryTake());
        Assert.False(bucket.TryTake());
    }

    [Theory]
    [InlineData("chat:lobby", true)]
    [InlineData("booking:r1", true)]
    [InlineData("a.b-c_d@e:f", true)]
    [InlineData("", false)]
    [InlineData("has space", false)]
    [InlineData("brace{x}", false)]
    [InlineData("slash/x", false)]
    [InlineData("ümlaut", false)]
    public void Channel_names_follow_the_rule(string name, bool valid)
    {
        Assert.Equal(valid, ChannelName.IsValid(name));
    }

    [Fact]
    public void Channel_names_are_at_most_128_characters()
    {
        Assert.True(ChannelName.IsValid(new string('a', 128)));
        Assert.False(ChannelName.IsValid(new string('a', 129)));
    }

    [Theory]
    [InlineData("chat:lobby", "chat")]
    [InlineData("user:42:inbox", "user")]
    [InlineData("plain", "")]
    public void Namespace_is_the_part_before_the_first_colon(string name, string expected)
    {
        Assert.Equal(expected, ChannelName.Namespace(name));
    }

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

    [Theory]
    [InlineData("chat:lobby\n")]
    [InlineData("chat:lobby\r\n")]
    [InlineData("\nchat:lobby")]
    public void A_name_with_a_line_break_is_not_a_channel(string name) => Assert.False(ChannelName.IsValid(name));

    [Fact]
    public void Namespaces_are_matched_without_regard_to_case()
    {
        var options = new AspNetCore.Hosting.RealtimeOptions();
        options.Namespaces["USER"] = new AspNetCore.Channels.NamespaceOptions { Private = true, AllowAnonymous = false };
        var rules = new AspNetCore.Channels.ChannelRules(Microsoft.Extensions.Options.Options.Create(options));

        Assert.True(rules.For("user:alice").Private);
        Assert.NotNull(rules.CanRead("user:alice", "mallory"));
    }
}
