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

    [Theory]
    [InlineData("chat", true)]
    [InlineData("user.v2@eu", true)]
    [InlineData("", false)]
    [InlineData("a:b", false)]
    [InlineData("has space", false)]
    public void Namespaces_are_names_without_a_colon(string name, bool valid) => Assert.Equal(valid, ChannelName.IsValidNamespace(name));

    [Fact]
    public void A_namespace_leaves_room_for_its_colon_within_the_name_limit()
    {
        Assert.True(ChannelName.IsValidNamespace(new string('n', 127)));
        Assert.False(ChannelName.IsValidNamespace(new string('n', 128)));
    }

    [Fact]
    public void The_rule_in_messages_is_a_pattern_that_accepts_what_the_server_accepts()
    {
        var rule = new System.Text.RegularExpressions.Regex(ChannelName.Rule);
        Assert.Matches(rule, "a.b-c_d@e:f");
        Assert.DoesNotMatch(rule, "brace{x}");
    }
}
