using Microsoft.Extensions.Options;

namespace Realtime.AspNetCore.Hosting;

/// <summary>Checks the <c>Realtime</c> section at start-up; each failure names its key, its value and the rule.</summary>
public sealed class RealtimeOptionsValidator : IValidateOptions<RealtimeOptions>
{
    /// <summary>
    /// The longest a hook or proxy call may take: the clients give up on a request after 10 s by
    /// default, and a connection's requests wait for each other.
    /// </summary>
    public const int MaxHookTimeoutMs = 10_000;

    public ValidateOptionsResult Validate(string? name, RealtimeOptions o)
    {
        var failures = new List<string>();
        void Range(string key, double value, double min, double max)
        {
            if (value < min || value > max)
            {
                failures.Add($"Realtime:{key} = {value}: must be from {min} to {max}");
            }
        }

        Range(nameof(o.HeartbeatSeconds), o.HeartbeatSeconds, 1, 300);
        Range(nameof(o.DrainSeconds), o.DrainSeconds, 0, 120 - RealtimeOptions.ShutdownMarginSeconds); // within Fargate's longest stop timeout
        Range(nameof(o.MaxMessageBytes), o.MaxMessageBytes, 256, 16 * 1024 * 1024);
        Range(nameof(o.MaxSubscriptionsPerConnection), o.MaxSubscriptionsPerConnection, 1, 100_000);
        Range(nameof(o.PublishRatePerSecond), o.PublishRatePerSecond, 0.001, 1_000_000);
        Range(nameof(o.PublishBurst), o.PublishBurst, 1, 1_000_000);
        Range(nameof(o.SubscribeRatePerSecond), o.SubscribeRatePerSecond, 0.001, 1_000_000);
        Range(nameof(o.SubscribeBurst), o.SubscribeBurst, 1, 1_000_000);
        Range(nameof(o.MaxChannelsWrittenPerMinute), o.MaxChannelsWrittenPerMinute, 1, 1_000_000);
        // 0 is unset, and replaced by what the file limit allows before this runs; left 0, no room was left.
        Range(nameof(o.MaxConnections), o.MaxConnections, o.MaxConnectionsDerived ? 1 : 0, 10_000_000);
        Range("Overload:ReservedFileDescriptors", o.Overload.ReservedFileDescriptors, 64, 1_000_000);
        Range("Overload:MaxPendingConnections", o.Overload.MaxPendingConnections, 1, 10_000_000);
        Range("Overload:MemoryHighPercent", o.Overload.MemoryHighPercent, 10, 95);
        Range("Overload:MemoryLowPercent", o.Overload.MemoryLowPercent, 5, o.Overload.MemoryHighPercent - 1);
        Range(nameof(o.SendQueueCapacity), o.SendQueueCapacity, 1, 1_000_000);
        Range(nameof(o.MaxConsecutiveErrors), o.MaxConsecutiveErrors, 1, 1000);
        Range(nameof(o.MaxRequestsInFlight), o.MaxRequestsInFlight, 1, 10_000);
        Range("Auth:FrameTimeoutSeconds", o.Auth.FrameTimeoutSeconds, 1, 300);
        Range("Auth:MaxPendingFrames", o.Auth.MaxPendingFrames, 1, 1_000_000);
        Range(nameof(o.MaxReplay), o.MaxReplay, 1, 100_000);
        Range("Hooks:TimeoutMs", o.Hooks.TimeoutMs, 1, MaxHookTimeoutMs);
        Range("Hooks:EventQueueMaxBytes", o.Hooks.EventQueueMaxBytes, 64 * 1024, 1L << 40);
        Range("Hooks:EventQueueCapacity", o.Hooks.EventQueueCapacity, 1, 10_000_000);
        Range("Hooks:EventMaxAttempts", o.Hooks.EventMaxAttempts, 1, 1000);
        Range("Hooks:BreakerMinimumCalls", o.Hooks.BreakerMinimumCalls, 2, 100_000);
        Range("Hooks:BreakerOpenSeconds", o.Hooks.BreakerOpenSeconds, 1, 3600);
        Range(nameof(o.MaxReplayBytes), o.MaxReplayBytes, 1024, 1024 * 1024 * 1024);
        Range(nameof(o.PublishIdWindowSeconds), o.PublishIdWindowSeconds, 1, 24 * 3600);
        Range(nameof(o.MaxClaimsListed), o.MaxClaimsListed, 1, 100_000);
        foreach (var twins in o.Namespaces.Keys.GroupBy(k => k, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1))
        {
            failures.Add($"Realtime:Namespaces: {string.Join(" and ", twins)} differ only in case; namespaces are matched without regard to case");
        }

        foreach (var (ns, rules) in o.Namespaces)
        {
            if (ns.Length > 0 && ns != Channels.ChannelRules.DefaultNamespace && !Protocol.ChannelName.IsValidNamespace(ns))
            {
                failures.Add($"Realtime:Namespaces:{ns}: not a namespace name (letters, digits, _ - . @)");
            }

            Range($"Namespaces:{ns}:HistoryLength", rules.HistoryLength, 0, 1_000_000);
            Range($"Namespaces:{ns}:HistoryTtlSeconds", rules.HistoryTtlSeconds, 0, 365 * 24 * 3600);
            Range($"Namespaces:{ns}:HistoryMaxBytes", rules.HistoryMaxBytes, 1024, 1L << 40);

            Range($"Namespaces:{ns}:MaxClaimTtlSeconds", rules.MaxClaimTtlSeconds, 1, (int)Protocol.FrameParser.MaxTtlSeconds);
            Range($"Namespaces:{ns}:ClaimTtlSeconds", rules.ClaimTtlSeconds, 1, rules.MaxClaimTtlSeconds);
            if (!Enum.IsDefined(rules.Publish))
            {
                failures.Add($"Realtime:Namespaces:{ns}:Publish = {rules.Publish}: must be Clients or Server");
            }

            foreach (var (kind, endpoint) in rules.Proxy.All())
            {
                var key = $"Namespaces:{ns}:Proxy:{kind}";
                Range($"{key}:TimeoutMs", endpoint.TimeoutMs, 1, MaxHookTimeoutMs);
                if (string.IsNullOrWhiteSpace(endpoint.Url))
                {
                    continue;
                }

                if (!(Uri.TryCreate(endpoint.Url, UriKind.Absolute, out var url) && url.Scheme is "http" or "https"))
                {
                    failures.Add($"Realtime:{key}:Url = '{endpoint.Url}': must be an absolute http or https URL");
                }

                if (kind == nameof(Channels.NamespaceProxyOptions.Connect) && !string.Equals(ns, Channels.ChannelRules.DefaultNamespace, StringComparison.OrdinalIgnoreCase))
                {
                    failures.Add($"Realtime:{key}:Url: a connection belongs to no channel; set the connect proxy on Realtime:Namespaces:default");
                }
            }

            if (rules.Private && rules.AllowAnonymous)
            {
                failures.Add($"Realtime:Namespaces:{ns}: Private needs AllowAnonymous = false (an anonymous connection has no user id to match)");
            }
        }

        var auth = o.Auth;
        if (auth.Enabled)
        {
            if (!string.IsNullOrEmpty(auth.SigningKey) && System.Text.Encoding.UTF8.GetByteCount(auth.SigningKey) < 32)
            {
                failures.Add("Realtime:Auth:SigningKey: must be at least 32 bytes for HMAC-SHA256 (the key itself is not shown)");
            }

            if (!string.IsNullOrEmpty(auth.Authority) && !Uri.TryCreate(auth.Authority, UriKind.Absolute, out _))
            {
                failures.Add($"Realtime:Auth:Authority = '{auth.Authority}': must be an absolute URL");
            }

            if (string.IsNullOrEmpty(auth.Audience))
            {
                failures.Add("Realtime:Auth:Audience: required when tokens are checked (a token for another service must not open a connection here)");
            }

            if (string.IsNullOrEmpty(auth.Issuer) && string.IsNullOrEmpty(auth.Authority))
            {
                failures.Add("Realtime:Auth:Issuer: required with a SigningKey");
            }
        }
        else if (o.Namespaces.Values.Any(n => !n.AllowAnonymous))
        {
            failures.Add("Realtime:Namespaces: a namespace refuses anonymous connections, but Realtime:Auth has no SigningKey or Authority, so every connection is anonymous");
        }
        Range("Metrics:EmbeddedMetricIntervalSeconds", o.Metrics.EmbeddedMetricIntervalSeconds, 1, 3600);

        if (o.ClientTimeoutSeconds <= o.HeartbeatSeconds)
        {
            failures.Add($"Realtime:ClientTimeoutSeconds = {o.ClientTimeoutSeconds}: must be greater than Realtime:HeartbeatSeconds ({o.HeartbeatSeconds}), or a client answering every ping would time out");
        }

        foreach (var origin in o.AllowedOrigins)
        {
            if (origin != "*" && !(Uri.TryCreate(origin, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && uri.AbsolutePath == "/"))
            {
                failures.Add($"Realtime:AllowedOrigins contains '{origin}': must be \"*\" or an origin such as https://app.example.com (scheme and host, no path)");
            }
        }

        var drain = o.Drain;
        if (drain.EcsPollSeconds is < 0 or > 60)
        {
            failures.Add($"Realtime:Drain:EcsPollSeconds = {drain.EcsPollSeconds}: must be from 0 (off) to 60");
        }

        if (!string.IsNullOrEmpty(drain.EcsMetadataUri) && !(Uri.TryCreate(drain.EcsMetadataUri, UriKind.Absolute, out var metadata) && metadata.Scheme is "http" or "https"))
        {
            failures.Add($"Realtime:Drain:EcsMetadataUri = '{drain.EcsMetadataUri}': must be an absolute http(s) URL (ECS sets ECS_CONTAINER_METADATA_URI_V4)");
        }

        var rebalance = o.Rebalance;
        Range("Rebalance:IntervalSeconds", rebalance.IntervalSeconds, 0.1, 3600);
        Range("Rebalance:WindowSeconds", rebalance.WindowSeconds, 0, 3600);
        Range("Rebalance:WarmUpSeconds", rebalance.WarmUpSeconds, 0, 3600);
        Range("Rebalance:MarginPercent", rebalance.MarginPercent, 1, 100);
        Range("Rebalance:MinConnections", rebalance.MinConnections, 0, 1_000_000);
        Range("Rebalance:MaxPerSecond", rebalance.MaxPerSecond, 1, 10_000);

        if (drain.Token is { Length: > 0 and < 16 })
        {
            failures.Add("Realtime:Drain:Token: must be at least 16 characters (the token itself is not shown)");
        }

        if (o.ApiKeys.Any(k => k.Length < 16))
        {
            failures.Add("Realtime:ApiKeys: every key must be at least 16 characters (the keys themselves are not shown)");
        }

        if (!string.IsNullOrEmpty(o.Redis.ConnectionString))
        {
            try
            {
                _ = StackExchange.Redis.ConfigurationOptions.Parse(o.Redis.ConnectionString);
            }
            catch (ArgumentException e)
            {
                failures.Add($"Realtime:Redis:ConnectionString: not a StackExchange.Redis configuration ({e.Message})");
            }
        }

        Range("Redis:PasswordRefreshSeconds", o.Redis.PasswordRefreshSeconds, 1, 3600);
        if (o.Redis.PasswordFile is { Length: > 0 } passwordFile)
        {
            if (o.Redis.PasswordSecretId is { Length: > 0 })
            {
                failures.Add("Realtime:Redis:PasswordFile and Realtime:Redis:PasswordSecretId: give one source of the AUTH token, not both");
            }
            else if (!File.Exists(passwordFile))
            {
                failures.Add($"Realtime:Redis:PasswordFile = '{passwordFile}': no such file");
            }
        }

        if (string.IsNullOrWhiteSpace(o.Redis.KeyPrefix) || o.Redis.KeyPrefix.IndexOfAny(['{', '}', ' ']) >= 0)
        {
            failures.Add($"Realtime:Redis:KeyPrefix = '{o.Redis.KeyPrefix}': must be non-empty, without braces or spaces");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
