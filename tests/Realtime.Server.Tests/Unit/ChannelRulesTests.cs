namespace Realtime.Server.Tests.Unit;

public sealed class ChannelRulesTests
{
    [Fact]
    public void Namespaces_are_matched_without_regard_to_case()
    {
        var options = new AspNetCore.RealtimeOptions();
        options.Namespaces["USER"] = new AspNetCore.Channels.NamespaceOptions { Private = true, AllowAnonymous = false };
        var rules = new AspNetCore.Channels.ChannelRules(options.Namespaces);

        Assert.True(rules.For("user:alice").Private);
        Assert.NotNull(rules.CanRead("user:alice", "mallory"));
    }
}
