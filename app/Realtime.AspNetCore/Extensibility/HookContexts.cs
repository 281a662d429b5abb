using System.Text.Json;

namespace Realtime.AspNetCore.Extensibility;

/// <summary>Who asks: the connection, its user, and the node serving it.</summary>
public class HookContext
{
    public required string ConnectionId { get; init; }

    /// <summary>The signed-in user (the token's subject), or null for an anonymous connection.</summary>
    public string? User { get; init; }

    public required string Node { get; init; }

    /// <summary>What the connect hook attached to the connection, if anything.</summary>
    public JsonElement? ConnectionData { get; init; }
}

/// <summary>A new connection, before its <c>welcome</c> (its token, if any, already checked: see <see cref="HookContext.User"/>).</summary>
public sealed class ConnectContext : HookContext;

/// <summary>A request on one channel (subscribe).</summary>
public class ChannelContext : HookContext
{
    public required string Channel { get; init; }
}

/// <summary>A publish, before it is stored: <see cref="Data"/> is what the client sent (or what an earlier hook replaced it with).</summary>
public sealed class PublishContext : ChannelContext
{
    public required JsonElement Data { get; init; }

    /// <summary>The publish's idempotency key, when the client gave one.</summary>
    public string? Id { get; init; }
}

/// <summary>A claim or release, before it is written.</summary>
public sealed class ClaimContext : ChannelContext
{
    public required string Resource { get; init; }

    /// <summary>Who will own the claim: the user, else the connection.</summary>
    public required string Owner { get; init; }

    /// <summary>How long the claim will last (claims only; zero for a release).</summary>
    public TimeSpan Ttl { get; init; }
}

/// <summary>An RPC call: <c>{"type":"rpc","method":…,"data":…}</c>.</summary>
public sealed class RpcContext : HookContext
{
    public required string Method { get; init; }

    /// <summary>The call's <c>data</c>, when it had one.</summary>
    public JsonElement? Data { get; init; }
}
