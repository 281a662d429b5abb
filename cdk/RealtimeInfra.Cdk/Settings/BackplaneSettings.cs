namespace RealtimeInfra.Cdk.Settings;

public sealed record BackplaneSettings
{
    /// <summary><c>valkey</c> (default: the open-source fork ElastiCache prices lower) or <c>redis</c>.</summary>
    public string Engine { get; init; } = "valkey";

    /// <summary>Always explicit: an unpinned engine version would drift between deploys.</summary>
    public string EngineVersion { get; init; } = "7.2";

    public string NodeType { get; init; } = "cache.t4g.small";

    /// <summary>Read replicas of each shard; one or more enables automatic failover.</summary>
    public int Replicas { get; init; } = 1;

    /// <summary>
    /// Off by default: one shard holds everything and is the simplest to run. On, the keyspace and the
    /// pub/sub load spread over <see cref="Shards"/> primaries (the app uses sharded pub/sub).
    /// </summary>
    public bool ClusterMode { get; init; }

    /// <summary>Shards (node groups) with <see cref="ClusterMode"/>; without it the backplane is one shard.</summary>
    public int Shards { get; init; } = 1;

    public bool MultiAz { get; init; } = true;

    /// <summary>Not 6379: scanners probe the default port first.</summary>
    public int Port { get; init; } = 6380;

    /// <summary>Days of daily snapshots; left out, 15 with <c>compliance: hipaa</c> (its packs' minimum), else 7.</summary>
    public int? SnapshotRetentionDays { get; init; }

    /// <summary>
    /// Days between rotations of the cache AUTH token (a Secrets Manager rotation function changes it
    /// on ElastiCache, ROTATE then SET, while the app follows); 0 turns rotation off. Left out, 30
    /// with <c>compliance: hipaa</c>, else 0.
    /// </summary>
    public int? AuthTokenRotationDays { get; init; }

    public int SnapshotRetentionDaysFor(bool strict) => SnapshotRetentionDays ?? (strict ? ComplianceLevel.MinSnapshotRetentionDays : 7);

    public int AuthTokenRotationDaysFor(bool strict) => AuthTokenRotationDays ?? (strict ? ComplianceLevel.DefaultAuthTokenRotationDays : 0);

    /// <summary>UTC, <c>hh24:mi-hh24:mi</c>; must not overlap the maintenance window.</summary>
    public string SnapshotWindow { get; init; } = "02:00-03:00";

    /// <summary>UTC, <c>ddd:hh24:mi-ddd:hh24:mi</c>.</summary>
    public string MaintenanceWindow { get; init; } = "sun:04:00-sun:05:00";
}
