using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Realtime.AspNetCore.Hosting;
using Realtime.AspNetCore.Overload;
using Realtime.AspNetCore;

namespace Realtime.Server.Tests.Unit;

/// <summary>
/// The task definition the CDK synthesizes (its snapshot) must configure this app: every
/// <c>Realtime__*</c> variable binds to a real option, the result passes validation, and the
/// ALB idle timeout covers two of the heartbeats the task is given.
/// </summary>
public sealed class DeploymentContractTests
{
    [Theory]
    [InlineData("Realtime-Dev-Service.json")]
    [InlineData("Realtime-Prod-Service.json")]
    public void Synthesized_task_environment_binds_to_valid_options(string snapshot)
    {
        using var template = JsonDocument.Parse(File.ReadAllText(SnapshotPath(snapshot)));
        var resources = template.RootElement.GetProperty("Resources").EnumerateObject().Select(r => r.Value).ToList();
        var container = resources.Single(r => r.GetProperty("Type").GetString() == "AWS::ECS::TaskDefinition")
            .GetProperty("Properties").GetProperty("ContainerDefinitions")[0];

        var settings = new Dictionary<string, string?>();
        foreach (var variable in container.GetProperty("Environment").EnumerateArray())
        {
            var name = variable.GetProperty("Name").GetString()!;
            var value = variable.GetProperty("Value");
            // Values known only at deploy time (the cache endpoint) stand in as a plausible literal.
            settings[name.Replace("__", ":", StringComparison.Ordinal)] =
                value.ValueKind == JsonValueKind.String ? value.GetString() : "cache.example.internal:6380,ssl=true";
        }

        foreach (var secret in container.GetProperty("Secrets").EnumerateArray())
        {
            settings[secret.GetProperty("Name").GetString()!.Replace("__", ":", StringComparison.Ordinal)] = "secret-from-secrets-manager";
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var options = new RealtimeOptions();
        configuration.GetSection(RealtimeOptions.SectionName).Bind(options, o => o.ErrorOnUnknownConfiguration = true);

        Assert.True(new RealtimeOptionsValidator().Validate(null, options).Succeeded);
        Assert.Contains("ssl=true", options.Redis.ConnectionString, StringComparison.Ordinal);
        Assert.Equal("secret-from-secrets-manager", options.Redis.Password);
        Assert.True(options.Metrics.EmbeddedMetricFormat);
        if (snapshot.Contains("Prod", StringComparison.Ordinal))
        {
            // compliance: hipaa rotates the AUTH token; the task follows the secret it came from.
            Assert.False(string.IsNullOrEmpty(options.Redis.PasswordSecretId));
            Assert.Equal(60, options.Redis.PasswordRefreshSeconds);
        }

        var alb = resources.Single(r => r.GetProperty("Type").GetString() == "AWS::ElasticLoadBalancingV2::LoadBalancer");
        var idle = alb.GetProperty("Properties").GetProperty("LoadBalancerAttributes").EnumerateArray()
            .Single(a => a.GetProperty("Key").GetString() == "idle_timeout.timeout_seconds").GetProperty("Value").GetString();
        Assert.True(int.Parse(idle!, System.Globalization.CultureInfo.InvariantCulture) >= 2 * options.HeartbeatSeconds);

        // The task's open-file limit holds the app's whole file budget, so the app starts and never runs out.
        var nofile = container.GetProperty("Ulimits").EnumerateArray().Single(u => u.GetProperty("Name").GetString() == "nofile");
        Assert.Equal(nofile.GetProperty("SoftLimit").GetInt32(), nofile.GetProperty("HardLimit").GetInt32());
        Assert.Null(ConnectionBudget.Check(options, new ProcessLimits(nofile.GetProperty("SoftLimit").GetInt32(), MemoryBytes: 1L << 30)));
        Assert.True(options.MaxConnections > 0, "the task sets the connection limit its memory was checked for");

        // ECS waits the stop timeout after SIGTERM; the host needs the drain plus its shutdown margin.
        var stopTimeout = container.GetProperty("StopTimeout").GetInt32();
        Assert.True(stopTimeout >= options.DrainSeconds + RealtimeOptions.ShutdownMarginSeconds,
            $"StopTimeout {stopTimeout} s < drain {options.DrainSeconds} s + margin {RealtimeOptions.ShutdownMarginSeconds} s");
    }

    private static string SnapshotPath(string name)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "RealtimeInfra.Cdk.Tests", "Snapshots", name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException(name);
    }
}
