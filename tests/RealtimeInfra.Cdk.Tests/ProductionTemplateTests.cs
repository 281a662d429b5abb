using System.Text.Json.Nodes;
using Amazon.CDK.Assertions;

namespace RealtimeInfra.Cdk.Tests;

/// <summary>Dashboard, alarms, scaling, WAF, domain and endpoints: present when their settings are on, absent when off.</summary>
[Collection(SynthCollection.Name)]
public sealed class ProductionTemplateTests(SynthFixture synth)
{
    private static IEnumerable<JsonObject> Resources(JsonObject template, string type) =>
        template["Resources"]!.AsObject().Select(r => r.Value!.AsObject()).Where(r => (string?)r["Type"] == type);

    [Fact]
    public void Dashboard_shows_app_alb_ecs_and_cache_metrics()
    {
        var dashboard = Resources(synth.Prod.ServiceJson, "AWS::CloudWatch::Dashboard").Single();
        Assert.Equal("Realtime-Prod", (string?)dashboard["Properties"]!["DashboardName"]);
        var body = dashboard["Properties"]!["DashboardBody"]!.ToJsonString();
        foreach (var metric in new[]
        {
            "ConnectionsPerTask", "Published", "Delivered", "Dropped", "DeliveryLag",
            "ActiveConnectionCount", "NewConnectionCount", "RejectedConnectionCount", "HTTPCode_ELB_5XX_Count", "HTTPCode_Target_5XX_Count",
            "TargetResponseTime", "HealthyHostCount", "CPUUtilization", "MemoryUtilization", "RunningTaskCount",
            "EngineCPUUtilization", "DatabaseMemoryUsagePercentage", "CurrConnections", "ReplicationLag",
        })
        {
            Assert.Contains(metric, body, StringComparison.Ordinal);
        }

        Assert.Contains("realtime-prod", body, StringComparison.Ordinal); // the app's metrics of this environment only
    }

    [Fact]
    public void Alarms_notify_the_encrypted_topic_on_alarm_and_recovery()
    {
        var alarms = Resources(synth.Prod.ServiceJson, "AWS::CloudWatch::Alarm").ToList();
        Assert.Equal(8 + 2, alarms.Count); // + the AUTH token's rotation and the drain's dead letters (compliance: hipaa)
        var topic = synth.Prod.ServiceJson["Resources"]!.AsObject().Single(r => (string?)r.Value!["Type"] == "AWS::SNS::Topic").Key;
        foreach (var alarm in alarms)
        {
            var properties = alarm["Properties"]!;
            Assert.Equal(topic, (string?)properties["AlarmActions"]![0]!["Ref"]);
            Assert.Equal(topic, (string?)properties["OKActions"]![0]!["Ref"]);
        }

        synth.Prod.Service.HasResourceProperties("AWS::SNS::Topic", new Dictionary<string, object>
        {
            ["KmsMasterKeyId"] = Match.AnyValue(),
        });
        synth.Prod.Service.HasResourceProperties("AWS::KMS::Key", new Dictionary<string, object> { ["EnableKeyRotation"] = true });
        // SSL-only publishing.
        synth.Prod.Service.HasResourceProperties("AWS::SNS::TopicPolicy", Match.ObjectLike(new Dictionary<string, object>
        {
            ["PolicyDocument"] = Match.ObjectLike(new Dictionary<string, object>
            {
                ["Statement"] = Match.ArrayWith([Match.ObjectLike(new Dictionary<string, object>
                {
                    ["Effect"] = "Deny",
                    ["Condition"] = new Dictionary<string, object> { ["Bool"] = new Dictionary<string, object> { ["aws:SecureTransport"] = "false" } },
                })]),
            }),
        }));
    }

    [Theory]
    [InlineData("Http5xxRate", "GreaterThanOrEqualToThreshold", 5)]
    [InlineData("UnhealthyTargets", "GreaterThanOrEqualToThreshold", 1)]
    [InlineData("RunningTasksBelowMinimum", "LessThanThreshold", 3)]   // prod's minTasks
    [InlineData("CacheEngineCpu", "GreaterThanOrEqualToThreshold", 80)]
    [InlineData("CacheMemory", "GreaterThanOrEqualToThreshold", 80)]
    [InlineData("DeliveryLagP99", "GreaterThanOrEqualToThreshold", 1000)]
    [InlineData("DroppedMessages", "GreaterThanOrEqualToThreshold", 100)]
    public void Each_alarm_has_its_threshold(string id, string comparison, double threshold)
    {
        var alarm = synth.Prod.ServiceJson["Resources"]!.AsObject()
            .Single(r => r.Key.StartsWith("Monitoring" + id, StringComparison.Ordinal)).Value!["Properties"]!;
        Assert.Equal(comparison, (string?)alarm["ComparisonOperator"]);
        Assert.Equal(threshold, (double)alarm["Threshold"]!);
    }

    [Fact]
    public void Delivery_lag_alarm_uses_the_p99_of_the_apps_metric()
    {
        synth.Prod.Service.HasResourceProperties("AWS::CloudWatch::Alarm", new Dictionary<string, object>
        {
            ["Namespace"] = "Realtime",
            ["MetricName"] = "DeliveryLag",
            ["ExtendedStatistic"] = "p99",
            ["Dimensions"] = new object[] { new Dictionary<string, object> { ["Name"] = "ServiceName", ["Value"] = "realtime-prod" } },
        });
    }

    [Fact]
    public void Email_subscription_only_when_an_address_is_set()
    {
        synth.ProdWithDomain.Service.HasResourceProperties("AWS::SNS::Subscription", new Dictionary<string, object>
        {
            ["Protocol"] = "email",
            ["Endpoint"] = SynthFixture.AlarmEmail,
        });
        synth.Prod.Service.ResourceCountIs("AWS::SNS::Subscription", 0);
    }

    [Fact]
    public void Service_scales_on_connections_per_task_and_cpu_and_scales_in_slowly()
    {
        var policies = Resources(synth.Prod.ServiceJson, "AWS::ApplicationAutoScaling::ScalingPolicy")
            .Select(p => p["Properties"]!["TargetTrackingScalingPolicyConfiguration"]!).ToList();
        Assert.Equal(2, policies.Count);
        var connections = policies.Single(p => p["CustomizedMetricSpecification"] is not null);
        var metric = connections["CustomizedMetricSpecification"]!;
        Assert.Equal("Realtime", (string?)metric["Namespace"]);
        Assert.Equal("ConnectionsPerTask", (string?)metric["MetricName"]);
        Assert.Equal("Average", (string?)metric["Statistic"]);
        Assert.Equal("realtime-prod", (string?)metric["Dimensions"]![0]!["Value"]);
        Assert.Equal(5000, (double)connections["TargetValue"]!);
        Assert.All(policies, p => Assert.Equal(600, (double)p["ScaleInCooldown"]!));
        Assert.Contains(policies, p => (string?)p["PredefinedMetricSpecification"]?["PredefinedMetricType"] == "ECSServiceAverageCPUUtilization");
    }

    [Fact]
    public void App_writes_its_metrics_under_the_dimension_the_alarms_read()
    {
        var environment = Resources(synth.Prod.ServiceJson, "AWS::ECS::TaskDefinition").Single()["Properties"]!["ContainerDefinitions"]![0]!["Environment"]!.AsArray();
        Assert.Contains(environment, e => (string?)e!["Name"] == "Realtime__Metrics__ServiceName" && (string?)e["Value"] == "realtime-prod");
    }

    [Fact]
    public void Az_rebalancing_is_set_explicitly()
    {
        synth.Prod.Service.HasResourceProperties("AWS::ECS::Service", new Dictionary<string, object> { ["AvailabilityZoneRebalancing"] = "ENABLED" });
    }

    [Fact]
    public void Waf_guards_the_load_balancer_in_prod_with_common_rules_and_a_rate_limit()
    {
        var acl = Resources(synth.Prod.ServiceJson, "AWS::WAFv2::WebACL").Single()["Properties"]!;
        Assert.Equal("REGIONAL", (string?)acl["Scope"]);
        var rules = acl["Rules"]!.AsArray();
        var common = rules.Single(r => (string?)r!["Name"] == "AwsCommonRules")!["Statement"]!["ManagedRuleGroupStatement"]!;
        Assert.Equal("AWSManagedRulesCommonRuleSet", (string?)common["Name"]);
        Assert.Equal(["NoUserAgent_HEADER", "SizeRestrictions_QUERYSTRING"], common["RuleActionOverrides"]!.AsArray().Select(o => (string?)o!["Name"]));
        var rate = rules.Single(r => (string?)r!["Name"] == "PerIpRateLimit")!;
        Assert.Equal(2000, (double)rate["Statement"]!["RateBasedStatement"]!["Limit"]!);
        Assert.NotNull(rate["Action"]!["Block"]);

        var association = Resources(synth.Prod.ServiceJson, "AWS::WAFv2::WebACLAssociation").Single()["Properties"]!;
        var alb = synth.Prod.ServiceJson["Resources"]!.AsObject().Single(r => (string?)r.Value!["Type"] == "AWS::ElasticLoadBalancingV2::LoadBalancer").Key;
        Assert.Equal(alb, (string?)association["ResourceArn"]!["Ref"]);
    }

    [Fact]
    public void Dev_has_no_waf()
    {
        synth.Dev.Service.ResourceCountIs("AWS::WAFv2::WebACL", 0);
        synth.Dev.Service.ResourceCountIs("AWS::WAFv2::WebACLAssociation", 0);
    }

    [Fact]
    public void Hosted_zone_gives_a_dns_validated_certificate_an_alias_and_wss_outputs()
    {
        synth.ProdWithDomain.Service.HasResourceProperties("AWS::CertificateManager::Certificate", new Dictionary<string, object>
        {
            ["DomainName"] = SynthFixture.DomainName,
            ["ValidationMethod"] = "DNS",
            ["DomainValidationOptions"] = new object[] { new Dictionary<string, object> { ["DomainName"] = SynthFixture.DomainName, ["HostedZoneId"] = SynthFixture.HostedZoneId } },
        });
        synth.ProdWithDomain.Service.HasResourceProperties("AWS::Route53::RecordSet", new Dictionary<string, object>
        {
            ["Name"] = SynthFixture.DomainName + ".",
            ["Type"] = "A",
            ["HostedZoneId"] = SynthFixture.HostedZoneId,
            ["AliasTarget"] = Match.ObjectLike(new Dictionary<string, object> { ["DNSName"] = Match.AnyValue() }),
        });
        var listener = Resources(synth.ProdWithDomain.ServiceJson, "AWS::ElasticLoadBalancingV2::Listener").Single(l => (double)l["Properties"]!["Port"]! == 443);
        var certificate = synth.ProdWithDomain.ServiceJson["Resources"]!.AsObject().Single(r => (string?)r.Value!["Type"] == "AWS::CertificateManager::Certificate").Key;
        Assert.Equal(certificate, (string?)listener["Properties"]!["Certificates"]![0]!["CertificateArn"]!["Ref"]);
        Assert.Equal($"wss://{SynthFixture.DomainName}/ws", (string?)synth.ProdWithDomain.ServiceJson["Outputs"]!["WebSocketUrl"]!["Value"]);
    }

    [Fact]
    public void Existing_certificate_makes_no_certificate_and_no_record()
    {
        synth.ProdWithTls.Service.ResourceCountIs("AWS::CertificateManager::Certificate", 0);
        synth.ProdWithTls.Service.ResourceCountIs("AWS::Route53::RecordSet", 0);
        synth.Prod.Service.ResourceCountIs("AWS::CertificateManager::Certificate", 0);
        synth.Prod.Service.ResourceCountIs("AWS::Route53::RecordSet", 0);
    }

    [Fact]
    public void Interface_endpoints_in_prod_only()
    {
        var endpoints = Resources(synth.Prod.NetworkJson, "AWS::EC2::VPCEndpoint")
            .Where(e => (string?)e["Properties"]!["VpcEndpointType"] == "Interface")
            .Select(e => e["Properties"]!["ServiceName"]!.ToJsonString())
            .ToList();
        Assert.Equal(4, endpoints.Count);
        foreach (var service in new[] { "ecr.api", "ecr.dkr", "logs", "secretsmanager" })
        {
            Assert.Contains(endpoints, e => e.Contains("." + service, StringComparison.Ordinal));
        }

        synth.Prod.Network.HasResourceProperties("AWS::EC2::VPCEndpoint", new Dictionary<string, object> { ["PrivateDnsEnabled"] = true });
        Assert.DoesNotContain(Resources(synth.Dev.NetworkJson, "AWS::EC2::VPCEndpoint"), e => (string?)e["Properties"]!["VpcEndpointType"] == "Interface");
    }

    [Fact]
    public void Every_accepted_policy_finding_names_its_rule_and_says_why()
    {
        var suppressions = new[] { synth.Dev, synth.Prod }
            .SelectMany(app => app.Json.Values)
            .SelectMany(template => template["Resources"]!.AsObject())
            .SelectMany(r => r.Value!["Metadata"]?["cdk_nag"]?["rules_to_suppress"]?.AsArray() ?? [])
            .ToList();
        Assert.NotEmpty(suppressions);
        Assert.All(suppressions, s =>
        {
            Assert.Matches("^(AwsSolutions|HIPAA\\.Security|NIST\\.800\\.53\\.R5)-[A-Za-z0-9]+", (string?)s!["id"]);
            Assert.True(((string?)s["reason"])?.Length >= 20, $"{s["id"]}: a reason of one sentence");
        });
    }
}
