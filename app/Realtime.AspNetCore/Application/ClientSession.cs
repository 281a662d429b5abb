using Realtime.AspNetCore.Connections;

namespace Realtime.AspNetCore.Application;

/// <summary>
/// What the application keeps for one connection: its subscriptions, presence, claims to give up,
/// rate limits and error count. Touched only from the connection's receive loop (one frame at a
/// time), so none of it needs locking, except the error count, which the answers of pipelined
/// publishes also keep; the transport below knows nothing of it.
/// </summary>
public sealed class ClientSession(RealtimeConnection connection, RequestDispatcher dispatcher) : IFrameHandler
{
    private HashSet<string>? _presenceChannels;
    private HashSet<(string Channel, string Resource)>? _claimsToRelease;
    private RequestPipeline? _pipeline;
    private int _consecutiveErrors;

    public RealtimeConnection Connection => connection;

    public string Id => connection.Id;

    /// <summary>The signed-in user, or null for an anonymous connection.</summary>
    public string? User => connection.User;

    /// <summary>Who owns this session's claims: its user, else the connection itself.</summary>
    public string Owner => connection.User ?? connection.Id;

    /// <summary>Channels this connection is subscribed to.</summary>
    public HashSet<string> Subscriptions { get; } = new(StringComparer.Ordinal);

    /// <summary>Channels where this connection is a presence member. Made on first use: most connections have none.</summary>
    public HashSet<string> PresenceChannels => _presenceChannels ??= new(StringComparer.Ordinal);

    /// <summary>Claims to release when the connection closes. Made on first use.</summary>
    public HashSet<(string Channel, string Resource)> ClaimsToRelease => _claimsToRelease ??= [];

    /// <summary>
    /// Completes once the backplane has the command of the last publish started whose command could
    /// not be sent at once (its hooks were still deciding): later publishes send theirs after it, so
    /// commands leave in request order. Null, or completed, when nothing waits.
    /// </summary>
    public Task? CommandsBefore { get; set; }

    /// <summary>Publishes on their way to the backplane; made on the first publish.</summary>
    public RequestPipeline Pipeline => _pipeline ??= dispatcher.OpenPipeline(this);

    /// <summary>Completes once every pipelined publish has been answered (at once when there are none).</summary>
    public ValueTask WhenAnsweredAsync() => _pipeline?.WhenEmptyAsync() ?? default;

    /// <summary>Counts a protocol error; returns how many came in a row.</summary>
    public int CountError() => Interlocked.Increment(ref _consecutiveErrors);

    /// <summary>A request went through: the run of errors is over.</summary>
    public void ResetErrors() => Volatile.Write(ref _consecutiveErrors, 0);

    /// <summary>Publish rate limit (publishes, claims, releases, RPCs); made on first use.</summary>
    public TokenBucket? PublishBucket { get; set; }

    /// <summary>Distinct channels written per minute; made on first use.</summary>
    public ChannelQuota? WrittenChannels { get; set; }

    /// <summary>Subscribe rate limit; made on first use.</summary>
    public TokenBucket? SubscribeBucket { get; set; }

    /// <summary>Queues a frame for the client (see <see cref="RealtimeConnection.TrySend"/>).</summary>
    public bool TrySend(ReadOnlyMemory<byte> frame) => connection.TrySend(frame);

    public ValueTask HandleAsync(ReadOnlyMemory<byte> frame, CancellationToken cancellationToken) =>
        dispatcher.HandleAsync(this, frame, cancellationToken);

    public ValueTask ClosedAsync() => dispatcher.ClosedAsync(this);
}
