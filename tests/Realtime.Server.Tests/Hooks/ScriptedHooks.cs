using System.Collections.Concurrent;
using System.Text.Json;
using Realtime.AspNetCore.Extensibility;

namespace Realtime.Server.Tests.Hooks;

/// <summary>
/// Hooks for the <c>hooked</c> namespace that do what the request names: the channel's second part
/// (<c>hooked:refuse:…</c>) for subscribes and publishes, the resource's first part
/// (<c>refuse-t1</c>) for claims and releases. accept, refuse, replace, slow (waits for its token),
/// stubborn (ignores it), throw. Every call and stored event is recorded.
/// </summary>
public sealed class ScriptedHooks : RealtimeHooks
{
    public ConcurrentQueue<HookContext> Calls { get; } = new();

    public ConcurrentQueue<StoredEvent> Stored { get; } = new();

    /// <summary>How many times each stored event's delivery is failed first, by channel.</summary>
    public ConcurrentDictionary<string, int> FailStoredTimes { get; } = new();

    private int _publishing;
    private int _mostPublishingAtOnce;

    /// <summary>The most publish hooks that were running at the same time.</summary>
    public int MostPublishingAtOnce => Volatile.Read(ref _mostPublishingAtOnce);

    public override ValueTask<HookResult> OnSubscribeAsync(ChannelContext context, CancellationToken cancellationToken) =>
        Act(ModeOf(context.Channel), context, cancellationToken);

    public override async ValueTask<HookResult> OnPublishAsync(PublishContext context, CancellationToken cancellationToken)
    {
        var now = Interlocked.Increment(ref _publishing);
        int most;
        while (now > (most = Volatile.Read(ref _mostPublishingAtOnce)) && Interlocked.CompareExchange(ref _mostPublishingAtOnce, now, most) != most)
        {
        }

        try
        {
            return await Act(ModeOf(context.Channel), context, cancellationToken);
        }
        finally
        {
            Interlocked.Decrement(ref _publishing);
        }
    }

    public override ValueTask<HookResult> OnClaimAsync(ClaimContext context, CancellationToken cancellationToken) =>
        Act(context.Resource.Split('-')[0], context, cancellationToken);

    public override ValueTask<HookResult> OnReleaseAsync(ClaimContext context, CancellationToken cancellationToken) =>
        Act(context.Resource.StartsWith("keep-", StringComparison.Ordinal) ? "refuse" : "accept", context, cancellationToken);

    public override ValueTask OnStoredAsync(StoredEvent stored, CancellationToken cancellationToken)
    {
        if (FailStoredTimes.TryGetValue(stored.Channel, out var left) && left > 0)
        {
            FailStoredTimes[stored.Channel] = left - 1;
            throw new InvalidOperationException("the app's database is down");
        }

        Stored.Enqueue(stored);
        return default;
    }

    public static string ModeOf(string channel) => channel.Split(':') is { Length: > 2 } parts ? parts[1] : "accept";

    private async ValueTask<HookResult> Act(string mode, HookContext context, CancellationToken cancellationToken)
    {
        Calls.Enqueue(context);
        switch (mode)
        {
            case "refuse":
                return HookResult.Refuse("not_tonight", "The app says no.");
            case "replace":
                JsonElement? sent = context is PublishContext p ? p.Data : null;
                return HookResult.Accept(JsonSerializer.SerializeToElement(new { replaced = true, original = sent, by = context.User ?? context.ConnectionId }));
            case "grow":
                // Past the node's default Realtime:MaxMessageBytes (64 KB).
                return HookResult.Accept(JsonSerializer.SerializeToElement(new { padding = new string('x', 70_000) }));
            case "slow":
                await Task.Delay(Timeout.Infinite, cancellationToken);
                return HookResult.Accept();
            case "stubborn":
                await Task.Delay(TimeSpan.FromSeconds(3), CancellationToken.None);
                return HookResult.Accept();
            case "throw":
                throw new InvalidOperationException("a bug in the app's hook");
            case "delay" when context is PublishContext publish:
                // As long as the publish asks: a later publish's hook may finish first.
                await Task.Delay(publish.Data.GetProperty("delay").GetInt32(), cancellationToken);
                return HookResult.Accept();
            default:
                return HookResult.Accept();
        }
    }
}
