using Amazon.CDK;
using Amazon.CDK.AWS.EC2;
using Constructs;
using RealtimeInfra.Cdk.Constructs;
using RealtimeInfra.Cdk.Settings;

namespace RealtimeInfra.Cdk.Stacks;

public sealed class BackplaneStackProps : StackProps
{
    public required RealtimeSettings Settings { get; init; }
    public required IVpc Vpc { get; init; }
}

/// <summary>Stateful: the ElastiCache backplane (pub/sub, history streams, presence, claims).</summary>
public sealed class BackplaneStack : Stack
{
    public BackplaneStack(Construct scope, string id, BackplaneStackProps props)
        : base(scope, id, props)
    {
        var b = props.Settings.Backplane;
        Backplane = new RedisBackplane(this, "Backplane", new RedisBackplaneProps
        {
            Vpc = props.Vpc,
            Engine = b.Engine,
            EngineVersion = b.EngineVersion,
            NodeType = b.NodeType,
            Replicas = b.Replicas,
            ClusterMode = b.ClusterMode,
            Shards = b.Shards,
            MultiAz = b.MultiAz,
            Port = b.Port,
            SnapshotRetentionDays = b.SnapshotRetentionDays,
            SnapshotWindow = b.SnapshotWindow,
            MaintenanceWindow = b.MaintenanceWindow,
            RemovalPolicy = props.Settings.RetainData ? RemovalPolicy.SNAPSHOT : RemovalPolicy.DESTROY,
        });
    }

    public RedisBackplane Backplane { get; }
}
