using System.Diagnostics;

namespace Realtime.E2E.Tests;

/// <summary>The server published once per run (Release, with its wwwroot), as the container holds it.</summary>
public sealed class PublishedServer : IAsyncLifetime
{
    public static string RepositoryRoot { get; } = FindRoot();

    public string Directory { get; } = System.IO.Directory.CreateTempSubdirectory("realtime-e2e-app-").FullName;

    public async Task InitializeAsync()
    {
        var publish = new ProcessStartInfo("dotnet",
            ["publish", Path.Combine(RepositoryRoot, "app", "Realtime.Server"), "-c", "Release", "-o", Directory, "--nologo", "-v", "quiet"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(publish)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(5));
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"dotnet publish failed: {await output}{await errors}");
        }
    }

    public Task DisposeAsync()
    {
        System.IO.Directory.Delete(Directory, recursive: true);
        return Task.CompletedTask;
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "RealtimeInfra.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("RealtimeInfra.sln not found above the test folder");
    }
}

/// <summary>Publish once, and one Chromium, for every E2E test.</summary>
[CollectionDefinition(Name)]
public sealed class E2ECollection : ICollectionFixture<PublishedServer>, ICollectionFixture<BrowserFixture>
{
    public const string Name = "e2e";
}
