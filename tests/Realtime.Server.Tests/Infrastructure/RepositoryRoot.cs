namespace Realtime.Server.Tests.Infrastructure;

/// <summary>The repository's root (where RealtimeInfra.sln is), found upwards from the test binaries.</summary>
public static class RepositoryRoot
{
    public static string Path { get; } = Find();

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "RealtimeInfra.sln")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException($"no RealtimeInfra.sln above {AppContext.BaseDirectory}");
    }
}
