namespace RealtimeInfra.Cdk.Settings;

/// <summary>The values of the <c>compliance</c> setting and the figures the compliance packs ask for.</summary>
public static class ComplianceLevel
{
    public const string None = "none";

    /// <summary>Built to cdk-nag's HIPAA Security and NIST 800-53 rev 5 packs (docs/compliance.md).</summary>
    public const string Hipaa = "hipaa";

    public static readonly IReadOnlyList<string> All = [None, Hipaa];

    /// <summary>ElastiCacheRedisClusterAutomaticBackup: at least 15 days of snapshots.</summary>
    public const int MinSnapshotRetentionDays = 15;

    public const int DefaultAuthTokenRotationDays = 30;

    /// <summary>Secrets Manager rotates at most every 1,000 days.</summary>
    public const int MaxAuthTokenRotationDays = 1000;
}
