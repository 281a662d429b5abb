using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using RealtimeInfra.Cdk.Stacks;

namespace RealtimeInfra.Cdk.Tests;

/// <summary>
/// One snapshot per stack and environment catches every change the targeted tests do not name.
/// <c>UPDATE_SNAPSHOTS=1</c> rewrites them; a reviewer reads the diff.
/// </summary>
[Collection(SynthCollection.Name)]
public sealed partial class SnapshotTests(SynthFixture synth)
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static TheoryData<string, string> AllStacks => new()
    {
        { "dev", "Network" }, { "dev", "Backplane" }, { "dev", "Service" },
        { "prod", "Network" }, { "prod", "Backplane" }, { "prod", "Service" },
    };

    [Theory]
    [MemberData(nameof(AllStacks))]
    public void Template_matches_its_snapshot(string environment, string stack)
    {
        var app = environment == "dev" ? synth.Dev : synth.Prod;
        var name = $"{RealtimeStacks.StackPrefix(environment)}-{stack}";
        var actual = Normalize(app.Json[name]);
        var path = Path.Combine(RepositoryPaths.Snapshots, $"{name}.json");

        if (Environment.GetEnvironmentVariable("UPDATE_SNAPSHOTS") == "1")
        {
            Directory.CreateDirectory(RepositoryPaths.Snapshots);
            File.WriteAllText(path, actual);
            return;
        }

        Assert.True(File.Exists(path), $"No snapshot at {path}: run the tests once with UPDATE_SNAPSHOTS=1 and review it.");
        var expected = File.ReadAllText(path).ReplaceLineEndings("\n");
        Assert.True(expected == actual, $"{name} differs from {path}. If the change is intended, rerun with UPDATE_SNAPSHOTS=1 and review the diff.\n{FirstDifference(expected, actual)}");
    }

    /// <summary>Asset hashes change with every source edit; the template around them is what is pinned.</summary>
    private static string Normalize(JsonObject template)
    {
        var text = template.ToJsonString(Indented).ReplaceLineEndings("\n") + "\n";
        return AssetHash().Replace(text, "<asset-hash>");
    }

    private static string FirstDifference(string expected, string actual)
    {
        var e = expected.Split('\n');
        var a = actual.Split('\n');
        for (var i = 0; i < Math.Max(e.Length, a.Length); i++)
        {
            var left = i < e.Length ? e[i] : "<end>";
            var right = i < a.Length ? a[i] : "<end>";
            if (left != right)
            {
                return $"first difference at line {i + 1}:\n  snapshot: {left.Trim()}\n  actual:   {right.Trim()}";
            }
        }

        return "";
    }

    [GeneratedRegex("[0-9a-f]{64}")]
    private static partial Regex AssetHash();
}
