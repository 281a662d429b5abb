namespace Realtime.AspNetCore.Extensibility;

/// <summary>One hook of one kind: the app's C# method or a proxy call, with its time limit.</summary>
/// <param name="Kind">connect, subscribe, publish, claim, release or rpc: for logs and metrics.</param>
/// <param name="Source">Who answers (the hook's type, or the proxy's URL): for logs.</param>
internal sealed record HookStep<TContext>(string Kind, string Source, Func<TContext, CancellationToken, ValueTask<HookResult>> Call, TimeSpan Timeout);

/// <summary>One receiver of stored events: the app's C# method or the proxy's events URL.</summary>
internal sealed record EventReceiver(string Source, Func<StoredEvent, CancellationToken, ValueTask> Deliver);
