using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Realtime.E2E.Tests;

/// <summary>The demo page in real browsers, each pinned to a different node behind HAProxy.</summary>
[Collection(E2ECollection.Name)]
public sealed class BookingDemoTests(PublishedServer server, BrowserFixture browser) : IAsyncLifetime
{
    private Cluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await Cluster.StartAsync(server);

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task Two_people_race_for_the_last_table_one_gets_it_the_other_is_told_at_once()
    {
        var anna = await browser.OpenDemoAsync(_cluster, "n1", "anna");
        var ben = await browser.OpenDemoAsync(_cluster, "n2", "ben");
        await BrowserFixture.WithScreenshotsOnFailure(nameof(Two_people_race_for_the_last_table_one_gets_it_the_other_is_told_at_once), async () =>
        {
            Assert.NotEqual(await anna.Locator("#node").TextContentAsync(), await ben.Locator("#node").TextContentAsync());
            const string table = "[data-table='t07@19:30']";

            // "At once": each page learns the outcome from the server's push, with no further action.
            // How fast is the benchmark's to measure (claim latency), not a wall-clock bound here.
            await Task.WhenAll(anna.Locator(table).ClickAsync(), ben.Locator(table).ClickAsync());
            var notices = new[] { anna, ben }.Select(p => p.Locator("#notice")).ToArray();
            foreach (var notice in notices)
            {
                await Expect(notice).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("Booked!|Sorry, that table was just booked"), new() { Timeout = 5000 });
            }

            var texts = await Task.WhenAll(notices.Select(n => n.TextContentAsync()));
            Assert.Single(texts, t => t!.StartsWith("Booked!", StringComparison.Ordinal));
            Assert.Single(texts, t => t == "Sorry, that table was just booked");

            // Both pages now show the table as taken: one as "mine", the other as someone else's.
            var states = await Task.WhenAll(anna.Locator(table).GetAttributeAsync("data-taken"), ben.Locator(table).GetAttributeAsync("data-taken"));
            Assert.Equal(["mine", "other"], states.Order(StringComparer.Ordinal));

            await anna.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.Artifacts, "demo-race-anna.png") });
            await ben.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.Artifacts, "demo-race-ben.png") });
        }, anna, ben);
    }

    [Fact]
    public async Task The_restaurants_hooks_refuse_a_second_table_in_a_seating_and_a_table_that_does_not_exist()
    {
        var anna = await browser.OpenDemoAsync(_cluster, "n1", "anna");
        var ben = await browser.OpenDemoAsync(_cluster, "n2", "ben");
        await BrowserFixture.WithScreenshotsOnFailure(nameof(The_restaurants_hooks_refuse_a_second_table_in_a_seating_and_a_table_that_does_not_exist), async () =>
        {
            // The grid is tonight's layout as the server's tables RPC gives it.
            var tables = await anna.EvaluateAsync<int>("() => realtimeDemo.client.rpc('tables').then(layout => layout.tables.length)");
            var seatings = await anna.EvaluateAsync<int>("() => realtimeDemo.client.rpc('tables').then(layout => layout.seatings.length)");
            await Expect(anna.Locator("#tables button")).ToHaveCountAsync(tables * seatings);

            await anna.Locator("[data-table='t03@19:30']").ClickAsync();
            await Expect(anna.Locator("#notice")).ToContainTextAsync("Booked!");
            await anna.Locator("[data-table='t05@19:30']").ClickAsync();
            await Expect(anna.Locator("#notice")).ToHaveTextAsync("Could not book: You already have table 3 at 19:30: one table per guest per seating.");
            await Expect(anna.Locator("[data-table='t05@19:30']")).ToHaveAttributeAsync("data-taken", "");

            // The refused claim was never written: ben, on the other node, can still book that table.
            await ben.Locator("[data-table='t05@19:30']").ClickAsync();
            await Expect(ben.Locator("#notice")).ToContainTextAsync("Booked!");
            await Expect(anna.Locator("[data-table='t05@19:30']")).ToHaveAttributeAsync("data-taken", "other");

            var code = await anna.EvaluateAsync<string>("() => realtimeDemo.client.claim('booking:tonight', 't99@19:30').then(() => 'claimed', e => e.code)");
            Assert.Equal("no_such_table", code);

            // Another seating is another matter.
            await anna.Locator("[data-table='t05@21:00']").ClickAsync();
            await Expect(anna.Locator("#notice")).ToContainTextAsync("Booked!");
        }, anna, ben);
    }

    [Fact]
    public async Task A_chat_message_from_one_page_appears_on_the_page_on_the_other_node()
    {
        var anna = await browser.OpenDemoAsync(_cluster, "n1", "anna");
        var ben = await browser.OpenDemoAsync(_cluster, "n2", "ben");
        await BrowserFixture.WithScreenshotsOnFailure(nameof(A_chat_message_from_one_page_appears_on_the_page_on_the_other_node), async () =>
        {
            await anna.FillAsync("#chat-input", "see you at eight");
            await anna.PressAsync("#chat-input", "Enter"); // the keyboard is enough
            await Expect(ben.Locator("#chat-log li").Last).ToHaveTextAsync("anna: see you at eight", new() { Timeout = 5000 });
            await Expect(anna.Locator("#chat-input")).ToHaveValueAsync("");
        }, anna, ben);
    }

    [Fact]
    public async Task A_table_booked_before_a_page_opens_shows_as_taken_and_updates_live()
    {
        var anna = await browser.OpenDemoAsync(_cluster, "n1", "anna");
        await anna.Locator("[data-table='t01@18:00']").ClickAsync();
        await Expect(anna.Locator("#notice")).ToContainTextAsync("Booked!");

        var ben = await browser.OpenDemoAsync(_cluster, "n2", "ben");
        await BrowserFixture.WithScreenshotsOnFailure(nameof(A_table_booked_before_a_page_opens_shows_as_taken_and_updates_live), async () =>
        {
            await Expect(ben.Locator("[data-table='t01@18:00']")).ToHaveAttributeAsync("data-taken", "other");
            await anna.Locator("[data-table='t02@21:00']").ClickAsync();
            await Expect(ben.Locator("[data-table='t02@21:00']")).ToHaveAttributeAsync("data-taken", "other", new() { Timeout = 5000 });
        }, anna, ben);
    }
}

/// <summary>A deploy: SIGTERM one node; its page reconnects to the other and misses nothing.</summary>
[Collection(E2ECollection.Name)]
public sealed class DeployTests(PublishedServer server, BrowserFixture browser) : IAsyncLifetime
{
    private Cluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await Cluster.StartAsync(server);

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task Sigterm_moves_the_page_to_the_other_node_without_missing_a_chat_message()
    {
        var anna = await browser.OpenDemoAsync(_cluster, "n1", "anna");
        var ben = await browser.OpenDemoAsync(_cluster, "n2", "ben");
        await BrowserFixture.WithScreenshotsOnFailure(nameof(Sigterm_moves_the_page_to_the_other_node_without_missing_a_chat_message), async () =>
        {
            Assert.Equal("node-1", await anna.Locator("#node").TextContentAsync());
            await anna.EvaluateAsync("() => { window.states = []; realtimeDemo.client.addEventListener('state', e => window.states.push(e.detail.state)); }");

            const int count = 30;
            var chatting = Task.Run(async () =>
            {
                for (var i = 0; i < count; i++)
                {
                    await ben.EvaluateAsync("n => realtimeDemo.client.publish('chat:tonight', { name: 'ben', text: 'message ' + n })", i);
                    await Task.Delay(100);
                }
            });
            await Task.Delay(800);
            await _cluster.TerminateAsync("n1");
            await chatting;

            await Expect(anna.Locator("#node")).ToHaveTextAsync("node-2", new() { Timeout = 15_000 });
            await Expect(anna.Locator("#status")).ToHaveTextAsync("open");
            var expected = Enumerable.Range(0, count).Select(i => $"ben: message {i}").ToArray();
            await Expect(anna.Locator("#chat-log li")).ToHaveTextAsync(expected, new() { Timeout = 10_000 });
            var states = await anna.EvaluateAsync<string[]>("() => window.states");
            Assert.Contains("reconnecting", states);
        }, anna, ben);
    }
}
