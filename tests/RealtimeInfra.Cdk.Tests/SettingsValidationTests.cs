using System.Text.Json;
using RealtimeInfra.Cdk.Settings;

namespace RealtimeInfra.Cdk.Tests;

/// <summary>One test per rule: each bad setting fails with a message naming the setting and its value.</summary>
public sealed class SettingsValidationTests
{
    private static SettingsException Fails(string environmentJson, string? imageTag = null, string environment = "dev")
    {
        var environments = JsonDocument.Parse($$"""{ "dev": {{environmentJson}} }""").RootElement;
        return Assert.Throws<SettingsException>(() => SettingsLoader.Load(environments, environment, imageTag));
    }

    private static void FailsWith(string environmentJson, params string[] expected)
    {
        var error = Fails(environmentJson);
        foreach (var text in expected)
        {
            Assert.Contains(error.Problems, p => p.Contains(text, StringComparison.Ordinal));
        }
    }

    [Fact]
    public void Defaults_are_valid_and_safe()
    {
        var loaded = SettingsLoader.Load(JsonDocument.Parse("""{ "dev": {} }""").RootElement, null, null);
        Assert.Equal("dev", loaded.Name);
        Assert.Empty(SettingsValidator.Validate(new RealtimeSettings()));
        Assert.True(loaded.Settings.TerminationProtection);
        Assert.True(loaded.Settings.Backplane.MultiAz);
    }

    [Fact]
    public void Compliance_is_none_or_hipaa() =>
        FailsWith("""{ "compliance": "soc2" }""", "compliance = 'soc2': must be one of 'none', 'hipaa'");

    /// <summary>What compliance: hipaa needs on that it cannot turn on itself, each named.</summary>
    [Fact]
    public void Hipaa_names_what_it_needs_on() =>
        FailsWith("""{ "compliance": "hipaa", "backplane": { "snapshotRetentionDays": 7, "authTokenRotationDays": 0 }, "loadBalancer": { "waf": false, "accessLogs": false } }""",
            "backplane.snapshotRetentionDays = 7: must be at least 15 with compliance = 'hipaa'",
            "backplane.authTokenRotationDays = 0: must rotate (1 to 1000 days) with compliance = 'hipaa'",
            "loadBalancer.waf = false: must be true with compliance = 'hipaa'",
            "loadBalancer.accessLogs = false: must be true with compliance = 'hipaa'");

    [Fact]
    public void Hipaa_defaults_keep_snapshots_15_days_and_rotate_the_token_monthly()
    {
        var environments = JsonDocument.Parse("""{ "dev": { "compliance": "hipaa", "region": "eu-west-1", "loadBalancer": { "accessLogs": true } } }""").RootElement;
        var settings = SettingsLoader.Load(environments, "dev", null).Settings;
        Assert.True(settings.Strict);
        Assert.Equal(15, settings.Backplane.SnapshotRetentionDaysFor(settings.Strict));
        Assert.Equal(30, settings.Backplane.AuthTokenRotationDaysFor(settings.Strict));

        var none = new RealtimeSettings();
        Assert.False(none.Strict);
        Assert.Equal(7, none.Backplane.SnapshotRetentionDaysFor(none.Strict));
        Assert.Equal(0, none.Backplane.AuthTokenRotationDaysFor(none.Strict));
    }

    [Fact]
    public void Token_rotation_days_are_bounded() =>
        FailsWith("""{ "backplane": { "authTokenRotationDays": 1001 } }""", "backplane.authTokenRotationDays = 1001: must be from 0 to 1000");

    [Fact]
    public void Connections_per_task_must_fit_the_task_memory()
    {
        // 20,000 × 18 KiB + 100 MiB ≈ 452 MiB, more than 52.5 % of 512 MiB.
        FailsWith("""{ "service": { "cpu": 256, "memoryMiB": 512, "maxConnectionsPerTask": 20000 } }""",
            "service.maxConnectionsPerTask = 20000: needs about 452 MiB",
            "of service.memoryMiB = 512 the app may fill before it refuses upgrades",
            "lower it to at most 9602 or raise service.memoryMiB");
    }

    [Fact]
    public void Connections_per_task_must_fit_fargate_open_file_limit() =>
        FailsWith("""{ "service": { "cpu": 16384, "memoryMiB": 122880, "maxConnectionsPerTask": 1048000 } }""",
            "service.maxConnectionsPerTask = 1048000: must be from 100 to 1047564");

    [Fact]
    public void Scaling_target_stays_well_under_the_connection_limit() =>
        FailsWith("""{ "service": { "maxConnectionsPerTask": 6000, "connectionsTargetPerTask": 5000 } }""",
            "service.connectionsTargetPerTask = 5000: must be at most 80 % of service.maxConnectionsPerTask = 6000 (4800)");

    [Fact]
    public void Unknown_environment_lists_the_known_ones()
    {
        var error = Fails("{}", environment: "staging");
        Assert.Equal("env = 'staging': unknown environment; allowed: dev", Assert.Single(error.Problems));
    }

    [Fact]
    public void Unknown_keys_are_all_reported_with_their_path()
    {
        var error = Fails("""{ "backplane": { "replica": 2 }, "servce": {}, "app": { "heartbeat": 5 } }""");
        Assert.Equal(3, error.Problems.Count);
        Assert.Contains(error.Problems, p => p.StartsWith("backplane.replica: unknown setting", StringComparison.Ordinal) && p.Contains("replicas", StringComparison.Ordinal));
        Assert.Contains(error.Problems, p => p.StartsWith("servce: unknown setting", StringComparison.Ordinal));
        Assert.Contains(error.Problems, p => p.StartsWith("app.heartbeat: unknown setting", StringComparison.Ordinal));
    }

    [Fact]
    public void Wrongly_typed_value_names_its_path()
    {
        var error = Fails("""{ "service": { "cpu": "lots" } }""");
        Assert.StartsWith("service.cpu: wrong type of value", Assert.Single(error.Problems), StringComparison.Ordinal);
    }

    [Fact]
    public void Message_names_the_environment_and_every_problem()
    {
        var error = Fails("""{ "network": { "maxAzs": 9 }, "service": { "architecture": "sparc" } }""");
        Assert.Contains("environment 'dev'", error.Message, StringComparison.Ordinal);
        Assert.Contains("network.maxAzs = 9", error.Message, StringComparison.Ordinal);
        Assert.Contains("service.architecture = 'sparc'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Idle_timeout_must_cover_two_heartbeats() =>
        FailsWith("""{ "loadBalancer": { "idleTimeoutSeconds": 40 }, "app": { "heartbeatSeconds": 25 } }""",
            "loadBalancer.idleTimeoutSeconds = 40: must be at least 2 × app.heartbeatSeconds = 50");

    [Fact]
    public void Deregistration_delay_must_cover_the_drain_and_its_detection() =>
        FailsWith("""{ "loadBalancer": { "deregistrationDelaySeconds": 35 }, "app": { "drainSeconds": 30 } }""",
            "loadBalancer.deregistrationDelaySeconds = 35: must be at least app.drainSeconds + 10 = 40");

    [Fact]
    public void Stop_timeout_must_cover_the_drain_plus_margin() =>
        FailsWith("""{ "service": { "stopTimeoutSeconds": 32 }, "app": { "drainSeconds": 30 } }""",
            "service.stopTimeoutSeconds = 32: must be from app.drainSeconds + 10 = 40 to 120");

    [Fact]
    public void Stop_timeout_must_not_exceed_fargates_limit() =>
        FailsWith("""{ "service": { "stopTimeoutSeconds": 150 } }""",
            "service.stopTimeoutSeconds = 150: must be from app.drainSeconds + 10 = 40 to 120 (Fargate's limit)");

    [Fact]
    public void Desired_count_must_lie_between_min_and_max() =>
        FailsWith("""{ "service": { "minTasks": 2, "desiredCount": 1, "maxTasks": 4 } }""",
            "service.desiredCount = 1: must satisfy service.minTasks (2) ≤ desiredCount ≤ service.maxTasks (4)");

    [Fact]
    public void Min_above_max_is_reported() =>
        FailsWith("""{ "service": { "minTasks": 5, "desiredCount": 5, "maxTasks": 4 } }""",
            "service.desiredCount = 5: must satisfy service.minTasks (5) ≤ desiredCount ≤ service.maxTasks (4)");

    [Fact]
    public void Multi_az_needs_a_replica() =>
        FailsWith("""{ "backplane": { "multiAz": true, "replicas": 0 } }""",
            "backplane.multiAz = true: needs backplane.replicas ≥ 1 (is 0)");

    [Fact]
    public void Multi_az_needs_a_replica_in_each_shard_with_cluster_mode() =>
        FailsWith("""{ "backplane": { "clusterMode": true, "shards": 3, "multiAz": true, "replicas": 0 } }""",
            "backplane.multiAz = true: needs backplane.replicas ≥ 1 (is 0); Multi-AZ fails over to a replica in each shard");

    [Fact]
    public void Cluster_mode_is_off_by_default_with_one_shard()
    {
        var defaults = new BackplaneSettings();
        Assert.False(defaults.ClusterMode);
        Assert.Equal(1, defaults.Shards);
    }

    [Fact]
    public void Cluster_mode_with_shards_and_replicas_is_valid()
    {
        var environments = JsonDocument.Parse("""{ "dev": { "backplane": { "clusterMode": true, "shards": 3, "replicas": 2 } } }""").RootElement;
        var backplane = SettingsLoader.Load(environments, "dev", null).Settings.Backplane;
        Assert.Equal((true, 3, 2), (backplane.ClusterMode, backplane.Shards, backplane.Replicas));
    }

    [Fact]
    public void Shards_need_cluster_mode() =>
        FailsWith("""{ "backplane": { "shards": 3 } }""",
            "backplane.shards = 3: needs backplane.clusterMode = true");

    [Theory]
    [InlineData(0)]
    [InlineData(501)]
    public void Shards_are_limited(int shards) =>
        FailsWith($$"""{ "backplane": { "clusterMode": true, "shards": {{shards}} } }""",
            $"backplane.shards = {shards}: must be from 1 to 500");

    [Fact]
    public void Cluster_nodes_are_limited_to_elasticaches_500() =>
        FailsWith("""{ "backplane": { "clusterMode": true, "shards": 200, "replicas": 2 } }""",
            "backplane.shards = 200: with backplane.replicas = 2 makes 600 nodes (shards × (1 + replicas)); ElastiCache allows at most 500");

    [Fact]
    public void Cluster_mode_needs_engine_version_7_for_sharded_pub_sub() =>
        FailsWith("""{ "backplane": { "engine": "redis", "engineVersion": "6.2", "clusterMode": true } }""",
            "backplane.clusterMode = true: needs backplane.engineVersion 7.0 or newer (is '6.2')");

    [Fact]
    public void Domain_needs_a_certificate() =>
        FailsWith("""{ "loadBalancer": { "domainName": "rt.example.com" } }""",
            "loadBalancer.domainName = 'rt.example.com': needs loadBalancer.certificateArn");

    [Fact]
    public void Access_logs_need_a_region() =>
        FailsWith("""{ "loadBalancer": { "accessLogs": true } }""",
            "loadBalancer.accessLogs = true: needs region");

    [Fact]
    public void Engine_must_be_valkey_or_redis() =>
        FailsWith("""{ "backplane": { "engine": "memcached" } }""", "backplane.engine = 'memcached': must be 'valkey' or 'redis'");

    [Fact]
    public void Engine_version_must_be_set() =>
        FailsWith("""{ "backplane": { "engineVersion": "" } }""", "backplane.engineVersion = '': must be set to MAJOR.MINOR");

    [Fact]
    public void Engine_version_must_be_new_enough() =>
        FailsWith("""{ "backplane": { "engine": "redis", "engineVersion": "6.0" } }""", "backplane.engineVersion = '6.0': redis needs 6.2 or newer");

    [Fact]
    public void Node_type_must_be_an_elasticache_type() =>
        FailsWith("""{ "backplane": { "nodeType": "t4g.small" } }""", "backplane.nodeType = 't4g.small': must be an ElastiCache node type");

    [Fact]
    public void Replicas_are_limited_to_five() =>
        FailsWith("""{ "backplane": { "replicas": 6 } }""", "backplane.replicas = 6: must be from 0 to 5");

    [Fact]
    public void Port_must_be_unprivileged() =>
        FailsWith("""{ "backplane": { "port": 80 } }""", "backplane.port = 80: must be from 1024 to 65535");

    [Fact]
    public void Snapshot_retention_is_limited() =>
        FailsWith("""{ "backplane": { "snapshotRetentionDays": 36 } }""", "backplane.snapshotRetentionDays = 36: must be from 0 to 35");

    [Fact]
    public void Windows_must_have_elasticaches_format() =>
        FailsWith("""{ "backplane": { "snapshotWindow": "2am", "maintenanceWindow": "sunday" } }""",
            "backplane.snapshotWindow = '2am': must be hh24:mi-hh24:mi",
            "backplane.maintenanceWindow = 'sunday': must be ddd:hh24:mi-ddd:hh24:mi");

    [Fact]
    public void Availability_zones_need_two_for_the_alb() =>
        FailsWith("""{ "network": { "maxAzs": 1, "natGateways": 1 } }""", "network.maxAzs = 1: must be from 2 to 3");

    [Fact]
    public void Nat_gateways_must_be_from_one_to_the_zone_count() =>
        FailsWith("""{ "network": { "maxAzs": 2, "natGateways": 3 } }""", "network.natGateways = 3: must be from 1 to 2");

    [Fact]
    public void Vpc_cidr_must_be_an_ipv4_block_of_a_usable_size() =>
        FailsWith("""{ "network": { "vpcCidr": "10.0.0.0/24" } }""", "network.vpcCidr = '10.0.0.0/24': must be an IPv4 CIDR block");

    [Fact]
    public void Retention_must_be_a_cloudwatch_period() =>
        FailsWith("""{ "network": { "flowLogRetentionDays": 10 }, "service": { "logRetentionDays": 0 }, "loadBalancer": { "accessLogRetentionDays": 2 } }""",
            "network.flowLogRetentionDays = 10: must be a CloudWatch Logs retention period",
            "service.logRetentionDays = 0: must be a CloudWatch Logs retention period",
            "loadBalancer.accessLogRetentionDays = 2: must be a CloudWatch Logs retention period");

    [Fact]
    public void Fargate_cpu_must_be_a_fargate_size() =>
        FailsWith("""{ "service": { "cpu": 300 } }""", "service.cpu = 300: must be one of 256, 512, 1024");

    [Fact]
    public void Fargate_memory_must_fit_the_cpu() =>
        FailsWith("""{ "service": { "cpu": 256, "memoryMiB": 4096 } }""", "service.memoryMiB = 4096: with cpu 256 Fargate allows 512 to 2048 in steps of 512");

    [Fact]
    public void Architecture_must_be_arm64_or_x86_64() =>
        FailsWith("""{ "service": { "architecture": "amd64" } }""", "service.architecture = 'amd64': must be 'arm64' or 'x86_64'");

    [Fact]
    public void Cpu_target_must_be_holdable() =>
        FailsWith("""{ "service": { "cpuTargetPercent": 95 } }""", "service.cpuTargetPercent = 95: must be from 10 to 90");

    [Fact]
    public void Health_check_grace_is_bounded() =>
        FailsWith("""{ "service": { "healthCheckGraceSeconds": -1 } }""", "service.healthCheckGraceSeconds = -1: must be from 0 to 3600");

    [Fact]
    public void Image_tag_needs_a_repository()
    {
        var error = Fails("{}", imageTag: "v1");
        Assert.Contains(error.Problems, p => p.StartsWith("service.imageTag = 'v1': needs service.imageRepositoryName", StringComparison.Ordinal));
    }

    [Fact]
    public void Repository_needs_a_tag() =>
        FailsWith("""{ "service": { "imageRepositoryName": "realtime" } }""", "service.imageTag = (empty): required when service.imageRepositoryName = 'realtime'");

    [Fact]
    public void Repository_name_must_be_valid_for_ecr() =>
        FailsWith("""{ "service": { "imageRepositoryName": "Realtime Server", "imageTag": "v1" } }""", "service.imageRepositoryName = 'Realtime Server': must be an ECR repository name");

    [Fact]
    public void Command_line_image_tag_overrides_settings()
    {
        var environments = JsonDocument.Parse("""{ "dev": { "loadBalancer": { "accessLogs": false }, "service": { "imageRepositoryName": "realtime", "imageTag": "old" } } }""").RootElement;
        Assert.Equal("new", SettingsLoader.Load(environments, "dev", "new").Settings.Service.ImageTag);
    }

    [Fact]
    public void Load_balancer_limits_are_enforced() =>
        FailsWith("""{ "loadBalancer": { "idleTimeoutSeconds": 5000, "deregistrationDelaySeconds": 4000, "stickinessSeconds": -1 } }""",
            "loadBalancer.idleTimeoutSeconds = 5000: must be from 1 to 4000",
            "loadBalancer.deregistrationDelaySeconds = 4000: must be from 0 to 3600",
            "loadBalancer.stickinessSeconds = -1: must be from 0 to 604800");

    [Fact]
    public void Stickiness_and_rebalancing_exclude_each_other()
    {
        FailsWith("""{ "loadBalancer": { "stickinessSeconds": 3600 } }""",
            "loadBalancer.stickinessSeconds = 3600: must be 0 while app.rebalance.enabled");
        SettingsLoader.Load(JsonDocument.Parse("""{ "dev": { "loadBalancer": { "stickinessSeconds": 3600 }, "app": { "rebalance": { "enabled": false } } } }""").RootElement, null, null);
    }

    [Fact]
    public void Rebalance_settings_are_bounded() =>
        FailsWith("""{ "app": { "rebalance": { "marginPercent": 0, "minConnections": -1, "windowSeconds": 4000 } } }""",
            "app.rebalance.marginPercent = 0: must be from 1 to 100",
            "app.rebalance.minConnections = -1: must be from 0 to 1000000",
            "app.rebalance.windowSeconds = 4000: must be from 0 to 3600");

    [Fact]
    public void Certificate_must_be_an_acm_arn() =>
        FailsWith("""{ "loadBalancer": { "certificateArn": "my-cert" } }""", "loadBalancer.certificateArn = 'my-cert': must be an ACM certificate ARN");

    [Fact]
    public void Domain_must_be_a_dns_name() =>
        FailsWith("""{ "loadBalancer": { "domainName": "not a domain", "certificateArn": "arn:aws:acm:eu-west-1:123456789012:certificate/abc" } }""",
            "loadBalancer.domainName = 'not a domain': must be a DNS name");

    [Fact]
    public void App_timing_is_bounded() =>
        FailsWith("""{ "app": { "heartbeatSeconds": 1, "drainSeconds": 200 } }""",
            "app.heartbeatSeconds = 1: must be from 5 to 300",
            "app.drainSeconds = 200: must be from 0 to 110");

    [Fact]
    public void Account_and_region_must_look_like_aws_ids() =>
        FailsWith("""{ "account": "12", "region": "Europe" }""",
            "account = '12': must be a 12-digit AWS account id",
            "region = 'Europe': must be an AWS region name");

    [Fact]
    public void Account_needs_a_region() =>
        FailsWith("""{ "account": "123456789012" }""", "account = '123456789012': needs region as well");

    [Fact]
    public void Hosted_zone_needs_both_its_id_and_name_and_a_domain() =>
        FailsWith("""{ "loadBalancer": { "hostedZoneId": "Z0123456789ABCDEFGHIJ" } }""",
            "loadBalancer.hostedZoneId = 'Z0123456789ABCDEFGHIJ', hostedZoneName = '': give both or neither",
            "loadBalancer.hostedZoneId = 'Z0123456789ABCDEFGHIJ': needs loadBalancer.domainName");

    [Fact]
    public void Domain_must_lie_in_the_hosted_zone() =>
        FailsWith("""{ "loadBalancer": { "domainName": "rt.example.org", "hostedZoneId": "Z0123456789ABCDEFGHIJ", "hostedZoneName": "example.com" } }""",
            "loadBalancer.domainName = 'rt.example.org': must be in loadBalancer.hostedZoneName = 'example.com'");

    [Fact]
    public void Hosted_zone_id_must_look_like_one() =>
        FailsWith("""{ "loadBalancer": { "domainName": "rt.example.com", "hostedZoneId": "zone-1", "hostedZoneName": "example.com" } }""",
            "loadBalancer.hostedZoneId = 'zone-1': must be a Route 53 hosted zone id");

    [Fact]
    public void Domain_with_a_hosted_zone_needs_no_certificate_arn()
    {
        var environments = JsonDocument.Parse("""{ "dev": { "loadBalancer": { "domainName": "rt.example.com", "hostedZoneId": "Z0123456789ABCDEFGHIJ", "hostedZoneName": "example.com" } } }""").RootElement;
        Assert.Equal("rt.example.com", SettingsLoader.Load(environments, "dev", null).Settings.LoadBalancer.DomainName);
    }

    [Fact]
    public void Waf_rate_limit_is_within_wafs_limits() =>
        FailsWith("""{ "loadBalancer": { "wafRateLimitPer5Minutes": 5 } }""",
            "loadBalancer.wafRateLimitPer5Minutes = 5: must be from 10 to 2000000000");

    [Fact]
    public void Connections_target_is_bounded() =>
        FailsWith("""{ "service": { "connectionsTargetPerTask": 10 } }""",
            "service.connectionsTargetPerTask = 10: must be from 100 to 100000");

    [Fact]
    public void Alarm_settings_are_checked() =>
        FailsWith("""{ "observability": { "alarmEmail": "oncall", "http5xxPercent": 0, "cacheMemoryPercent": 101 } }""",
            "observability.alarmEmail = 'oncall': must be an e-mail address",
            "observability.http5xxPercent = 0: must be from 1 to 100",
            "observability.cacheMemoryPercent = 101: must be from 1 to 100");

    [Fact]
    public void Api_allowed_cidrs_must_be_cidr_blocks_and_not_the_internet() =>
        FailsWith("""{ "loadBalancer": { "apiAllowedCidrs": ["203.0.113.7", "0.0.0.0/0"], "apiPort": 443 } }""",
            "loadBalancer.apiAllowedCidrs: '203.0.113.7' is not an IPv4 CIDR block",
            "loadBalancer.apiAllowedCidrs: 0.0.0.0/0 opens the server API to the internet",
            "loadBalancer.apiPort = 443: must be from 1024 to 65535");

    [Fact]
    public void The_apps_own_settings_load_and_reach_the_task_environment_by_their_key()
    {
        var loaded = SettingsLoader.Load(JsonDocument.Parse("""
            { "dev": { "app": {
                "settings": { "Namespaces:booking:Proxy:Claim:Url": "https://backend.internal/claim", "Hooks:TimeoutMs": "500" },
                "secretSettings": { "Hooks:ProxySecret": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:proxy-AbCdEf" } } } }
            """).RootElement, null, null);

        Assert.Equal("https://backend.internal/claim", loaded.Settings.App.Settings["Namespaces:booking:Proxy:Claim:Url"]);
        Assert.Equal("Realtime__Namespaces__booking__Proxy__Claim__Url", RealtimeInfra.Cdk.Stacks.AppEnvironment.Variable("Namespaces:booking:Proxy:Claim:Url"));
    }

    [Theory]
    [InlineData("""{ "settings": { "Hooks TimeoutMs": "500" } }""", "app.settings.Hooks TimeoutMs: not a key of the app's Realtime section")]
    [InlineData("""{ "settings": { "HeartbeatSeconds": "10" } }""", "app.settings.HeartbeatSeconds: the stack sets Realtime:HeartbeatSeconds itself")]
    [InlineData("""{ "settings": { "Redis:ConnectionString": "x" } }""", "app.settings.Redis:ConnectionString: the stack sets Realtime:Redis itself")]
    [InlineData("""{ "secretSettings": { "Hooks:ProxySecret": "my-secret" } }""", "app.secretSettings.Hooks:ProxySecret = 'my-secret': must be a Secrets Manager secret's complete ARN")]
    [InlineData("""{ "settings": { "Hooks:ProxySecret": "x" }, "secretSettings": { "Hooks:ProxySecret": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:p-AbCdEf" } }""", "app.settings.Hooks:ProxySecret: also in app.secretSettings")]
    public void A_wrong_app_setting_fails_naming_it(string app, string expected) =>
        FailsWith($$"""{ "app": {{app}} }""", expected);
}
