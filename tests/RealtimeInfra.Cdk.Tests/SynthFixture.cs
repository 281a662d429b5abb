using System.Text.Json;
using System.Text.Json.Nodes;

namespace RealtimeInfra.Cdk.Tests;

/// <summary>
/// Synthesizes every configuration once per test run (jsii start-up costs seconds). A bare
/// <c>new App()</c> does not read cdk.json, so the context is loaded here and passed in.
/// </summary>
public sealed class SynthFixture : IDisposable
{
    public const string CertificateArn = "arn:aws:acm:eu-west-1:123456789012:certificate/11111111-2222-3333-4444-555555555555";
    public const string DomainName = "rt.example.com";

    public SynthFixture()
    {
        Dev = new SynthesizedApp("dev", Context("dev"));
        Prod = new SynthesizedApp("prod", Context("prod"));

        // prod as a user would run it with a real domain: HTTPS listener, redirect, wss:// outputs.
        var tls = Context("prod", environments =>
        {
            environments["prod"]!["loadBalancer"]!["certificateArn"] = CertificateArn;
            environments["prod"]!["loadBalancer"]!["domainName"] = DomainName;
        });
        ProdWithTls = new SynthesizedApp("prod", tls);

        // prod with a Route 53 zone: a DNS-validated certificate, an alias record, alarms by e-mail.
        var domain = Context("prod", environments =>
        {
            environments["prod"]!["loadBalancer"]!["domainName"] = DomainName;
            environments["prod"]!["loadBalancer"]!["hostedZoneId"] = HostedZoneId;
            environments["prod"]!["loadBalancer"]!["hostedZoneName"] = HostedZoneName;
            environments["prod"]!["observability"] = new JsonObject { ["alarmEmail"] = AlarmEmail };
        });
        ProdWithDomain = new SynthesizedApp("prod", domain);

        // dev as CI deploys an app of its own: an image pushed to ECR, the tag given on the command
        // line, its hooks' proxy configured, with the proxy's shared secret from Secrets Manager.
        var ecr = Context("dev", environments =>
        {
            environments["dev"]!["service"]!["imageRepositoryName"] = EcrRepository;
            environments["dev"]!["app"] = new JsonObject
            {
                ["settings"] = new JsonObject { [ProxyUrlKey] = ProxyUrl },
                ["secretSettings"] = new JsonObject { [ProxySecretKey] = ProxySecretArn },
            };
        });
        ecr[Program.ImageTagKey] = EcrTag;
        DevFromEcr = new SynthesizedApp("dev", ecr);

        // dev without the ECS task-event drain trigger (the node's metadata polling remains) and
        // without rebalancing, which lets the load balancer's stickiness back on.
        var sticky = Context("dev", environments =>
        {
            environments["dev"]!["app"] = new JsonObject { ["drainOnTaskEvents"] = false, ["rebalance"] = new JsonObject { ["enabled"] = false } };
            environments["dev"]!["loadBalancer"]!["stickinessSeconds"] = 3600;
        });
        DevStickyWithoutTaskEvents = new SynthesizedApp("dev", sticky);

        // prod with a certificate and the backplane in cluster mode: 4 shards × (1 + 2 replicas) = 12
        // nodes, more than the 10 metrics one CloudWatch alarm may watch.
        var clustered = Context("prod", environments =>
        {
            environments["prod"]!["loadBalancer"]!["certificateArn"] = CertificateArn;
            environments["prod"]!["loadBalancer"]!["domainName"] = DomainName;
            environments["prod"]!["backplane"]!["clusterMode"] = true;
            environments["prod"]!["backplane"]!["shards"] = ClusteredShards;
        });
        ProdClustered = new SynthesizedApp("prod", clustered);

        // dev built to the compliance packs, with what compliance: hipaa needs on, and dev's own
        // throw-away choices otherwise (no deletion protection, data destroyed with the stacks).
        var hipaa = Context("dev", environments =>
        {
            var dev = environments["dev"]!.AsObject();
            dev["compliance"] = "hipaa";
            dev["region"] = "eu-west-1";
            dev["backplane"]!.AsObject().Remove("snapshotRetentionDays");
            dev["loadBalancer"]!["waf"] = true;
            dev["loadBalancer"]!["accessLogs"] = true;
            dev["loadBalancer"]!["certificateArn"] = CertificateArn;
        });
        DevHipaa = new SynthesizedApp("dev", hipaa);
    }

    public const string HostedZoneId = "Z0123456789ABCDEFGHIJ";
    public const string HostedZoneName = "example.com";
    public const string AlarmEmail = "oncall@example.com";
    public const string EcrRepository = "realtime-server";
    public const string EcrTag = "v42";
    public const string ProxyUrlKey = "Namespaces:booking:Proxy:Claim:Url";
    public const string ProxyUrl = "https://backend.internal/realtime/claim";
    public const string ProxySecretKey = "Hooks:ProxySecret";
    public const string ProxySecretArn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:realtime/proxy-AbCdEf";
    public const int ClusteredShards = 4;

    public SynthesizedApp Dev { get; }
    public SynthesizedApp Prod { get; }
    public SynthesizedApp ProdWithTls { get; }
    public SynthesizedApp DevFromEcr { get; }
    public SynthesizedApp ProdWithDomain { get; }
    public SynthesizedApp DevStickyWithoutTaskEvents { get; }
    public SynthesizedApp ProdClustered { get; }
    public SynthesizedApp DevHipaa { get; }

    /// <summary>cdk.json's context plus <c>-c env=NAME</c>, optionally edited.</summary>
    public static Dictionary<string, object> Context(string environment, Action<JsonObject>? edit = null)
    {
        var context = JsonNode.Parse(File.ReadAllText(RepositoryPaths.CdkJson))!["context"]!.AsObject();
        edit?.Invoke(context[Program.EnvironmentsKey]!.AsObject());
        context[Program.EnvironmentKey] = environment;
        return ToPlain(context);
    }

    public void Dispose()
    {
        foreach (var app in new[] { Dev, Prod, ProdWithTls, DevFromEcr, ProdWithDomain, DevStickyWithoutTaskEvents, ProdClustered, DevHipaa })
        {
            try
            {
                Directory.Delete(app.OutDir, recursive: true);
            }
            catch (IOException)
            {
                // A temp folder left behind is harmless.
            }
        }
    }

    /// <summary>jsii marshals plain dictionaries, lists and primitives, not JsonNodes.</summary>
    private static Dictionary<string, object> ToPlain(JsonObject json) =>
        json.ToDictionary(p => p.Key, p => ToPlain(p.Value));

    private static object ToPlain(JsonNode? node) => node switch
    {
        JsonObject o => ToPlain(o),
        JsonArray a => a.Select(ToPlain).ToArray(),
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        JsonValue v when v.GetValueKind() is JsonValueKind.True or JsonValueKind.False => v.GetValue<bool>(),
        JsonValue v when v.GetValueKind() == JsonValueKind.Number => double.Parse(v.ToJsonString(), System.Globalization.CultureInfo.InvariantCulture),
        _ => throw new InvalidOperationException($"cdk.json context holds a value jsii cannot pass: {node?.ToJsonString() ?? "null"}"),
    };
}

[CollectionDefinition(Name)]
public sealed class SynthCollection : ICollectionFixture<SynthFixture>
{
    public const string Name = "synthesized app";
}
