using Realtime.Server.Booking;
using Realtime.Server.Tests.Infrastructure;

namespace Realtime.Server.Tests.Hooks;

/// <summary>The demo restaurant's own logic (app/Realtime.Server/Booking) on a real node over Redis.</summary>
[Collection(RedisCollection.Name)]
public sealed class BookingDemoHooksTests(RedisFixture redis) : IAsyncLifetime
{
    private TestNode _node = null!;

    public async Task InitializeAsync() =>
        _node = await TestNode.StartAsync(redis.ConnectionString, nodeId: "booking-demo", services: s => s.AddBookingDemo());

    public Task DisposeAsync() => _node.DisposeAsync().AsTask();

    private static string Claim(string resource, string channel = TonightLayout.Channel) =>
        $$""" "channel":"{{channel}}","resource":"{{resource}}","ttl":60 """.Trim();

    private static string Code(TestClient.Received reply) => reply.Json.GetProperty("code").GetString()!;

    [Theory]
    [InlineData("t13@19:30", TonightLayout.Channel)]
    [InlineData("t07@23:00", TonightLayout.Channel)]
    [InlineData("table-7", TonightLayout.Channel)]
    [InlineData("t07@19:30", "booking:tomorrow")]
    public async Task A_table_that_does_not_exist_tonight_is_refused_and_never_written(string resource, string channel)
    {
        await using var guest = await TestClient.ConnectAsync(_node.WebSocket);

        var reply = await guest.RequestAsync("claim", Claim(resource, channel));

        Assert.Equal(BookingHooks.NoSuchTable, Code(reply));
        Assert.False(await redis.Server.ClaimExistsAsync(channel, resource));
    }

    [Fact]
    public async Task A_guest_books_one_table_per_seating_and_may_book_another_seating()
    {
        await using var guest = await TestClient.ConnectAsync(_node.WebSocket);

        var first = await guest.RequestAsync("claim", Claim("t10@18:00"));
        var again = await guest.RequestAsync("claim", Claim("t10@18:00"));
        var second = await guest.RequestAsync("claim", Claim("t11@18:00"));
        var later = await guest.RequestAsync("claim", Claim("t11@21:00"));

        Assert.Equal("claimed", first.Type);
        Assert.Equal("claimed", again.Type);
        Assert.Equal(BookingHooks.OneTablePerSeating, Code(second));
        Assert.Equal("You already have table 10 at 18:00: one table per guest per seating.", second.Json.GetProperty("message").GetString());
        Assert.False(await redis.Server.ClaimExistsAsync(TonightLayout.Channel, "t11@18:00"));
        Assert.Equal("claimed", later.Type);
    }

    [Fact]
    public async Task The_tables_rpc_gives_tonights_layout()
    {
        await using var guest = await TestClient.ConnectAsync(_node.WebSocket);

        var reply = await guest.RequestAsync("rpc", """ "method":"tables" """.Trim());

        var layout = reply.Json.GetProperty("data");
        Assert.Equal(TonightLayout.Channel, layout.GetProperty("channel").GetString());
        Assert.Equal(["18:00", "19:30", "21:00"], layout.GetProperty("seatings").EnumerateArray().Select(s => s.GetString()));
        Assert.Equal(Enumerable.Range(1, 12), layout.GetProperty("tables").EnumerateArray().Select(t => t.GetInt32()));
    }

    [Fact]
    public async Task A_chat_message_is_tidied_and_stamped_and_anything_else_refused()
    {
        var channel = $"chat:{Guid.NewGuid():N}";
        await using var guest = await TestClient.ConnectAsync(_node.WebSocket);
        await guest.SubscribeAsync(channel);

        var refused = await guest.PublishAsync(channel, """{"name":"anna","text":"   "}""");
        var sent = await guest.PublishAsync(channel, """{"name":"anna","text":"  see you at eight  ","colour":"teal"}""");

        Assert.Equal(ChatHooks.BadMessage, Code(refused));
        Assert.Equal("published", sent.Type);
        var message = (await guest.NextOfTypeAsync("message")).Json.GetProperty("data");
        Assert.Equal("see you at eight", message.GetProperty("text").GetString());
        Assert.Equal("teal", message.GetProperty("colour").GetString());
        Assert.InRange(message.GetProperty("at").GetInt64(), DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeMilliseconds(), DateTimeOffset.UtcNow.AddMinutes(1).ToUnixTimeMilliseconds());
    }
}
