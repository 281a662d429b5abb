using System.Text.Json.Nodes;
using Amazon.CDK.Assertions;
using RealtimeInfra.Cdk.Settings;

namespace RealtimeInfra.Cdk.Tests;

/// <summary>The load balancer, target group, task and service: the properties WebSockets depend on.</summary>
[Collection(SynthCollection.Name)]
public sealed class ServiceTemplateTests(SynthFixture synth)
{
    [Fact]
    public void Target_group_speaks_http1_to_ip_targets_and_checks_readyz()
    {
        synth.Prod.Service.HasResourceProperties("AWS::ElasticLoadBalancingV2::TargetGroup", new Dictionary<string, object>
        {
            ["Protocol"] = "HTTP",
            ["ProtocolVersion"] = "HTTP1",
            ["TargetType"] = "ip",
            ["Port"] = 8080,
            ["HealthCheckPath"] = "/readyz",
            ["Matcher"] = new Dictionary<string, object> { ["HttpCode"] = "200" },
        });
    }

    [Fact]
    public void Target_group_attributes_are_exactly_drain_round_robin_and_stickiness_off_while_rebalancing()
    {
        var attributes = Attributes(synth.Prod.ServiceJson, "AWS::ElasticLoadBalancingV2::TargetGroup", "TargetGroupAttributes");
        Assert.Equal(new Dictionary<string, string>
        {
            ["deregistration_delay.timeout_seconds"] = "40",
            ["stickiness.enabled"] = "false",
            ["load_balancing.algorithm.type"] = "round_robin",
        }, attributes);

        var sticky = Attributes(synth.DevStickyWithoutTaskEvents.ServiceJson, "AWS::ElasticLoadBalancingV2::TargetGroup", "TargetGroupAttributes");
        Assert.Equal(("true", "lb_cookie", "3600"), (sticky["stickiness.enabled"], sticky["stickiness.type"], sticky["stickiness.lb_cookie.duration_seconds"]));
    }

    [Fact]
    public void Tasks_get_the_rebalance_settings()
    {
        var environment = Environment(synth.Prod.ServiceJson);
        Assert.Equal(("true", "10", "100", "60"), (environment["Realtime__Rebalance__Enabled"], environment["Realtime__Rebalance__MarginPercent"],
            environment["Realtime__Rebalance__MinConnections"], environment["Realtime__Rebalance__WindowSeconds"]));
        Assert.Equal("false", Environment(synth.DevStickyWithoutTaskEvents.ServiceJson)["Realtime__Rebalance__Enabled"]);
    }

    private static Dictionary<string, string> Environment(JsonObject template) =>
        Resources(template, "AWS::ECS::TaskDefinition").Single()["Properties"]!["ContainerDefinitions"]![0]!["Environment"]!.AsArray()
            .Where(e => e!["Value"] is JsonValue)
            .ToDictionary(e => e!["Name"]!.GetValue<string>(), e => e!["Value"]!.GetValue<string>());

    [Fact]
    public void Load_balancer_attributes_in_prod_include_idle_timeout_protection_and_access_logs()
    {
        var attributes = Attributes(synth.Prod.ServiceJson, "AWS::ElasticLoadBalancingV2::LoadBalancer", "LoadBalancerAttributes");
        Assert.Equal("120", attributes["idle_timeout.timeout_seconds"]);
        Assert.Equal("true", attributes["routing.http.drop_invalid_header_fields.enabled"]);
        Assert.Equal("true", attributes["deletion_protection.enabled"]);
        Assert.Equal("true", attributes["access_logs.s3.enabled"]);
        Assert.Equal("alb", attributes["access_logs.s3.prefix"]);
        Assert.Equal(6, attributes.Count);
    }

    [Fact]
    public void Dev_load_balancer_has_no_deletion_protection_and_no_access_logs()
    {
        var attributes = Attributes(synth.Dev.ServiceJson, "AWS::ElasticLoadBalancingV2::LoadBalancer", "LoadBalancerAttributes");
        Assert.Equal("false", attributes["deletion_protection.enabled"]);
        Assert.False(attributes.ContainsKey("access_logs.s3.enabled"));
        synth.Dev.Service.ResourceCountIs("AWS::S3::Bucket", 0);
    }

    [Fact]
    public void Access_log_bucket_is_encrypted_private_and_ssl_only_with_expiry()
    {
        synth.Prod.Service.HasResourceProperties("AWS::S3::Bucket", new Dictionary<string, object>
        {
            ["BucketEncryption"] = Match.ObjectLike(new Dictionary<string, object>
            {
                ["ServerSideEncryptionConfiguration"] = new object[]
                {
                    new Dictionary<string, object>
                    {
                        ["ServerSideEncryptionByDefault"] = new Dictionary<string, object> { ["SSEAlgorithm"] = "AES256" },
                    },
                },
            }),
            ["PublicAccessBlockConfiguration"] = new Dictionary<string, object>
            {
                ["BlockPublicAcls"] = true, ["BlockPublicPolicy"] = true, ["IgnorePublicAcls"] = true, ["RestrictPublicBuckets"] = true,
            },
            ["LifecycleConfiguration"] = new Dictionary<string, object>
            {
                ["Rules"] = new object[] { Match.ObjectLike(new Dictionary<string, object> { ["ExpirationInDays"] = 90, ["Status"] = "Enabled" }) },
            },
        });
        synth.Prod.Service.HasResourceProperties("AWS::S3::BucketPolicy", new Dictionary<string, object>
        {
            ["PolicyDocument"] = Match.ObjectLike(new Dictionary<string, object>
            {
                ["Statement"] = Match.ArrayWith([Match.ObjectLike(new Dictionary<string, object>
                {
                    ["Effect"] = "Deny",
                    ["Condition"] = new Dictionary<string, object> { ["Bool"] = new Dictionary<string, object> { ["aws:SecureTransport"] = "false" } },
                })]),
            }),
        });
    }

    [Fact]
    public void Without_a_certificate_the_alb_serves_http_only_and_synth_warns()
    {
        synth.Dev.Service.ResourceCountIs("AWS::ElasticLoadBalancingV2::Listener", 2); // clients on 80, the server API on its own port
        synth.Dev.Service.HasResourceProperties("AWS::ElasticLoadBalancingV2::Listener", new Dictionary<string, object>
        {
            ["Port"] = 80,
            ["Protocol"] = "HTTP",
            ["DefaultActions"] = new object[] { Match.ObjectLike(new Dictionary<string, object> { ["Type"] = "forward" }) },
        });
        synth.Dev.ServiceAnnotations.HasWarning("*", Match.StringLikeRegexp("certificateArn"));
        // The host is the ALB's DNS name, known at deploy time: {"Fn::Join":["",["ws://",{"Fn::GetAtt":…},"/ws"]]}.
        var url = Output(synth.Dev.ServiceJson, "WebSocketUrl");
        Assert.Contains("[\"ws://\",{\"Fn::GetAtt\":[\"LoadBalancerAlb", url, StringComparison.Ordinal);
        Assert.EndsWith("\"/ws\"]]}", url, StringComparison.Ordinal);
    }

    [Fact]
    public void With_a_certificate_https_uses_a_tls13_policy_and_http_redirects()
    {
        var tls = synth.ProdWithTls.Service;
        tls.ResourceCountIs("AWS::ElasticLoadBalancingV2::Listener", 3); // 443, the redirect on 80, the server API
        tls.HasResourceProperties("AWS::ElasticLoadBalancingV2::Listener", new Dictionary<string, object>
        {
            ["Port"] = 443,
            ["Protocol"] = "HTTPS",
            ["SslPolicy"] = "ELBSecurityPolicy-TLS13-1-2-2021-06",
            ["Certificates"] = new object[] { new Dictionary<string, object> { ["CertificateArn"] = SynthFixture.CertificateArn } },
            ["DefaultActions"] = new object[] { Match.ObjectLike(new Dictionary<string, object> { ["Type"] = "forward" }) },
        });
        tls.HasResourceProperties("AWS::ElasticLoadBalancingV2::Listener", new Dictionary<string, object>
        {
            ["Port"] = 80,
            ["Protocol"] = "HTTP",
            ["DefaultActions"] = new object[]
            {
                new Dictionary<string, object>
                {
                    ["Type"] = "redirect",
                    ["RedirectConfig"] = new Dictionary<string, object> { ["Protocol"] = "HTTPS", ["Port"] = "443", ["StatusCode"] = "HTTP_301" },
                },
            },
        });
        synth.ProdWithTls.ServiceAnnotations.HasNoWarning("*", Match.StringLikeRegexp("certificateArn"));
        Assert.Equal($"wss://{SynthFixture.DomainName}/ws", Output(synth.ProdWithTls.ServiceJson, "WebSocketUrl"));
        Assert.Equal($"https://{SynthFixture.DomainName}", Output(synth.ProdWithTls.ServiceJson, "HttpUrl"));
    }

    [Fact]
    public void Task_runs_on_arm64_fargate_with_settings_cpu_memory_and_non_root_user()
    {
        synth.Prod.Service.HasResourceProperties("AWS::ECS::TaskDefinition", new Dictionary<string, object>
        {
            ["RequiresCompatibilities"] = new object[] { "FARGATE" },
            ["Cpu"] = "1024",
            ["Memory"] = "2048",
            ["RuntimePlatform"] = new Dictionary<string, object> { ["CpuArchitecture"] = "ARM64", ["OperatingSystemFamily"] = "LINUX" },
            ["ContainerDefinitions"] = new object[]
            {
                Match.ObjectLike(new Dictionary<string, object>
                {
                    ["User"] = "1654",
                    ["Memory"] = 2048, // the task's memory as the container's limit: what .NET sizes its heap by
                    ["StopTimeout"] = 45,
                    ["PortMappings"] = new object[] { new Dictionary<string, object> { ["ContainerPort"] = 8080, ["Protocol"] = "tcp" } },
                    ["HealthCheck"] = Match.ObjectLike(new Dictionary<string, object>
                    {
                        ["Command"] = new object[] { "CMD", "dotnet", "/app/Realtime.Server.dll", "--health" },
                    }),
                }),
            },
        });
    }

    [Fact]
    public void Container_open_file_limit_and_connection_limit_come_from_one_setting()
    {
        Assert.Equal(100_000 + 500 + 512, TaskBudget.OpenFilesFor(100_000));
        Assert.Equal(65_535, TaskBudget.OpenFilesFor(8000));
        foreach (var (app, maxConnections) in new[] { (synth.Prod, 20_000), (synth.Dev, 8000) })
        {
            var container = Resources(app.ServiceJson, "AWS::ECS::TaskDefinition").Single()["Properties"]!["ContainerDefinitions"]![0]!;
            var ulimit = Assert.Single(container["Ulimits"]!.AsArray())!;
            Assert.Equal("nofile", ulimit["Name"]!.GetValue<string>());
            Assert.Equal(TaskBudget.OpenFilesFor(maxConnections), ulimit["SoftLimit"]!.GetValue<int>());
            Assert.True(ulimit["SoftLimit"]!.GetValue<int>() >= maxConnections + TaskBudget.PendingConnections + TaskBudget.ReservedFileDescriptors);
            Assert.Equal(ulimit["SoftLimit"]!.GetValue<int>(), ulimit["HardLimit"]!.GetValue<int>());
            var environment = container["Environment"]!.AsArray().ToDictionary(e => e!["Name"]!.GetValue<string>(), e => e!["Value"]!);
            Assert.Equal($"{maxConnections}", environment["Realtime__MaxConnections"]!.GetValue<string>());
        }
    }

    [Fact]
    public void Container_gets_the_cache_endpoint_and_timing_as_environment_and_the_tokens_only_as_secrets()
    {
        var container = Resources(synth.Prod.ServiceJson, "AWS::ECS::TaskDefinition").Single()["Properties"]!["ContainerDefinitions"]![0]!;
        var environment = container["Environment"]!.AsArray().ToDictionary(e => e!["Name"]!.GetValue<string>(), e => e!["Value"]!);
        Assert.Equal("25", environment["Realtime__HeartbeatSeconds"]!.GetValue<string>());
        Assert.Equal("30", environment["Realtime__DrainSeconds"]!.GetValue<string>());
        Assert.Equal("8080", environment["ASPNETCORE_HTTP_PORTS"]!.GetValue<string>());
        Assert.Equal("true", environment["Realtime__Metrics__EmbeddedMetricFormat"]!.GetValue<string>());
        var connection = environment["Realtime__Redis__ConnectionString"]!.ToJsonString();
        Assert.Contains("PrimaryEndPointAddress", connection, StringComparison.Ordinal);
        Assert.Contains(":6380,ssl=true", connection, StringComparison.Ordinal);
        Assert.DoesNotContain("Realtime__Redis__Password", environment.Keys);

        Assert.DoesNotContain("Realtime__Drain__Token", environment.Keys);

        var secrets = container["Secrets"]!.AsArray().ToDictionary(e => e!["Name"]!.GetValue<string>(), e => e!["ValueFrom"]!.ToJsonString());
        Assert.Equal(["Realtime__Drain__Token", "Realtime__Redis__Password"], secrets.Keys.Order(StringComparer.Ordinal));
        Assert.Contains("AuthToken", secrets["Realtime__Redis__Password"], StringComparison.Ordinal);
        Assert.Contains("DrainToken", secrets["Realtime__Drain__Token"], StringComparison.Ordinal);
    }

    [Fact]
    public void The_apps_own_settings_reach_the_task_and_its_secret_settings_come_from_secrets_manager()
    {
        var container = Resources(synth.DevFromEcr.ServiceJson, "AWS::ECS::TaskDefinition").Single()["Properties"]!["ContainerDefinitions"]![0]!;
        var environment = container["Environment"]!.AsArray().ToDictionary(e => e!["Name"]!.GetValue<string>(), e => e!["Value"]!.ToJsonString());
        Assert.Equal($"\"{SynthFixture.ProxyUrl}\"", environment["Realtime__Namespaces__booking__Proxy__Claim__Url"]);
        Assert.DoesNotContain("Realtime__Hooks__ProxySecret", environment.Keys);

        var secrets = container["Secrets"]!.AsArray().ToDictionary(e => e!["Name"]!.GetValue<string>(), e => e!["ValueFrom"]!.ToJsonString());
        Assert.Equal($"\"{SynthFixture.ProxySecretArn}\"", secrets["Realtime__Hooks__ProxySecret"]);

        // The execution role (ECS reads secrets with it) may read that secret.
        var readable = Resources(synth.DevFromEcr.ServiceJson, "AWS::IAM::Policy")
            .SelectMany(p => p["Properties"]!["PolicyDocument"]!["Statement"]!.AsArray())
            .Where(s => s!["Action"]!.ToJsonString().Contains("secretsmanager:GetSecretValue", StringComparison.Ordinal))
            .Select(s => s!["Resource"]!.ToJsonString());
        Assert.Contains(readable, r => r.Contains(SynthFixture.ProxySecretArn, StringComparison.Ordinal));
    }

    [Fact]
    public void Image_is_the_dockerfile_asset_by_default_and_the_ecr_tag_when_given()
    {
        var asset = Image(synth.Dev);
        Assert.Contains("container-assets", asset, StringComparison.Ordinal);

        var pushed = Image(synth.DevFromEcr);
        Assert.DoesNotContain("container-assets", pushed, StringComparison.Ordinal);
        Assert.Contains($"/{SynthFixture.EcrRepository}:{SynthFixture.EcrTag}", pushed, StringComparison.Ordinal);

        static string Image(SynthesizedApp app) =>
            Resources(app.ServiceJson, "AWS::ECS::TaskDefinition").Single()["Properties"]!["ContainerDefinitions"]![0]!["Image"]!.ToJsonString();
    }

    [Fact]
    public void Service_deploys_with_circuit_breaker_rollback_and_full_capacity()
    {
        synth.Prod.Service.HasResourceProperties("AWS::ECS::Service", new Dictionary<string, object>
        {
            ["LaunchType"] = "FARGATE",
            ["DesiredCount"] = 3,
            ["HealthCheckGracePeriodSeconds"] = 30,
            ["DeploymentConfiguration"] = Match.ObjectLike(new Dictionary<string, object>
            {
                ["DeploymentCircuitBreaker"] = new Dictionary<string, object> { ["Enable"] = true, ["Rollback"] = true },
                ["MinimumHealthyPercent"] = 100,
                ["MaximumPercent"] = 200,
            }),
            ["NetworkConfiguration"] = new Dictionary<string, object>
            {
                ["AwsvpcConfiguration"] = Match.ObjectLike(new Dictionary<string, object> { ["AssignPublicIp"] = "DISABLED" }),
            },
        });
    }

    [Fact]
    public void Cluster_has_container_insights()
    {
        synth.Prod.Service.HasResourceProperties("AWS::ECS::Cluster", new Dictionary<string, object>
        {
            ["ClusterSettings"] = new object[] { new Dictionary<string, object> { ["Name"] = "containerInsights", ["Value"] = "enabled" } },
        });
    }

    [Theory]
    [InlineData("dev", 1, 2)]
    [InlineData("prod", 3, 12)]
    public void Autoscaling_tracks_cpu_between_min_and_max(string environment, int min, int max)
    {
        var app = environment == "dev" ? synth.Dev : synth.Prod;
        app.Service.HasResourceProperties("AWS::ApplicationAutoScaling::ScalableTarget", new Dictionary<string, object>
        {
            ["MinCapacity"] = min,
            ["MaxCapacity"] = max,
            ["ScalableDimension"] = "ecs:service:DesiredCount",
        });
        app.Service.HasResourceProperties("AWS::ApplicationAutoScaling::ScalingPolicy", new Dictionary<string, object>
        {
            ["PolicyType"] = "TargetTrackingScaling",
            ["TargetTrackingScalingPolicyConfiguration"] = Match.ObjectLike(new Dictionary<string, object>
            {
                ["TargetValue"] = 60,
                ["ScaleInCooldown"] = 600,
                ["PredefinedMetricSpecification"] = new Dictionary<string, object> { ["PredefinedMetricType"] = "ECSServiceAverageCPUUtilization" },
            }),
        });
    }

    [Theory]
    [InlineData("dev", 7)]
    [InlineData("prod", 90)]
    public void App_logs_keep_the_configured_retention(string environment, int days)
    {
        var app = environment == "dev" ? synth.Dev : synth.Prod;
        app.Service.HasResourceProperties("AWS::Logs::LogGroup", new Dictionary<string, object> { ["RetentionInDays"] = days });
        app.Service.HasResource("AWS::Logs::LogGroup", new Dictionary<string, object>
        {
            ["DeletionPolicy"] = environment == "prod" ? "Retain" : "Delete",
        });
    }

    [Fact]
    public void Outputs_name_the_urls_cluster_and_service()
    {
        var outputs = synth.Dev.ServiceJson["Outputs"]!.AsObject().Select(o => o.Key).ToHashSet();
        Assert.Superset(new HashSet<string> { "WebSocketUrl", "HttpUrl", "ApiUrl", "ClusterName", "ServiceName" }, outputs);
    }

    internal static IEnumerable<JsonNode> Resources(JsonObject template, string type) =>
        template["Resources"]!.AsObject()
            .Select(r => r.Value!)
            .Where(r => r["Type"]!.GetValue<string>() == type);

    private static Dictionary<string, string> Attributes(JsonObject template, string type, string property) =>
        Resources(template, type).Single()["Properties"]![property]!.AsArray()
            .ToDictionary(a => a!["Key"]!.GetValue<string>(), a => a!["Value"] is JsonValue v && v.GetValueKind() == System.Text.Json.JsonValueKind.String ? v.GetValue<string>() : a["Value"]!.ToJsonString());

    private static string Output(JsonObject template, string name) =>
        template["Outputs"]![name]!["Value"] is JsonValue v ? v.GetValue<string>() : template["Outputs"]![name]!["Value"]!.ToJsonString();
}
