using Realtime.AspNetCore.Protocol;

namespace Realtime.Server.Tests.Unit;

public sealed class ChannelNameTests
{
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

    [Theory]
    [InlineData("chat:lobby\n")]
    [InlineData("chat:lobby\r\n")]
    [InlineData("\nchat:lobby")]
    public void A_name_with_a_line_break_is_not_a_channel(string name) => Assert.False(ChannelName.IsValid(name));
}
