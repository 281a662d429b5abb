using Amazon.CDK;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.ElastiCache;
using Amazon.CDK.AWS.KMS;
using Amazon.CDK.AWS.SecretsManager;
using Constructs;

namespace RealtimeInfra.Cdk.Constructs;

public sealed record RedisBackplaneProps
{
    public required IVpc Vpc { get; init; }

    /// <summary>Subnets the cache lives in; isolated by default, it needs no internet.</summary>
    public SubnetSelection Subnets { get; init; } = new() { SubnetType = SubnetType.PRIVATE_ISOLATED };

    public required string Engine { get; init; }
    public required string EngineVersion { get; init; }
    public required string NodeType { get; init; }

    /// <summary>Replicas of each shard.</summary>
    public required int Replicas { get; init; }

    /// <summary>Cluster mode enabled: the keyspace and pub/sub spread over <see cref="Shards"/> primaries.</summary>
    public required bool ClusterMode { get; init; }

    /// <summary>Node groups with <see cref="ClusterMode"/>; without it the group is one shard whatever this says.</summary>
    public required int Shards { get; init; }

    public required bool MultiAz { get; init; }
    public required int Port { get; init; }
    public required int SnapshotRetentionDays { get; init; }
    public required string SnapshotWindow { get; init; }
    public required string MaintenanceWindow { get; init; }

    /// <summary>SNAPSHOT keeps the data when the stack is deleted; DESTROY is for throw-away environments.</summary>
    public required RemovalPolicy RemovalPolicy { get; init; }

    /// <summary>Customer-managed key of the AUTH token secret; null: Secrets Manager's AWS-managed key.</summary>
    public IKey? SecretKey { get; init; }

    /// <summary>True when an <see cref="AuthTokenRotation"/> is attached to the token.</summary>
    public bool AuthTokenRotates { get; init; }
}

/// <summary>
/// ElastiCache (Valkey or Redis OSS) replication group used as the pub/sub backplane and history
/// store: private, TLS in transit, encrypted at rest, AUTH token generated in Secrets Manager.
/// Reachable only through <see cref="Connections"/>; the caller grants access explicitly.
/// </summary>
public sealed class RedisBackplane : Construct, IConnectable
{
    private readonly int _shards;
    private readonly int _nodesPerShard;

    /// <summary>
    /// ElastiCache rejects '/', '"' and '@' in an AUTH token and any whitespace; Secrets Manager
    /// leaves out spaces by default, so only these three are excluded here.
    /// </summary>
    public const string AuthTokenExcludedCharacters = "/\"@";

    /// <summary>ElastiCache accepts 16 to 128 characters; the maximum is the strongest.</summary>
    public const int AuthTokenLength = 128;

    public RedisBackplane(Construct scope, string id, RedisBackplaneProps props)
        : base(scope, id)
    {
        Port = props.Port;
        ClusterMode = props.ClusterMode;
        AuthTokenRotates = props.AuthTokenRotates;
        _shards = props.ClusterMode ? props.Shards : 1;
        _nodesPerShard = 1 + props.Replicas;

        SecurityGroup = new SecurityGroup(this, "SecurityGroup", new SecurityGroupProps
        {
            Vpc = props.Vpc,
            Description = "RealtimeInfra backplane: reachable only from the service tasks",
            AllowAllOutbound = false,
        });
        Connections = new Connections_(new ConnectionsProps
        {
            SecurityGroups = [SecurityGroup],
            DefaultPort = Amazon.CDK.AWS.EC2.Port.Tcp(props.Port),
        });

        AuthToken = new Secret(this, "AuthToken", new SecretProps
        {
            Description = "AUTH token of the RealtimeInfra backplane (ElastiCache)",
            GenerateSecretString = new SecretStringGenerator
            {
                PasswordLength = AuthTokenLength,
                ExcludeCharacters = AuthTokenExcludedCharacters,
                IncludeSpace = false,
            },
            EncryptionKey = props.SecretKey,
            RemovalPolicy = props.RemovalPolicy == RemovalPolicy.DESTROY ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
        });

        var subnetGroup = new CfnSubnetGroup(this, "SubnetGroup", new CfnSubnetGroupProps
        {
            Description = "RealtimeInfra backplane subnets",
            SubnetIds = props.Vpc.SelectSubnets(props.Subnets).SubnetIds,
        });

        // The backplane keeps state that must not vanish under memory pressure: a claim evicted by
        // ElastiCache's default policy (volatile-lru evicts keys with a TTL first) lets a second
        // claimant win the same table. With noeviction a full cache refuses writes instead: the app
        // answers `unavailable` and the memory alarm fires well before. Cluster mode gets a group of
        // its own (another logical id), not this one with one more parameter: switching
        // backplane.clusterMode then never edits cluster-enabled in a group that a running cache uses.
        var parameters = new Dictionary<string, string> { ["maxmemory-policy"] = "noeviction" };
        if (props.ClusterMode)
        {
            parameters["cluster-enabled"] = "yes";
        }

        ParameterGroup = new CfnParameterGroup(this, props.ClusterMode ? "ClusterParameterGroup" : "ParameterGroup", new CfnParameterGroupProps
        {
            CacheParameterGroupFamily = ParameterGroupFamily(props.Engine, props.EngineVersion),
            Description = $"RealtimeInfra backplane{(props.ClusterMode ? ", cluster mode" : "")}: never evict (claims, histories and presence are state)",
            Properties = parameters,
        });

        var groupProps = new CfnReplicationGroupProps
        {
            ReplicationGroupDescription = "RealtimeInfra pub/sub backplane and history store",
            Engine = props.Engine,
            EngineVersion = props.EngineVersion,
            CacheNodeType = props.NodeType,
            MultiAzEnabled = props.MultiAz,
            CacheSubnetGroupName = subnetGroup.Ref,
            CacheParameterGroupName = ParameterGroup.Ref,
            SecurityGroupIds = [SecurityGroup.SecurityGroupId],
            Port = props.Port,
            TransitEncryptionEnabled = true,
            AtRestEncryptionEnabled = true,
            // A {{resolve:secretsmanager:…}} dynamic reference: CloudFormation fetches the value at
            // deploy time, so the token never appears in the template.
            AuthToken = AuthToken.SecretValue.UnsafeUnwrap(),
            SnapshotRetentionLimit = props.SnapshotRetentionDays,
            SnapshotWindow = props.SnapshotWindow,
            PreferredMaintenanceWindow = props.MaintenanceWindow,
            AutoMinorVersionUpgrade = true,
        };
        if (props.ClusterMode)
        {
            groupProps.ClusterMode = "enabled";
            groupProps.NumNodeGroups = props.Shards;
            groupProps.ReplicasPerNodeGroup = props.Replicas;
            // ElastiCache requires automatic failover for cluster mode enabled, even with no replica to
            // promote (then a failed primary's shard is down until ElastiCache replaces the node).
            groupProps.AutomaticFailoverEnabled = true;
        }
        else
        {
            groupProps.NumCacheClusters = 1 + props.Replicas;
            groupProps.AutomaticFailoverEnabled = props.Replicas >= 1;
        }

        ReplicationGroup = new CfnReplicationGroup(this, "ReplicationGroup", groupProps);
        ReplicationGroup.ApplyRemovalPolicy(props.RemovalPolicy);
        if (props.ClusterMode)
        {
            // Without it, CloudFormation replaces the whole group (new endpoint, every stream lost) when
            // backplane.shards changes; with it, ElastiCache adds or removes shards while serving.
            ReplicationGroup.CfnOptions.UpdatePolicy = new CfnUpdatePolicy { UseOnlineResharding = true };
        }

        if (!props.AuthTokenRotates)
        {
            NagSuppressions.Add(AuthToken,
                new NagSuppression("AwsSolutions-SMG4", "Rotation is off by this environment's settings (backplane.authTokenRotationDays = 0); docs/operations.md tells how to turn it on or rotate by hand."));
        }
        if (!props.MultiAz)
        {
            NagSuppressions.Add(ReplicationGroup,
                new NagSuppression("AwsSolutions-AEC4", "Multi-AZ is off by this environment's settings (backplane.multiAz); the app resumes clients from stream offsets after a cache restart."));
        }
    }

    public CfnReplicationGroup ReplicationGroup { get; }

    /// <summary>True when the AUTH token rotates on a schedule: the app must follow it (Realtime:Redis:PasswordSecretId).</summary>
    public bool AuthTokenRotates { get; }

    /// <summary>Cluster mode enabled: <see cref="Endpoint"/> is the configuration endpoint.</summary>
    public bool ClusterMode { get; }

    /// <summary>The engine settings the app relies on (<c>maxmemory-policy noeviction</c>; with cluster mode, <c>cluster-enabled yes</c>).</summary>
    public CfnParameterGroup ParameterGroup { get; }

    /// <summary>ElastiCache's parameter group family of an engine and MAJOR.MINOR version (valkey7, valkey8, redis6.x, redis7).</summary>
    public static string ParameterGroupFamily(string engine, string version)
    {
        var major = version.Split('.')[0];
        return engine == "redis" && major == "6" ? "redis6.x" : $"{engine}{major}";
    }

    public SecurityGroup SecurityGroup { get; }

    public Connections_ Connections { get; }

    /// <summary>Generated AUTH token; inject it as an ECS secret, never as plain environment.</summary>
    public ISecret AuthToken { get; }

    /// <summary>
    /// The host name the app connects to. One shard: the primary endpoint, since writes (publish,
    /// claims) must go to the primary. Cluster mode: the configuration endpoint, from which the client
    /// learns every shard's primary (a cluster-mode group has no primary endpoint).
    /// </summary>
    public string Endpoint => ClusterMode ? ReplicationGroup.AttrConfigurationEndPointAddress : ReplicationGroup.AttrPrimaryEndPointAddress;

    public int Port { get; }

    /// <summary>
    /// The cache nodes' ids, the <c>CacheClusterId</c> dimension of their CloudWatch metrics: one shard
    /// has <c>&lt;group&gt;-001</c>, …; cluster mode has <c>&lt;group&gt;-0001-001</c>, … (shard in four digits,
    /// node in three), the names ElastiCache gives a cluster-mode group's members (its guide's
    /// describe-replication-groups example lists redis2x2-0001-001 … redis2x2-0002-002). Assumed:
    /// shards added by online resharding continue the numbering; after shards are removed the
    /// survivors may keep higher numbers, which this list (0001 to N) then misses.
    /// </summary>
    public IReadOnlyList<string> NodeIds => ClusterMode
        ? [.. from shard in Enumerable.Range(1, _shards) from node in Enumerable.Range(1, _nodesPerShard) select $"{ReplicationGroup.Ref}-{shard:0000}-{node:000}"]
        : [.. Enumerable.Range(1, _nodesPerShard).Select(node => $"{ReplicationGroup.Ref}-{node:000}")];
}
