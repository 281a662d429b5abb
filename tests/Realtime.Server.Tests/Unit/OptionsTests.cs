using Realtime.AspNetCore.Hosting;
using Realtime.AspNetCore;

namespace Realtime.Server.Tests.Unit;

public sealed class OptionsTests
{
    private static List<string> Failures(Action<RealtimeOptions> edit)
    {
        var options = new RealtimeOptions();
        edit(options);
        var result = new RealtimeOptionsValidator().Validate(null, options);
        return result.Failed ? result.Failures!.ToList() : [];
    }

    [Fact]
    public void Defaults_are_valid() => Assert.Empty(Failures(_ => { }));

    [Theory]
    [InlineData("HeartbeatSeconds")]
    [InlineData("DrainSeconds")]
    [InlineData("MaxMessageBytes")]
    [InlineData("MaxSubscriptionsPerConnection")]
    [InlineData("PublishBurst")]
    [InlineData("MaxConnections")]
    [InlineData("SendQueueCapacity")]
    [InlineData("MaxConsecutiveErrors")]
    public void Out_of_range_values_name_their_key(string key)
    {
        var failures = Failures(o => typeof(RealtimeOptions).GetProperty(key)!.SetValue(o, -1));
        Assert.Contains(failures, f => f.StartsWith($"Realtime:{key} = -1", StringComparison.Ordinal));
    }

    [Fact]
    public void Client_timeout_must_exceed_the_heartbeat()
    {
        var failures = Failures(o => { o.HeartbeatSeconds = 30; o.ClientTimeoutSeconds = 30; });
        Assert.Contains(failures, f => f.StartsWith("Realtime:ClientTimeoutSeconds = 30", StringComparison.Ordinal));
    }

    [Fact]
    public void Origins_must_be_scheme_and_host()
    {
        var failures = Failures(o => o.AllowedOrigins = ["https://ok.example.com", "example.com", "https://x.example.com/path"]);
        Assert.Equal(2, failures.Count);
        Assert.Contains(failures, f => f.Contains("'example.com'", StringComparison.Ordinal));
    }

    [Fact]
    public void Short_api_keys_are_refused_without_showing_them()
    {
        var failures = Failures(o => o.ApiKeys = ["short-secret"]);
        var failure = Assert.Single(failures);
        Assert.DoesNotContain("short-secret", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void Bad_redis_connection_string_is_named()
    {
        var failures = Failures(o => o.Redis.ConnectionString = "host:6379,ssl=maybe");
        Assert.Contains(failures, f => f.StartsWith("Realtime:Redis:ConnectionString", StringComparison.Ordinal));
    }

    [Fact]
    public void Rotating_token_sources_name_their_keys()
    {
        var missing = Failures(o => { o.Redis.PasswordFile = "/nonexistent/token"; o.Redis.PasswordRefreshSeconds = 0; });
        Assert.Contains(missing, f => f.StartsWith("Realtime:Redis:PasswordFile = '/nonexistent/token': no such file", StringComparison.Ordinal));
        Assert.Contains(missing, f => f.StartsWith("Realtime:Redis:PasswordRefreshSeconds = 0", StringComparison.Ordinal));

        var both = Failures(o => { o.Redis.PasswordFile = "/etc/hostname"; o.Redis.PasswordSecretId = "realtime/token"; });
        Assert.Contains(both, f => f.StartsWith("Realtime:Redis:PasswordFile and Realtime:Redis:PasswordSecretId", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("realtime/cache-token", "realtime/cache-token")]
    [InlineData("arn:aws:secretsmanager:eu-west-1:123456789012:secret:BackplaneAuthTokenF42B6751-c0nJ8C2ZtDcG-AbCdEf", "BackplaneAuthTokenF42B6751-c0nJ8C2ZtDcG")]
    public void A_secret_is_referenced_in_parameter_store_by_its_name(string secretId, string name) =>
        Assert.Equal(name, Realtime.AspNetCore.Backplane.Redis.SecretsManagerPasswordSource.SecretName(secretId));

    [Fact]
    public void Drain_triggers_name_their_keys_and_never_show_the_token()
    {
        var failures = Failures(o => { o.Drain.EcsPollSeconds = 61; o.Drain.EcsMetadataUri = "169.254.170.2/v4"; o.Drain.Token = "short-token"; });
        Assert.Equal(3, failures.Count);
        Assert.Contains(failures, f => f.StartsWith("Realtime:Drain:EcsPollSeconds = 61", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("Realtime:Drain:EcsMetadataUri", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("Realtime:Drain:Token", StringComparison.Ordinal));
        Assert.All(failures, f => Assert.DoesNotContain("short-token", f, StringComparison.Ordinal));
    }
}
