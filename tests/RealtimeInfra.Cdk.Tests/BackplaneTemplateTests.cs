using Amazon.CDK.Assertions;

namespace RealtimeInfra.Cdk.Tests;

[Collection(SynthCollection.Name)]
public sealed class BackplaneTemplateTests(SynthFixture synth)
{
    /// <summary>A new logical id would replace the cache and lose its streams: pinned.</summary>
    [Fact]
    public void Replication_group_keeps_its_logical_id()
    {
        Assert.Single(synth.Prod.Backplane.FindResources("AWS::ElastiCache::ReplicationGroup"), r => r.Key == "BackplaneReplicationGroupA08B64F1");
    }

    [Theory]
    [InlineData("dev")]
    [InlineData("prod")]
    public void Cache_is_encrypted_in_transit_and_at_rest_on_a_non_default_port(string environment)
    {
        (environment == "dev" ? synth.Dev : synth.Prod).Backplane.HasResourceProperties("AWS::ElastiCache::ReplicationGroup", new Dictionary<string, object>
        {
            ["Engine"] = "valkey",
            ["EngineVersion"] = "7.2",
            ["TransitEncryptionEnabled"] = true,
            ["AtRestEncryptionEnabled"] = true,
            ["Port"] = 6380,
        });
    }

    /// <summary>With ElastiCache's default (volatile-lru) a full cache evicts claims, and a table is booked twice.</summary>
    [Theory]
    [InlineData("dev")]
    [InlineData("prod")]
    public void Cache_never_evicts(string environment)
    {
        var backplane = (environment == "dev" ? synth.Dev : synth.Prod).Backplane;
        backplane.HasResourceProperties("AWS::ElastiCache::ParameterGroup", new Dictionary<string, object>
        {
            ["CacheParameterGroupFamily"] = "valkey7",
            ["Properties"] = new Dictionary<string, object> { ["maxmemory-policy"] = "noeviction" },
        });
        var group = Assert.Single(ServiceTemplateTests.Resources(environment == "dev" ? synth.Dev.BackplaneJson : synth.Prod.BackplaneJson, "AWS::ElastiCache::ReplicationGroup"));
        Assert.Contains("ParameterGroup", group["Properties"]!["CacheParameterGroupName"]!["Ref"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("valkey", "7.2", "valkey7")]
    [InlineData("valkey", "8.0", "valkey8")]
    [InlineData("redis", "6.2", "redis6.x")]
    [InlineData("redis", "7.1", "redis7")]
    public void Parameter_group_family_follows_engine_and_version(string engine, string version, string family) =>
        Assert.Equal(family, RealtimeInfra.Cdk.Constructs.RedisBackplane.ParameterGroupFamily(engine, version));

    [Fact]
    public void Auth_token_is_a_secrets_manager_dynamic_reference_never_plain_text()
    {
        var group = Assert.Single(ServiceTemplateTests.Resources(synth.Prod.BackplaneJson, "AWS::ElastiCache::ReplicationGroup"));
        var token = group["Properties"]!["AuthToken"]!["Fn::Join"]![1]!.AsArray().Select(p => p!.ToJsonString()).ToList();
        Assert.Equal("\"{{resolve:secretsmanager:\"", token[0]);
        Assert.Contains("AuthToken", token[1], StringComparison.Ordinal);
        Assert.Equal("\":SecretString:::}}\"", token[2]);
    }

    [Fact]
    public void Auth_token_is_generated_without_the_characters_elasticache_rejects()
    {
        synth.Prod.Backplane.HasResourceProperties("AWS::SecretsManager::Secret", new Dictionary<string, object>
        {
            ["GenerateSecretString"] = new Dictionary<string, object>
            {
                ["ExcludeCharacters"] = "/\"@",
                ["IncludeSpace"] = false,
                ["PasswordLength"] = 128,
            },
        });
    }

    [Fact]
    public void Prod_is_multi_az_with_automatic_failover_and_replicas()
    {
        synth.Prod.Backplane.HasResourceProperties("AWS::ElastiCache::ReplicationGroup", new Dictionary<string, object>
        {
            ["MultiAZEnabled"] = true,
            ["AutomaticFailoverEnabled"] = true,
            ["NumCacheClusters"] = 3,
            // compliance: hipaa leaves it at the packs' 15 days.
            ["SnapshotRetentionLimit"] = 15,
            ["PreferredMaintenanceWindow"] = "sun:04:00-sun:05:00",
            ["SnapshotWindow"] = "02:00-03:00",
        });
        synth.Prod.Backplane.HasResource("AWS::ElastiCache::ReplicationGroup", new Dictionary<string, object>
        {
            ["DeletionPolicy"] = "Snapshot",
            ["UpdateReplacePolicy"] = "Snapshot",
        });
    }

    [Fact]
    public void Dev_is_a_single_node_without_multi_az()
    {
        synth.Dev.Backplane.HasResourceProperties("AWS::ElastiCache::ReplicationGroup", new Dictionary<string, object>
        {
            ["MultiAZEnabled"] = false,
            ["AutomaticFailoverEnabled"] = false,
            ["NumCacheClusters"] = 1,
        });
        synth.Dev.Backplane.HasResource("AWS::ElastiCache::ReplicationGroup", new Dictionary<string, object> { ["DeletionPolicy"] = "Delete" });
    }

    [Fact]
    public void Subnet_group_uses_the_isolated_data_subnets()
    {
        var group = Assert.Single(ServiceTemplateTests.Resources(synth.Prod.BackplaneJson, "AWS::ElastiCache::SubnetGroup"));
        var subnets = group["Properties"]!["SubnetIds"]!.AsArray().Select(s => s!.ToJsonString()).ToList();
        Assert.Equal(2, subnets.Count);
        Assert.All(subnets, s => Assert.Contains("DataSubnet", s, StringComparison.Ordinal));
    }

    [Fact]
    public void Cache_security_group_allows_no_egress()
    {
        synth.Prod.Backplane.HasResourceProperties("AWS::EC2::SecurityGroup", new Dictionary<string, object>
        {
            ["SecurityGroupEgress"] = new object[] { Match.ObjectLike(new Dictionary<string, object> { ["CidrIp"] = "255.255.255.255/32" }) },
        });
    }
}
