using Microsoft.Extensions.Options;
using Realtime.AspNetCore.Connections;
using Realtime.AspNetCore;

namespace Realtime.Server.Tests.Unit;

public sealed class OriginPolicyTests
{
    [Theory]
    [InlineData(null, "rt.example.com", true)]                      // non-browser client
    [InlineData("https://rt.example.com", "rt.example.com", true)]  // same origin (TLS ends at the ALB)
    [InlineData("http://localhost:5000", "localhost:5000", true)]
    [InlineData("https://evil.example.net", "rt.example.com", false)]
    [InlineData("https://rt.example.com:8443", "rt.example.com", false)]
    public void Same_origin_is_the_default(string? origin, string host, bool allowed)
    {
        Assert.Equal(allowed, Policy([]).IsAllowed(origin, host));
    }

    [Fact]
    public void Configured_origins_replace_same_origin()
    {
        var policy = Policy(["https://app.example.com"]);
        Assert.True(policy.IsAllowed("https://app.example.com", "rt.example.com"));
        Assert.True(policy.IsAllowed("https://APP.example.com/", "rt.example.com"));
        Assert.False(policy.IsAllowed("https://rt.example.com", "rt.example.com"));
        Assert.True(Policy(["*"]).IsAllowed("https://anything.example", "rt.example.com"));
    }

    private static OriginPolicy Policy(List<string> origins) =>
        new(Options.Create(new RealtimeOptions { AllowedOrigins = origins }));
}
