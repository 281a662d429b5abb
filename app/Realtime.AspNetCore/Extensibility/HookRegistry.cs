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

        var colon = channel.IndexOf(':', StringComparison.Ordinal);
        var ns = colon < 0 ? ReadOnlySpan<char>.Empty : channel.AsSpan(0, colon);
        return _lookup.TryGetValue(ns, out var hooks) ? hooks : _default;
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
            // Bounded like the other hooks: one that hangs would hold up every event behind it.
            target.Stored.Add(new(source, (e, t) => new ValueTask(hooks.OnStoredAsync(e, t).AsTask().WaitAsync(timeout, t))));
        }
    }

    private static bool Overrides(Type type, string method) =>
        type.GetMethod(method)!.DeclaringType != typeof(RealtimeHooks);

    private void AddProxy(string name, NamespaceProxyOptions proxyOptions, HookProxyClient proxy)
    {
        if (Endpoint(proxyOptions.Connect) is { } connect && name.Equals(ChannelRules.DefaultNamespace, StringComparison.OrdinalIgnoreCase))
        {
            _connect.Add(new("connect", connect.Url.ToString(), (c, t) => proxy.CallAsync(connect.Url, connect.Timeout, ProxyBody.Connect(c), t), connect.Timeout));
        }

        if (Endpoint(proxyOptions.Subscribe) is { } subscribe)
        {
            Hooks(name).Subscribe.Add(new("subscribe", subscribe.Url.ToString(), (c, t) => proxy.CallAsync(subscribe.Url, subscribe.Timeout, ProxyBody.Subscribe(c), t), subscribe.Timeout));
        }

        if (Endpoint(proxyOptions.Publish) is { } publish)
        {
            Hooks(name).Publish.Add(new("publish", publish.Url.ToString(), (c, t) => proxy.CallAsync(publish.Url, publish.Timeout, ProxyBody.Publish(c), t), publish.Timeout));
        }

        if (Endpoint(proxyOptions.Claim) is { } claim)
        {
            Hooks(name).Claim.Add(new("claim", claim.Url.ToString(), (c, t) => proxy.CallAsync(claim.Url, claim.Timeout, ProxyBody.Claim("claim", c), t), claim.Timeout));
            Hooks(name).Release.Add(new("release", claim.Url.ToString(), (c, t) => proxy.CallAsync(claim.Url, claim.Timeout, ProxyBody.Claim("release", c), t), claim.Timeout));
        }

        if (Endpoint(proxyOptions.Rpc) is { } rpc)
        {
            _rpcProxies[name] = new("rpc", rpc.Url.ToString(), (c, t) => proxy.CallAsync(rpc.Url, rpc.Timeout, ProxyBody.Rpc(c), t), rpc.Timeout);
        }

        if (Endpoint(proxyOptions.Events) is { } events)
        {
            Hooks(name).Stored.Add(new(events.Url.ToString(), async (e, t) =>
            {
                var status = await proxy.DeliverAsync(events.Url, events.Timeout, ProxyBody.Stored(e), t).ConfigureAwait(false);
                if (status >= 400)
                {
                    throw new EventRejectedException(status);
                }
            }));
        }
    }

    private static (Uri Url, TimeSpan Timeout)? Endpoint(ProxyEndpointOptions endpoint) =>
        string.IsNullOrWhiteSpace(endpoint.Url) ? null : (new Uri(endpoint.Url, UriKind.Absolute), TimeSpan.FromMilliseconds(endpoint.TimeoutMs));
}

/// <summary>The backend refused an event with a 4xx: its final word, not retried.</summary>
internal sealed class EventRejectedException(int status) : Exception($"the app's backend refused the event with {status}")
{
    public int Status { get; } = status;
}
