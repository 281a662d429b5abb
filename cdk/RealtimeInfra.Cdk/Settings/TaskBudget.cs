namespace RealtimeInfra.Cdk.Settings;

/// <summary>
/// What one task needs for <c>service.maxConnectionsPerTask</c> WebSockets: open files (the
/// container's nofile ulimit) and memory (checked against <c>service.memoryMiB</c> at synth). The
/// file figures are the app's own defaults (<c>Realtime:Overload</c>), checked against the
/// synthesized task by DeploymentContractTests; the memory figures are measured (docs/operations.md, "Overload").
/// </summary>
public static class TaskBudget
{
    /// <summary>The app's <c>Overload:MaxPendingConnections</c>: TCP connections that are not WebSockets.</summary>
    public const int PendingConnections = 500;

    /// <summary>The app's <c>Overload:ReservedFileDescriptors</c>: assemblies, Redis, logs (243 measured at idle).</summary>
    public const int ReservedFileDescriptors = 512;

    /// <summary>Fargate's largest nofile limit.</summary>
    public const int FargateMaxOpenFiles = 1_048_576;

    /// <summary>A node's memory before its first connection, rounded up (70 MiB RSS measured idle with Redis).</summary>
    public const int BaseMemoryMiB = 100;

    /// <summary>One idle WebSocket, rounded up: 15.0 to 17.5 KB RSS measured by the benchmark's idle scenario (S3).</summary>
    public const int PerConnectionKiB = 18;

    /// <summary>
    /// Share of the task's memory the connections may fill before the app refuses upgrades: .NET
    /// limits its heap to 75 % of a container's memory, and the app sheds at 70 % of that
    /// (<c>Overload:MemoryHighPercent</c>).
    /// </summary>
    public const double SheddingShareOfTask = 0.75 * 0.70;

    /// <summary>Fargate's nofile limit when a task sets none.</summary>
    public const int FargateDefaultOpenFiles = 65_535;

    /// <summary>
    /// The container's nofile limit (soft and hard) for <paramref name="maxConnections"/>: the app's
    /// whole file budget, and never less than Fargate's default, whose slack costs nothing and covers
    /// descriptors that live a moment past their connection.
    /// </summary>
    public static int OpenFilesFor(int maxConnections) => Math.Max(FargateDefaultOpenFiles, maxConnections + PendingConnections + ReservedFileDescriptors);

    /// <summary>Memory <paramref name="maxConnections"/> idle WebSockets and the node take, in MiB.</summary>
    public static int MemoryMiBFor(int maxConnections) => BaseMemoryMiB + (int)Math.Ceiling(maxConnections * (double)PerConnectionKiB / 1024);

    /// <summary>The most WebSockets whose memory fits under the shedding share of <paramref name="memoryMiB"/>.</summary>
    public static int ConnectionsFitting(int memoryMiB) => Math.Max(0, (int)((memoryMiB * SheddingShareOfTask - BaseMemoryMiB) * 1024 / PerConnectionKiB));
}
