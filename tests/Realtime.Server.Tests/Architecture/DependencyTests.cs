using System.Text.RegularExpressions;
using NetArchTest.Rules;
using Realtime.AspNetCore;

namespace Realtime.Server.Tests.Architecture;

/// <summary>
/// The server's namespaces depend one way (docs/architecture.md, "Dependencies"), read from the
/// compiled assembly, method bodies included. No rule has exceptions.
/// </summary>
public sealed class DependencyTests
{
    private const string Root = "Realtime.AspNetCore";

    /// <summary>
    /// Each namespace (exactly: its sub-namespaces have rules of their own) and what it must not use:
    /// lower layers never reach up. Backplanes implement the core's contract (<c>Backplane</c>) and
    /// the stores' (<c>Features</c>) and know nothing above; no one but the wiring knows an
    /// implementation. <c>RealtimeOptions</c> (the whole validated configuration) is for the layers
    /// that wire things; the others take their part.
    /// </summary>
    public static TheoryData<string, string[]> Rules => new()
    {
        { "Protocol", ["RealtimeOptions", "Diagnostics", "Backplane", "Identity", "Channels", "Features", "Connections", "Overload", "Application", "Hosting", "Extensibility"] },
        { "Diagnostics", ["RealtimeOptions", "Protocol", "Backplane", "Identity", "Channels", "Features", "Connections", "Overload", "Application", "Hosting", "Extensibility"] },
        { "Backplane", ["RealtimeOptions", "Backplane.Redis", "Backplane.InMemory", "Identity", "Channels", "Features", "Connections", "Overload", "Application", "Hosting", "Extensibility"] },
        { "Features", ["RealtimeOptions", "Backplane.Redis", "Backplane.InMemory", "Identity", "Channels", "Connections", "Overload", "Application", "Hosting", "Extensibility"] },
        { "Backplane.Redis", ["RealtimeOptions", "Backplane.InMemory", "Identity", "Channels", "Connections", "Overload", "Application", "Hosting", "Extensibility"] },
        { "Backplane.InMemory", ["RealtimeOptions", "Backplane.Redis", "Identity", "Channels", "Connections", "Overload", "Application", "Hosting", "Extensibility"] },
        { "Identity", ["RealtimeOptions", "Backplane", "Channels", "Features", "Connections", "Overload", "Application", "Hosting", "Extensibility"] },
        { "Channels", ["RealtimeOptions", "Backplane.Redis", "Backplane.InMemory", "Identity", "Features", "Connections", "Overload", "Application", "Hosting", "Extensibility"] },
        { "Connections", ["Backplane", "Features", "Overload", "Application", "Hosting", "Extensibility"] },
        { "Connections.Handshake", ["Backplane", "Features", "Overload", "Application", "Hosting", "Extensibility"] },
        { "Overload", ["Backplane", "Identity", "Channels", "Features", "Application", "Hosting", "Extensibility"] },
        { "Application", ["Backplane.Redis", "Backplane.InMemory", "Hosting"] },
        // The app's hooks see contexts, never the server's machinery: what they may touch is what the contexts give.
        { "Extensibility", ["RealtimeOptions", "Backplane", "Backplane.Redis", "Backplane.InMemory", "Identity", "Features", "Connections", "Overload", "Application", "Hosting"] },
        { "Extensibility.Proxy", ["RealtimeOptions", "Backplane", "Backplane.Redis", "Backplane.InMemory", "Identity", "Features", "Connections", "Overload", "Application", "Hosting"] },
    };

    [Theory]
    [MemberData(nameof(Rules))]
    public void Namespace_does_not_reach_into_the_layers_above(string ns, string[] forbidden)
    {
        var breaking = new List<string>();
        foreach (var other in forbidden)
        {
            var result = Types.InAssembly(typeof(RealtimeOptions).Assembly)
                .That().ResideInNamespaceMatching($"^{Regex.Escape($"{Root}.{ns}")}$")
                .ShouldNot().HaveDependencyOnAny($"{Root}.{other}")
                .GetResult();
            breaking.AddRange((result.FailingTypes ?? []).Select(t => $"{t.FullName} → {other}"));
        }

        Assert.True(breaking.Count == 0, $"{ns} uses what it must not:\n{string.Join('\n', breaking.Distinct())}");
    }

    /// <summary>A namespace without a rule could use anything: each has one, but the root and Hosting, which wire everything.</summary>
    [Fact]
    public void Every_namespace_has_a_rule()
    {
        var ruled = Rules.Select(r => $"{Root}.{(string)r[0]}").Append(Root).Append($"{Root}.Hosting").ToHashSet();
        var unruled = typeof(RealtimeOptions).Assembly.GetTypes()
            .Select(t => t.Namespace)
            .Where(n => n is not null && n.StartsWith(Root, StringComparison.Ordinal) && !ruled.Contains(n))
            .Distinct()
            .ToList();
        Assert.True(unruled.Count == 0, $"namespaces without a dependency rule: {string.Join(", ", unruled)}");
    }
}
