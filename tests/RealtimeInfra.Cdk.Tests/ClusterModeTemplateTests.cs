using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Amazon.CDK.Assertions;
using Match = Amazon.CDK.Assertions.Match;

namespace RealtimeInfra.Cdk.Tests;

/// <summary>
/// The backplane with <c>backplane.clusterMode</c> (prod, 4 shards, prod's 2 replicas each) against the
/// one-shard default: shards, parameters, the endpoint the app gets and the nodes the alarms watch.
/// </summary>
[Collection(SynthCollection.Name)]
public sealed partial class ClusterModeTemplateTests(SynthFixture synth)
{
    private const int ProdReplicas = 2;
    private const int Nodes = SynthFixture.ClusteredShards * (1 + ProdReplicas);

    [Fact]
    public void Replication_group_is_cluster_mode_enabled_with_replicas_in_each_shard()
    {
        synth.ProdClustered.Backplane.HasResourceProperties("AWS::ElastiCache::ReplicationGroup", new Dictionary<string, object>
        {
            ["ClusterMode"] = "enabled",
            ["NumNodeGroups"] = SynthFixture.ClusteredShards,
            ["ReplicasPerNodeGroup"] = ProdReplicas,
            ["NumCacheClusters"] = Match.Absent(),
            ["AutomaticFailoverEnabled"] = true,
            ["MultiAZEnabled"] = true,
            ["TransitEncryptionEnabled"] = true,
            ["AtRestEncryptionEnabled"] = true,
        });
    }

    /// <summary>
    /// A change of the shard count reshards the group online, and the group keeps the logical id it
    /// has without cluster mode. (Switching a running cache between the modes is still a migration
    /// CloudFormation cannot do in place: docs/operations.md, "Cluster mode".)
    /// </summary>
    [Fact]
    public void Replication_group_keeps_its_logical_id_and_reshards_online()
    {
        var group = Assert.Single(synth.ProdClustered.Backplane.FindResources("AWS::ElastiCache::ReplicationGroup"));
        Assert.Equal("BackplaneReplicationGroupA08B64F1", group.Key);
        synth.ProdClustered.Backplane.HasResource("AWS::ElastiCache::ReplicationGroup", new Dictionary<string, object>
        {
            ["UpdatePolicy"] = new Dictionary<string, object> { ["UseOnlineResharding"] = true },
            ["DeletionPolicy"] = "Snapshot",
        });
    }

    [Fact]
    public void Default_is_one_shard_without_cluster_properties()
    {
        synth.Prod.Backplane.HasResourceProperties("AWS::ElastiCache::ReplicationGroup", new Dictionary<string, object>
        {
            ["NumCacheClusters"] = 1 + ProdReplicas,
            ["ClusterMode"] = Match.Absent(),
            ["NumNodeGroups"] = Match.Absent(),
            ["ReplicasPerNodeGroup"] = Match.Absent(),
        });
        synth.Prod.Backplane.HasResource("AWS::ElastiCache::ReplicationGroup", new Dictionary<string, object> { ["UpdatePolicy"] = Match.Absent() });
    }

    [Fact]
    public void Parameter_group_enables_cluster_mode_and_never_evicts()
    {
        synth.ProdClustered.Backplane.HasResourceProperties("AWS::ElastiCache::ParameterGroup", new Dictionary<string, object>
        {
            ["CacheParameterGroupFamily"] = "valkey7",
            ["Properties"] = new Dictionary<string, object> { ["cluster-enabled"] = "yes", ["maxmemory-policy"] = "noeviction" },
        });
        var group = Assert.Single(ServiceTemplateTests.Resources(synth.ProdClustered.BackplaneJson, "AWS::ElastiCache::ReplicationGroup"));
        Assert.StartsWith("BackplaneClusterParameterGroup", group["Properties"]!["CacheParameterGroupName"]!["Ref"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    /// <summary>A cluster-mode group has no primary endpoint; the client discovers the shards from the configuration endpoint.</summary>
    [Fact]
    public void App_connects_to_the_configuration_endpoint()
    {
        var export = synth.ProdClustered.BackplaneJson["Outputs"]!.AsObject()
            .Single(o => o.Value!["Value"]!["Fn::GetAtt"] is JsonArray a && a[1]!.GetValue<string>() == "ConfigurationEndPoint.Address");
        var exportName = export.Value!["Export"]!["Name"]!.GetValue<string>();

        var container = ServiceTemplateTests.Resources(synth.ProdClustered.ServiceJson, "AWS::ECS::TaskDefinition").Single()["Properties"]!["ContainerDefinitions"]![0]!;
        var connection = container["Environment"]!.AsArray()
            .Single(e => e!["Name"]!.GetValue<string>() == "Realtime__Redis__ConnectionString")!["Value"]!["Fn::Join"]![1]!.AsArray();
        Assert.Equal(exportName, connection[0]!["Fn::ImportValue"]!.GetValue<string>());
        Assert.Equal(":6380,ssl=true", connection[1]!.GetValue<string>());
        Assert.DoesNotContain("PrimaryEndPoint", synth.ProdClustered.ServiceJson.ToJsonString(), StringComparison.Ordinal);
    }

    /// <summary>
    /// Every node of every shard (<c>group-0001-001</c> …), split so no alarm references more than
    /// CloudWatch's 10 metrics.
    /// </summary>
    [Theory]
    [InlineData("CacheEngineCpu", "EngineCPUUtilization")]
    [InlineData("CacheMemory", "DatabaseMemoryUsagePercentage")]
    public void Cache_alarms_watch_every_node_of_every_shard(string id, string metric)
    {
        var alarms = synth.ProdClustered.ServiceJson["Resources"]!.AsObject()
            .Where(r => Regex.IsMatch(r.Key, $"^Monitoring{id}[0-9]*[A-F0-9]{{8}}$"))
            .Select(r => r.Value!["Properties"]!["Metrics"]!.AsArray())
            .ToList();
        Assert.Equal(2, alarms.Count); // 12 nodes: 10 + 2

        var watched = new List<string>();
        foreach (var queries in alarms)
        {
            var metrics = queries.Where(q => q!["MetricStat"] is not null).ToList();
            Assert.InRange(metrics.Count, 1, 10);
            Assert.All(metrics, m => Assert.Equal(metric, m!["MetricStat"]!["Metric"]!["MetricName"]!.GetValue<string>()));
            watched.AddRange(metrics.Select(m => NodeSuffix().Match(m!["MetricStat"]!["Metric"]!["Dimensions"]![0]!.ToJsonString()).Value));
        }

        var expected = from shard in Enumerable.Range(1, SynthFixture.ClusteredShards)
                       from node in Enumerable.Range(1, 1 + ProdReplicas)
                       select $"-{shard:0000}-{node:000}";
        Assert.Equal(expected.Order(StringComparer.Ordinal), watched.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Dashboard_graphs_every_cluster_node()
    {
        var dashboard = ServiceTemplateTests.Resources(synth.ProdClustered.ServiceJson, "AWS::CloudWatch::Dashboard").Single();
        var body = dashboard["Properties"]!["DashboardBody"]!.ToJsonString();
        Assert.Equal(Nodes, NodeSuffix().Matches(body).Select(m => m.Value).Distinct().Count());
    }

    [GeneratedRegex(@"-\d{4}-\d{3}")]
    private static partial Regex NodeSuffix();
}
