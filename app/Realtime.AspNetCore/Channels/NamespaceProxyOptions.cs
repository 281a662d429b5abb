namespace Realtime.AspNetCore.Channels;

/// <summary>
/// One backend call of the HTTP proxy: where the node POSTs, and how long it waits. No URL: the
/// proxy makes no call for this kind of request.
/// </summary>
public sealed class ProxyEndpointOptions
{
    /// <summary>An absolute http(s) URL the node POSTs the request's JSON to (docs/protocol.md, "HTTP proxy").</summary>
    public string? Url { get; set; }

    /// <summary>How long the node waits for the answer before the request fails with <c>hook_timeout</c>.</summary>
    public int TimeoutMs { get; set; } = 1000;
}

/// <summary>
/// <c>Realtime:Namespaces:NAME:Proxy</c>: the namespace's requests checked by a backend over HTTP,
/// for apps not written in C#. <see cref="Connect"/> belongs to no channel: it is read from the
/// <c>default</c> namespace only. <see cref="Claim"/> is asked for claims and releases alike.
/// </summary>
public sealed class NamespaceProxyOptions
{
    public ProxyEndpointOptions Connect { get; set; } = new();

    public ProxyEndpointOptions Subscribe { get; set; } = new();

    public ProxyEndpointOptions Publish { get; set; } = new();

    public ProxyEndpointOptions Claim { get; set; } = new();

    /// <summary>RPC methods of this namespace (<c>booking:tables</c>; a method without ':' is the default namespace's).</summary>
    public ProxyEndpointOptions Rpc { get; set; } = new();

    /// <summary>Told of every publish, claim and release stored in the namespace, after the fact, at least once.</summary>
    public ProxyEndpointOptions Events { get; set; } = new();

    internal IEnumerable<(string Kind, ProxyEndpointOptions Endpoint)> All() =>
    [
        (nameof(Connect), Connect), (nameof(Subscribe), Subscribe), (nameof(Publish), Publish),
        (nameof(Claim), Claim), (nameof(Rpc), Rpc), (nameof(Events), Events),
    ];
}
