using Microsoft.Playwright;

namespace Realtime.E2E.Tests;

/// <summary>
/// Debian's Chromium driven by Playwright for .NET: no browser download (the executable path is
/// given), headless, without the sandbox (CI runs as root) and without background networking (the
/// machine has no route out, and Chromium's own requests would only fail).
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    public const string Chromium = "/usr/bin/chromium";

    private IPlaywright? _playwright;

    public IBrowser Browser { get; private set; } = null!;

    public static string Artifacts { get; } = Path.Combine(PublishedServer.RepositoryRoot, "artifacts", "e2e");

    public async Task InitializeAsync()
    {
        if (!File.Exists(Chromium))
        {
            throw new InvalidOperationException($"{Chromium} is missing: ./scripts/test.sh installs Debian's chromium");
        }

        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
        Directory.CreateDirectory(Artifacts);
    }

    public async Task DisposeAsync()
    {
        await Browser.CloseAsync();
        _playwright?.Dispose();
    }

    /// <summary>A page in its own context (its own cookies), pinned to a node by the load balancer's cookie.</summary>
    public async Task<IPage> OpenDemoAsync(Cluster cluster, string node, string name)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1200, Height = 900 } });
        await context.AddCookiesAsync([new Cookie { Name = "RTNODE", Value = node, Domain = "127.0.0.1", Path = "/" }]);
        var page = await context.NewPageAsync();
        await page.GotoAsync($"{cluster.Url}?name={name}");
        await Assertions.Expect(page.Locator("#status")).ToHaveTextAsync("open", new() { Timeout = 15_000 });
        // The grid is drawn from the tables RPC once the page is connected.
        await Assertions.Expect(page.Locator("#tables button").First).ToBeVisibleAsync();
        return page;
    }

    /// <summary>Runs a test; when it fails, saves a screenshot of each page as a test artifact.</summary>
    public static async Task WithScreenshotsOnFailure(string test, Func<Task> body, params IPage[] pages)
    {
        try
        {
            await body();
        }
        catch
        {
            for (var i = 0; i < pages.Length; i++)
            {
                await pages[i].ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Artifacts, $"{test}-failed-page{i + 1}.png"), FullPage = true });
            }

            throw;
        }
    }
}
