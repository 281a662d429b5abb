using System.Diagnostics;

namespace RealtimeInfra.Cdk.Tests;

/// <summary>
/// docs/architecture.svg cannot drift from the code: the committed DOT must be what
/// scripts/diagram.mjs makes of prod's templates, and the committed SVG what Graphviz renders of it.
/// After an intended change: scripts/diagram.sh, then review both files' diff.
/// </summary>
[Collection(SynthCollection.Name)]
public sealed class DiagramTests(SynthFixture synth)
{
    private static readonly string Dot = Path.Combine(RepositoryPaths.Root, "docs", "architecture.dot");
    private static readonly string Svg = Path.Combine(RepositoryPaths.Root, "docs", "architecture.svg");

    [Fact]
    public void Committed_dot_is_what_the_script_makes_of_prod()
    {
        var generated = Run("node", Path.Combine(RepositoryPaths.Root, "scripts", "diagram.mjs"), synth.Prod.OutDir);
        Assert.True(generated == File.ReadAllText(Dot), "docs/architecture.dot is stale: run scripts/diagram.sh and commit both files");
    }

    /// <summary>The picture is of the default (one shard); the same script draws a cluster-mode backplane as shards.</summary>
    [Fact]
    public void Script_draws_a_cluster_mode_backplane_as_shards()
    {
        var generated = Run("node", Path.Combine(RepositoryPaths.Root, "scripts", "diagram.mjs"), synth.ProdClustered.OutDir);
        Assert.Contains($"valkey 7.2, {SynthFixture.ClusteredShards} shards × 3 nodes", generated, StringComparison.Ordinal);
    }

    [Fact]
    public void Committed_svg_is_graphviz_rendering_of_the_dot()
    {
        var rendered = Run("dot", "-Tsvg", Dot);
        Assert.True(rendered == File.ReadAllText(Svg), "docs/architecture.svg is stale: run scripts/diagram.sh and commit both files");
    }

    private static string Run(string file, params string[] arguments)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{file} failed: {error.Result}");
        return output.Result;
    }
}
