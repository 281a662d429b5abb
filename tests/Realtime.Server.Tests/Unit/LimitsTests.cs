using Microsoft.Extensions.Time.Testing;
using Realtime.Server.Backplane;
using Realtime.Server.Connections;
using Realtime.Server.Protocol;

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
    public void Stream_offsets_parse_format_and_order()
    {
        Assert.True(StreamOffset.TryParse("1700000000000-3", out var a));
        Assert.Equal("1700000000000-3", a.ToString());
        Assert.True(StreamOffset.TryParse("1700000000000-10", out var b));
        Assert.True(a < b);
        Assert.True(StreamOffset.TryParse("1700000000001-0", out var c));
        Assert.True(b < c);
        Assert.False(StreamOffset.TryParse("abc", out _));
        Assert.False(StreamOffset.TryParse("-1", out _));
        Assert.False(StreamOffset.TryParse("1-", out _));
        Assert.False(StreamOffset.TryParse(null, out _));
    }
}
