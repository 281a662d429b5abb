namespace RealtimeInfra.Cdk.Tests;

/// <summary>Finds the repository root (the folder holding cdk.json) from the test's bin folder.</summary>
internal static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

    public static string CdkJson => Path.Combine(Root, "cdk.json");

    public static string Snapshots => Path.Combine(Root, "tests", "RealtimeInfra.Cdk.Tests", "Snapshots");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "cdk.json")) && File.Exists(Path.Combine(dir.FullName, "RealtimeInfra.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"no cdk.json above {AppContext.BaseDirectory}");
    }
}
