using Realtime.Testing;

namespace Realtime.E2E.Tests;

/// <summary>The published app as an operator runs it outside a container: from another directory.</summary>
[Collection(E2ECollection.Name)]
public sealed class PublishedAppTests(PublishedServer server)
{
    [Fact]
    public async Task Started_from_another_directory_it_serves_the_demo_page()
    {
        var elsewhere = Directory.CreateTempSubdirectory("realtime-elsewhere-").FullName;
        var port = FreePort.Next();
        var url = new Uri($"http://127.0.0.1:{port}");
        await using var node = ChildProcess.Start("dotnet", [Path.Combine(server.Directory, "Realtime.Server.dll"), "--urls", url.ToString()],
            new Dictionary<string, string?> { ["Logging__LogLevel__Default"] = "Warning" }, elsewhere);
        try
        {
            await node.WaitUntilOkAsync(new Uri(url, "/readyz"), TimeSpan.FromSeconds(30));
            using var http = new HttpClient();
            var page = await http.GetStringAsync(url);
            Assert.Contains("<title>", page, StringComparison.Ordinal);
            Assert.Contains("demo.js", page, StringComparison.Ordinal);
            Assert.True((await http.GetAsync(new Uri(url, "/realtime.js"))).IsSuccessStatusCode);
        }
        finally
        {
            Directory.Delete(elsewhere, recursive: true);
        }
    }
}
