using Amazon.CDK;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.KMS;
using Constructs;
using RealtimeInfra.Cdk.Constructs;
using RealtimeInfra.Cdk.Settings;

namespace RealtimeInfra.Cdk.Stacks;

public sealed class BackplaneStackProps : StackProps
{
    public required RealtimeSettings Settings { get; init; }
    public required IVpc Vpc { get; init; }

    /// <summary>dev, prod, …: names the secrets key's alias.</summary>
    public required string EnvironmentName { get; init; }

    /// <summary>The environment's log key (<c>compliance: hipaa</c>), else null.</summary>
    public IKey? LogKey { get; init; }
}

/// <summary>Stateful: the ElastiCache backplane (pub/sub, history streams, presence, claims).</summary>
public sealed class BackplaneStack : Stack
{
    public BackplaneStack(Construct scope, string id, BackplaneStackProps props)
        : base(scope, id, props)
    {
        var s = props.Settings;
        var b = s.Backplane;
        var rotationDays = b.AuthTokenRotationDaysFor(s.Strict);
        // The secrets' key lives with the AUTH token: the rotation function's grants go into its
        // policy, which a key in the Network stack could not take without a dependency cycle.
        SecretKey = s.Strict
            ? new DataKey(this, "SecretKey", new DataKeyProps
            {
                Class = DataClass.Secrets,
                AliasPrefix = $"realtime-{props.EnvironmentName}",
                RemovalPolicy = s.RetainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
            }).Key
            : null;
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
            SnapshotRetentionDays = b.SnapshotRetentionDaysFor(s.Strict),
            SnapshotWindow = b.SnapshotWindow,
            MaintenanceWindow = b.MaintenanceWindow,
            RemovalPolicy = s.RetainData ? RemovalPolicy.SNAPSHOT : RemovalPolicy.DESTROY,
            SecretKey = SecretKey,
            AuthTokenRotates = rotationDays > 0,
        });

        if (rotationDays > 0)
        {
            Rotation = new AuthTokenRotation(this, "AuthTokenRotation", new AuthTokenRotationProps
            {
                Vpc = props.Vpc,
                Backplane = Backplane,
                Every = Duration.Days(rotationDays),
                Grace = Duration.Seconds(AppEnvironment.PasswordGraceSeconds),
                LogRetention = Retention.FromDays(s.Service.LogRetentionDays),
                LogRemovalPolicy = s.RetainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
                LogKey = props.LogKey,
                ReservedConcurrency = s.Strict ? 2 : null,
            });
        }
    }

    public RedisBackplane Backplane { get; }

    /// <summary>The key of the environment's secrets with <c>compliance: hipaa</c>; null otherwise.</summary>
    public IKey? SecretKey { get; }

    /// <summary>The AUTH token's rotation, unless backplane.authTokenRotationDays is 0.</summary>
    public AuthTokenRotation? Rotation { get; }
}
