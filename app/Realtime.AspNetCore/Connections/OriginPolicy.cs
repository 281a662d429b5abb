using Microsoft.Extensions.Options;

namespace Realtime.AspNetCore.Connections;

/// <summary>
/// Cross-site WebSocket hijacking guard. Browsers always send Origin on a WebSocket upgrade, and
/// cookies ride along, so a foreign page must not be able to open one. An empty list allows the
/// page's own origin only; "*" allows any. Non-browser clients send no Origin and are allowed:
/// they could forge one anyway, and authentication (not Origin) is what stops them.
/// </summary>
public sealed class OriginPolicy(IOptions<RealtimeOptions> options)
{
    private readonly HashSet<string> _allowed = options.Value.AllowedOrigins
        .Select(o => o.TrimEnd('/'))
        .ToHashSet(StringComparer.OrdinalIgnoreCase);

    public bool IsAllowed(string? origin, string? host)
    {
        if (string.IsNullOrEmpty(origin) || _allowed.Contains("*"))
        {
            return true;
        }

        if (_allowed.Count > 0)
        {
            return _allowed.Contains(origin.TrimEnd('/'));
        }

        // Same origin: compare the Origin's authority with the Host the client asked for. The
        // scheme is left out because TLS usually ends at the load balancer.
        return Uri.TryCreate(origin, UriKind.Absolute, out var uri)
            && string.Equals(uri.Authority, host, StringComparison.OrdinalIgnoreCase);
    }
}
