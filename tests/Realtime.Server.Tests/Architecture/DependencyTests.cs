using NetArchTest.Rules;
using Realtime.AspNetCore;

namespace Realtime.Server.Tests.Architecture;

/// <summary>
/// The server's namespaces depend one way (docs/architecture.md, "Dependencies"), read from the
/// compiled assembly, method bodies included. A rule may have known exceptions: dependencies that
/// run the wrong way today and are listed to be removed. Anything else that breaks a rule fails.
/// </summary>
public sealed class DependencyTests
{
    private const string Root = "Realtime.AspNetCore";

    /// <summary>
    /// Each namespace and what it must not use: lower layers never reach up. <c>RealtimeOptions</c>
    /// (the whole validated configuration) is for the layers that wire things; the others take their part.
    /// </summary>
    public static TheoryData<string, string[]> Rules => new()
    {
        { "Protocol", ["RealtimeOptions", "Diagnostics", "Backplane", "Identity", "Channels", "Features", "Connections", "Overload", "Application", "Hosting"] },
        { "Diagnostics", ["RealtimeOptions", "Protocol", "Backplane", "Identity", "Channels", "Features", "Connections", "Overload", "Application", "Hosting"] },
        { "Backplane", ["RealtimeOptions", "Identity", "Channels", "Features", "Connections", "Overload", "Application", "Hosting"] },
        { "Identity", ["RealtimeOptions", "Backplane", "Channels", "Features", "Connections", "Overload", "Application", "Hosting"] },
        { "Channels", ["RealtimeOptions", "Identity", "Features", "Connections", "Overload", "Application", "Hosting"] },
        { "Features", ["RealtimeOptions", "Identity", "Connections", "Overload", "Application", "Hosting"] },
        { "Connections", ["Overload", "Application", "Hosting"] },
        { "Overload", ["Backplane", "Identity", "Channels", "Features", "Application", "Hosting"] },
        { "Application", ["Hosting"] },
    };

    /// <summary>Types that break a rule today, each to be moved (issue: house in order). Never add to this list.</summary>
    private static readonly Dictionary<(string Namespace, string Forbidden), string[]> KnownExceptions = new()
    {
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
