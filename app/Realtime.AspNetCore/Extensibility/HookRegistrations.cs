namespace Realtime.AspNetCore.Extensibility;

/// <summary>A <see cref="RealtimeHooks"/> type and the namespaces it serves (from <c>AddRealtimeHooks</c>).</summary>
internal sealed record HookRegistration(Type HooksType, IReadOnlyList<string> Namespaces);

/// <summary>An RPC method and its handler (from <c>AddRealtimeRpc</c>).</summary>
internal sealed record RpcRegistration(string Method, Func<IServiceProvider, IRpcHandler> Handler);

/// <summary>A handler made of a delegate.</summary>
internal sealed class DelegateRpcHandler(Func<RpcContext, CancellationToken, ValueTask<HookResult>> handle) : IRpcHandler
{
    public ValueTask<HookResult> HandleAsync(RpcContext context, CancellationToken cancellationToken) => handle(context, cancellationToken);
}
