using System.Text.Json;
using Realtime.AspNetCore.Channels;
using Realtime.AspNetCore.Extensibility.Proxy;
using Realtime.AspNetCore.Protocol;

namespace Realtime.AspNetCore.Extensibility;

/// <summary>
/// Which hooks serve which channel, built once at start-up from the app's registrations and the
/// namespaces' proxy settings. A channel's hooks are its namespace's when the namespace has hooks or
/// an entry in <c>Realtime:Namespaces</c>, else the <c>default</c> namespace's (as for its rules).
/// With no hooks anywhere, every lookup is one field read.
/// </summary>
public sealed class HookRegistry
{
    private readonly Dictionary<string, NamespaceHooks?> _byNamespace = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, NamespaceHooks?>.AlternateLookup<ReadOnlySpan<char>> _lookup;
    private readonly NamespaceHooks? _default;
    private readonly bool _any;
    private readonly Dictionary<string, HookStep<RpcContext>> _rpcMethods = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HookStep<RpcContext>> _rpcProxies = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<HookStep<ConnectContext>> _connect = [];

    internal HookRegistry(
        IServiceProvider services,
        IEnumerable<HookRegistration> registrations,
        IEnumerable<RpcRegistration> rpcs,
        IEnumerable<IConnectHook> connectHooks,
        HookProxyClient proxy,
        HookOptions options,
        IReadOnlyDictionary<string, NamespaceOptions> namespaces)
    {
        var timeout = TimeSpan.FromMilliseconds(options.TimeoutMs);
        foreach (var name in namespaces.Keys)
        {
            _byNamespace[name] = null;
        }

        foreach (var registration in registrations)
        {
            var hooks = (RealtimeHooks)services.GetRequiredService(registration.HooksType);
            foreach (var name in registration.Namespaces)
            {
                AddCSharp(Hooks(name), hooks, registration.HooksType, timeout);
            }
        }

        foreach (var (name, rules) in namespaces)
        {
            AddProxy(name, rules.Proxy, proxy);
        }

        foreach (var hook in connectHooks)
        {
            _connect.Add(new("connect", hook.GetType().Name, hook.OnConnectAsync, timeout));
        }

        foreach (var rpc in rpcs)
        {
            var handler = rpc.Handler(services);
            if (!_rpcMethods.TryAdd(rpc.Method, new("rpc", handler.GetType().Name, handler.HandleAsync, timeout)))
            {
                throw new InvalidOperationException($"the RPC method '{rpc.Method}' has two handlers (AddRealtimeRpc)");
            }
        }

        foreach (var empty in _byNamespace.Where(n => n.Value is { IsEmpty: true }).Select(n => n.Key).ToList())
        {
            _byNamespace[empty] = null;
        }

        _lookup = _byNamespace.GetAlternateLookup<ReadOnlySpan<char>>();
        _default = _byNamespace.GetValueOrDefault(ChannelRules.DefaultNamespace);
        _any = _byNamespace.Values.Any(h => h is not null);
    }

    /// <summary>The hooks for <paramref name="channel"/>, or null when none run for it.</summary>
    public NamespaceHooks? For(string? channel)
    {
        if (!_any || channel is null)
        {
            return null;
        }

        return _lookup.TryGetValue(ChannelName.NamespaceOf(channel), out var hooks) ? hooks : _default;
    }

    /// <summary>Whether any connect hook runs (C#, or the default namespace's proxy).</summary>
    public bool HasConnect => _connect.Count > 0;

    internal IReadOnlyList<HookStep<ConnectContext>> Connect => _connect;

    /// <summary>The method's handler: one in C#, else its namespace's proxy (<c>booking:tables</c> → booking; <c>tables</c> → default).</summary>
    internal HookStep<RpcContext> Rpc(string method)
    {
        if (_rpcMethods.TryGetValue(method, out var handler))
        {
            return handler;
        }

        var ns = ChannelName.Namespace(method);
        if (_rpcProxies.TryGetValue(ns, out var proxy) || (!_byNamespace.ContainsKey(ns) && _rpcProxies.TryGetValue(ChannelRules.DefaultNamespace, out proxy)))
        {
            return proxy;
        }

        throw new RequestException(ErrorCodes.UnknownMethod, $"no handler for the method '{(method.Length <= 64 ? method : method[..64] + "…")}'");
    }

    private NamespaceHooks Hooks(string name)
    {
        if (_byNamespace.GetValueOrDefault(name) is not { } hooks)
        {
            _byNamespace[name] = hooks = new NamespaceHooks();
        }

        return hooks;
    }

    /// <summary>Only the methods the type overrides become steps: the others would accept every time, for a price.</summary>
    private static void AddCSharp(NamespaceHooks target, RealtimeHooks hooks, Type type, TimeSpan timeout)
    {
        var source = type.Name;
        if (Overrides(type, nameof(RealtimeHooks.OnSubscribeAsync)))
        {
            target.Subscribe.Add(new("subscribe", source, hooks.OnSubscribeAsync, timeout));
        }

        if (Overrides(type, nameof(RealtimeHooks.OnPublishAsync)))
        {
            target.Publish.Add(new("publish", source, hooks.OnPublishAsync, timeout));
        }

        if (Overrides(type, nameof(RealtimeHooks.OnClaimAsync)))
        {
            target.Claim.Add(new("claim", source, hooks.OnClaimAsync, timeout));
        }

        if (Overrides(type, nameof(RealtimeHooks.OnReleaseAsync)))
        {
            target.Release.Add(new("release", source, hooks.OnReleaseAsync, timeout));
        }

        if (Overrides(type, nameof(RealtimeHooks.OnStoredAsync)))
        {
            // Bounded like the other hooks, and told to stop: one that hangs would hold up every event
            // behind it, and must not still be running when the event is tried again.
            target.Stored.Add(new(source, async (e, t) =>
            {
                using var limit = CancellationTokenSource.CreateLinkedTokenSource(t);
                limit.CancelAfter(timeout);
                await hooks.OnStoredAsync(e, limit.Token).AsTask().WaitAsync(timeout, t).ConfigureAwait(false);
            }));
        }
    }

    private static bool Overrides(Type type, string method) =>
        type.GetMethod(method)!.DeclaringType != typeof(RealtimeHooks);

    private void AddProxy(string name, NamespaceProxyOptions proxyOptions, HookProxyClient proxy)
    {
        if (Endpoint(proxyOptions.Connect) is { } connect && name.Equals(ChannelRules.DefaultNamespace, StringComparison.OrdinalIgnoreCase))
        {
            _connect.Add(ProxyStep<ConnectContext>("connect", connect, proxy, ProxyBody.Connect));
        }

        if (Endpoint(proxyOptions.Subscribe) is { } subscribe)
        {
            Hooks(name).Subscribe.Add(ProxyStep<ChannelContext>("subscribe", subscribe, proxy, ProxyBody.Subscribe));
        }

        if (Endpoint(proxyOptions.Publish) is { } publish)
        {
            Hooks(name).Publish.Add(ProxyStep<PublishContext>("publish", publish, proxy, ProxyBody.Publish));
        }

        if (Endpoint(proxyOptions.Claim) is { } claim)
        {
            Hooks(name).Claim.Add(ProxyStep<ClaimContext>("claim", claim, proxy, c => ProxyBody.Claim("claim", c)));
            Hooks(name).Release.Add(ProxyStep<ClaimContext>("release", claim, proxy, c => ProxyBody.Claim("release", c)));
        }

        if (Endpoint(proxyOptions.Rpc) is { } rpc)
        {
            _rpcProxies[name] = ProxyStep<RpcContext>("rpc", rpc, proxy, ProxyBody.Rpc);
        }

        if (Endpoint(proxyOptions.Events) is { } events)
        {
            Hooks(name).Stored.Add(new(events.Source, async (e, t) =>
            {
                var status = await proxy.DeliverAsync(events.Url, events.Timeout, ProxyBody.Stored(e), t).ConfigureAwait(false);
                if (status >= 400)
                {
                    throw new EventRejectedException(status);
                }
            }));
        }
    }

    /// <summary>
    /// The invoker waits a little longer than the call's own limit: the pipeline's timeout should be
    /// the one that fires, so that the circuit breaker counts it.
    /// </summary>
    private static readonly TimeSpan ProxyMargin = TimeSpan.FromMilliseconds(250);

    private static HookStep<TContext> ProxyStep<TContext>(string kind, ProxyEndpoint endpoint, HookProxyClient proxy, Func<TContext, byte[]> body) =>
        new(kind, endpoint.Source, (c, t) => proxy.CallAsync(endpoint.Url, endpoint.Timeout, body(c), t), endpoint.Timeout + ProxyMargin);

    private sealed record ProxyEndpoint(Uri Url, TimeSpan Timeout)
    {
        /// <summary>For logs: scheme, host, port and path only (no credentials, no query).</summary>
        public string Source => Url.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped);
    }

    private static ProxyEndpoint? Endpoint(ProxyEndpointOptions endpoint) =>
        string.IsNullOrWhiteSpace(endpoint.Url) ? null : new(new Uri(endpoint.Url, UriKind.Absolute), TimeSpan.FromMilliseconds(endpoint.TimeoutMs));
}

/// <summary>The backend refused an event with a 4xx: its final word, not retried.</summary>
internal sealed class EventRejectedException(int status) : Exception($"the app's backend refused the event with {status}")
{
    public int Status { get; } = status;
}
