using System.Net.WebSockets;
using Realtime.AspNetCore.Channels;
using Realtime.AspNetCore.Connections;

namespace Realtime.Server.Tests.Unit;

public sealed class SubscriberTests
{
    [Fact]
    public void A_resume_that_holds_more_than_allowed_closes_the_receiver_as_slow_once()
    {
        using var stream = new MemoryStream();
        using var socket = WebSocket.CreateFromStream(stream, new WebSocketCreationOptions { IsServer = true });
        using var connection = new RealtimeConnection("c1", socket, new ConnectionSettings(1024, 8, TimeSpan.FromSeconds(1)), TimeProvider.System);
        var slow = 0;
        connection.SlowConsumer += _ => slow++;
        var subscriber = new Subscriber(connection, presenceEvents: false, maxHeld: 2);

        // A new subscriber holds live frames until its replay is released; the third overflows the hold.
        for (var i = 0; i < 4; i++)
        {
            subscriber.TellGap(upTo: null, "{}"u8.ToArray());
        }

        Assert.True(connection.IsClosing);
        Assert.Equal(1, slow); // the metric and the log hang off this event, as for a full send queue
    }
}
