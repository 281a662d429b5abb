using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Realtime.Client;

namespace Realtime.Faults.Load;

/// <summary>
/// The clients, through the .NET client library and the load balancer: each subscribes to one channel
/// and reads every message into the ledger; the first few also publish, each message with its own id
/// (repeated with the same id until acknowledged, as an app would). Reconnects are timed.
/// </summary>
public sealed class ClientFleet : IAsyncDisposable
{
    private readonly List<RealtimeClient> _clients = [];
    private readonly ConcurrentBag<Task> _readers = [];
    private readonly ConcurrentQueue<long> _reopened = new();
    private readonly Ledger _ledger;
    private readonly int _publishers;
    private readonly int _rate;
    private CancellationTokenSource? _publishing;
    private Task _publisherLoops = Task.CompletedTask;

    private ClientFleet(Ledger ledger, int publishers, int rate) => (_ledger, _publishers, _rate) = (ledger, publishers, rate);

    public List<(int Subscriber, string Channel)> Subscribers { get; } = [];

    /// <summary>Clients not open right now (reconnecting, or resuming their subscriptions).</summary>
    public int NotOpen => _clients.Count(c => c.State != ConnectionState.Open);

    /// <summary>How many clients are in each state, for a failure's message.</summary>
    public string States => string.Join(", ", _clients.GroupBy(c => c.State).Select(g => $"{g.Key}: {g.Count()}"));

    public static async Task<ClientFleet> ConnectAsync(Uri endpoint, int clients, int channels, int publishers, int rate, Ledger ledger)
    {
        var fleet = new ClientFleet(ledger, publishers, rate);
        var connecting = new List<Task>();
        for (var i = 0; i < clients; i++)
        {
            var client = new RealtimeClient(new RealtimeClientOptions { Endpoints = [endpoint], MinBackoff = TimeSpan.FromMilliseconds(500), MaxBackoff = TimeSpan.FromSeconds(5) });
            fleet._clients.Add(client);
            var index = i;
            var channel = $"faults:c{i % channels}";
            fleet.Subscribers.Add((index, channel));
            client.StateChanged += (state, _) =>
            {
                if (state == ConnectionState.Open && client.Welcome is not null)
                {
                    fleet._reopened.Enqueue(Environment.TickCount64);
                }
            };
            connecting.Add(fleet.StartAsync(client, index, channel));
            if (connecting.Count == 50)
            {
                await Task.WhenAll(connecting); // in steps, as real clients arrive
                connecting.Clear();
            }
        }

        await Task.WhenAll(connecting);
        fleet._reopened.Clear(); // the first opens are not reconnects
        return fleet;
    }

    private async Task StartAsync(RealtimeClient client, int index, string channel)
    {
        await client.ConnectAsync();
        var subscription = await client.SubscribeAsync(channel);
        // Raised for a gap frame and for a resume answered recovered:false, with where delivery goes on.
        subscription.Gap += (_, offset) => _ledger.GapNotice(index, offset);
        _readers.Add(Task.Run(async () =>
        {
            await foreach (var message in subscription.ReadAllAsync())
            {
                _ledger.Received(index, message.Data.GetProperty("id").GetString()!);
            }
        }));
    }

    /// <summary>Times of every reopen (connected again with its subscriptions resumed) since the last call.</summary>
    public long[] TakeReopens()
    {
        var taken = new List<long>();
        while (_reopened.TryDequeue(out var at))
        {
            taken.Add(at);
        }

        return [.. taken];
    }

    public void StartPublishing()
    {
        _publishing = new CancellationTokenSource();
        var token = _publishing.Token;
        _publisherLoops = Task.WhenAll(Enumerable.Range(0, _publishers).Select(p => Task.Run(() => PublishLoopAsync(p, token))));
    }

    public async Task StopPublishingAsync()
    {
        await _publishing!.CancelAsync();
        await _publisherLoops;
    }

    private async Task PublishLoopAsync(int publisher, CancellationToken stop)
    {
        var client = _clients[publisher];
        var channel = Subscribers[publisher].Channel;
        var interval = TimeSpan.FromSeconds(1.0 / _rate);
        for (var seq = 0; !stop.IsCancellationRequested; seq++)
        {
            var id = $"p{publisher}-{Guid.NewGuid():N}";
            var data = new JsonObject { ["id"] = id };
            while (true)
            {
                try
                {
                    var offset = await client.PublishAsync(channel, data, id, CancellationToken.None);
                    _ledger.Acknowledged(channel, id, offset);
                    break;
                }
                catch (RealtimeException)
                {
                    // Not acknowledged (disconnected, unavailable, unknown after retries): the same id
                    // again, so it is stored once whatever happened, unless the run is over.
                    if (stop.IsCancellationRequested)
                    {
                        return;
                    }

                    await Task.Delay(200, CancellationToken.None);
                }
            }

            try
            {
                await Task.Delay(interval, stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients)
        {
            await client.DisposeAsync();
        }

        await Task.WhenAll(_readers);
    }
}
