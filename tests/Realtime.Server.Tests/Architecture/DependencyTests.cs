using NetArchTest.Rules;
using Realtime.AspNetCore.Hosting;

namespace Realtime.Server.Tests.Architecture;

/// <summary>
/// The server's namespaces depend one way (docs/architecture.md, "Dependencies"), read from the
/// compiled assembly, method bodies included. A rule may have known exceptions: dependencies that
/// run the wrong way today and are listed to be removed. Anything else that breaks a rule fails.
/// </summary>
public sealed class DependencyTests
{
    private const string Root = "Realtime.AspNetCore";

    /// <summary>Each namespace and those it must not use: lower layers never reach up.</summary>
    public static TheoryData<string, string[]> Rules => new()
    {
        { "Protocol", ["Diagnostics", "Backplane", "Identity", "Channels", "Features", "Connections", "Overload", "Hosting"] },
        { "Diagnostics", ["Protocol", "Backplane", "Identity", "Channels", "Features", "Connections", "Overload", "Hosting"] },
        { "Backplane", ["Identity", "Channels", "Features", "Connections", "Overload", "Hosting"] },
        { "Identity", ["Backplane", "Channels", "Features", "Connections", "Overload", "Hosting"] },
        { "Channels", ["Identity", "Features", "Connections", "Overload", "Hosting"] },
        { "Features", ["Identity", "Connections", "Overload", "Hosting"] },
        { "Overload", ["Backplane", "Identity", "Channels", "Features"] },
    };

    /// <summary>Types that break a rule today, each to be moved (issue: house in order). Never add to this list.</summary>
    private static readonly Dictionary<(string Namespace, string Forbidden), string[]> KnownExceptions = new()
    {
        // SubscriptionService is application logic (rate limits, per-connection state) living among the
        // channels; it and the claim and presence services use each other, the options and RealtimeConnection.
        // A per-connection session object in an application layer is to untie them.
        [("Channels", "Connections")] = ["Channels.SubscriptionService"],
        [("Channels", "Hosting")] = ["Channels.SubscriptionService"],
        [("Channels", "Features")] = ["Channels.SubscriptionService"],
        [("Features", "Connections")] = ["Features.ClaimService", "Features.PresenceService"],
        [("Features", "Hosting")] = ["Features.ClaimService", "Features.PresenceService"],
    };

    [Theory]
    [MemberData(nameof(Rules))]
    public void Namespace_does_not_reach_into_the_layers_above(string ns, string[] forbidden)
    {
        var breaking = new List<string>();
        foreach (var other in forbidden)
        {
            var result = Types.InAssembly(typeof(RealtimeOptions).Assembly)
                .That().ResideInNamespace($"{Root}.{ns}")
                .ShouldNot().HaveDependencyOnAny($"{Root}.{other}")
                .GetResult();
            var allowed = KnownExceptions.GetValueOrDefault((ns, other), []);
            breaking.AddRange((result.FailingTypes ?? []).Select(t => t.FullName).Where(t => !allowed.Any(a => t.StartsWith($"{Root}.{a}", StringComparison.Ordinal)))
                .Select(t => $"{t} → {other}"));
        }

        Assert.True(breaking.Count == 0, $"{ns} uses what it must not:\n{string.Join('\n', breaking.Distinct())}");
    }
}
