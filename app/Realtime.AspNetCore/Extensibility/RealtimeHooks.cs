namespace Realtime.AspNetCore.Extensibility;

/// <summary>
/// The app's logic for the channels of one or more namespaces, registered with
/// <see cref="HookServiceCollectionExtensions.AddRealtimeHooks{THooks}"/>. Override what the app
/// cares about: only overridden methods are called, and a namespace without hooks runs none.
/// Every hook runs before anything is written (a refusal never reaches Redis), within
/// <c>Realtime:Hooks:TimeoutMs</c>; one that throws or runs out of time fails the request with
/// <c>hook_failed</c> or <c>hook_timeout</c>. The instance is a singleton, called concurrently.
/// </summary>
public abstract class RealtimeHooks
{
    /// <summary>A subscribe; refuse to keep the client out of the channel.</summary>
    public virtual ValueTask<HookResult> OnSubscribeAsync(ChannelContext context, CancellationToken cancellationToken) => default;

    /// <summary>A publish; refuse it, or accept with data to store and deliver instead of the client's.</summary>
    public virtual ValueTask<HookResult> OnPublishAsync(PublishContext context, CancellationToken cancellationToken) => default;

    /// <summary>A claim, before Redis is asked (a claim of a resource held by someone else is still refused by Redis with <c>conflict</c>).</summary>
    public virtual ValueTask<HookResult> OnClaimAsync(ClaimContext context, CancellationToken cancellationToken) => default;

    /// <summary>A release asked by a client (not one at disconnect or by the server API).</summary>
    public virtual ValueTask<HookResult> OnReleaseAsync(ClaimContext context, CancellationToken cancellationToken) => default;

    /// <summary>
    /// After a client's publish, claim or release was stored (releases at disconnect included), in
    /// the order this node stored them, at least once: a throw is retried. Not on the request's path.
    /// </summary>
    public virtual ValueTask OnStoredAsync(StoredEvent stored, CancellationToken cancellationToken) => default;
}

/// <summary>Decides on each new connection before its <c>welcome</c>: refuse it, or attach data to it.</summary>
public interface IConnectHook
{
    ValueTask<HookResult> OnConnectAsync(ConnectContext context, CancellationToken cancellationToken);
}

/// <summary>Answers one RPC method: <see cref="HookResult.Accept{T}"/> with the reply, or a refusal.</summary>
public interface IRpcHandler
{
    ValueTask<HookResult> HandleAsync(RpcContext context, CancellationToken cancellationToken);
}
