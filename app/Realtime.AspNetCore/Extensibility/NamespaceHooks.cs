namespace Realtime.AspNetCore.Extensibility;

/// <summary>
/// Every hook of one namespace, by kind, in the order they run (hooks in C# in the order they were
/// added, then the proxy). A kind without steps costs a length check.
/// </summary>
public sealed class NamespaceHooks
{
    internal List<HookStep<ChannelContext>> Subscribe { get; } = [];

    internal List<HookStep<PublishContext>> Publish { get; } = [];

    internal List<HookStep<ClaimContext>> Claim { get; } = [];

    internal List<HookStep<ClaimContext>> Release { get; } = [];

    internal List<EventReceiver> Stored { get; } = [];

    /// <summary>Publishes here are checked or told of: their hooks run in the pipeline, and their commands wait their turn (a quicker hook must not reorder them).</summary>
    public bool InterceptsPublish => Publish.Count > 0 || Stored.Count > 0;

    public bool HasSubscribe => Subscribe.Count > 0;

    public bool HasClaim => Claim.Count > 0;

    public bool HasRelease => Release.Count > 0;

    public bool HasStored => Stored.Count > 0;

    internal bool IsEmpty => Subscribe.Count + Publish.Count + Claim.Count + Release.Count + Stored.Count == 0;
}
