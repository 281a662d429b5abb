using System.Net;
using System.Text.RegularExpressions;

namespace RealtimeInfra.Cdk.Settings;

/// <summary>
/// Checks every setting and the cross-checks that tie the infrastructure to the app's timing.
/// Runs before any construct exists; returns all problems, each naming the setting, its value
/// and what is allowed.
/// </summary>
public static partial class SettingsValidator
{
    /// <summary>Fargate refuses a container stop timeout above two minutes.</summary>
    public const int FargateMaxStopTimeoutSeconds = 120;

    /// <summary>
    /// Time the app's host needs after the drain (the last closes, the backplane): the same number as
    /// the app's <c>RealtimeOptions.ShutdownMarginSeconds</c>, which is its shutdown timeout beyond the drain.
    /// </summary>
    public const int StopTimeoutMarginSeconds = 10;

    /// <summary>
    /// From ECS deciding to stop a task to the last close of its drain, beyond the drain window: the
    /// node notices within a poll (2 s) or an event, and gives the last clients up to 5 s to close.
    /// </summary>
    public const int DrainDetectionMarginSeconds = 10;

    /// <summary>
    /// The scaling target's highest share of a task's connection limit: scaling out takes minutes,
    /// and the clients that arrive meanwhile need the rest.
    /// </summary>
    public const double MaxScalingTargetShare = 0.8;

    /// <summary>
    /// ElastiCache's ceiling on the nodes (shards × (1 + replicas)) of one cluster-mode cluster: 90 by
    /// default, raised on request ("Nodes per cluster") up to 500 for valkey 7.2+ and redis 5.0.6+.
    /// </summary>
    public const int MaxClusterNodes = 500;

    /// <summary>Sharded pub/sub (SSUBSCRIBE/SPUBLISH), which the app uses on a cluster, arrived in Redis OSS 7.0.</summary>
    public static readonly Version MinClusterEngineVersion = new(7, 0);

    /// <summary>Values CloudWatch Logs accepts for a retention period (the same table the constructs map them with).</summary>
    public static readonly IReadOnlySet<int> LogRetentionDays = Constructs.Retention.Days.Order().ToHashSet();

    /// <summary>Fargate CPU units and the memory (MiB) each allows: minimum, maximum, step.</summary>
    private static readonly Dictionary<int, (int Min, int Max, int Step)> FargateMemory = new()
    {
        [256] = (512, 2048, 512),
        [512] = (1024, 4096, 1024),
        [1024] = (2048, 8192, 1024),
        [2048] = (4096, 16384, 1024),
        [4096] = (8192, 30720, 1024),
        [8192] = (16384, 61440, 4096),
        [16384] = (32768, 122880, 8192),
    };

    public static IReadOnlyList<string> Validate(RealtimeSettings s)
    {
        var p = new List<string>();
        ValidateEnvironment(s, p);
        ValidateCompliance(s, p);
        ValidateNetwork(s.Network, p);
        ValidateBackplane(s.Backplane, p);
        ValidateService(s.Service, p);
        ValidateLoadBalancer(s.LoadBalancer, p);
        ValidateApp(s.App, p);
        ValidateObservability(s.Observability, p);
        CrossCheck(s, p);
        return p;
    }

    private static void ValidateEnvironment(RealtimeSettings s, List<string> p)
    {
        if (s.Account is { } account && !AccountPattern().IsMatch(account))
        {
            p.Add($"account = '{account}': must be a 12-digit AWS account id, or left out for an environment-agnostic synth");
        }

        if (s.Region is { } region && !RegionPattern().IsMatch(region))
        {
            p.Add($"region = '{region}': must be an AWS region name such as eu-west-1, or left out");
        }

        if (s.Account is not null && s.Region is null)
        {
            p.Add($"account = '{s.Account}': needs region as well");
        }
    }

    /// <summary>What <c>compliance: hipaa</c> cannot build on its own: settings the packs' rules need on.</summary>
    private static void ValidateCompliance(RealtimeSettings s, List<string> p)
    {
        if (!ComplianceLevel.All.Contains(s.Compliance))
        {
            p.Add($"compliance = '{s.Compliance}': must be one of {string.Join(", ", ComplianceLevel.All.Select(l => $"'{l}'"))} (docs/compliance.md)");
            return;
        }

        if (!s.Strict)
        {
            return;
        }

        var why = $"compliance = '{ComplianceLevel.Hipaa}' (docs/compliance.md)";
        if (s.Backplane.SnapshotRetentionDays is { } days && days < ComplianceLevel.MinSnapshotRetentionDays)
        {
            p.Add($"backplane.snapshotRetentionDays = {days}: must be at least {ComplianceLevel.MinSnapshotRetentionDays} with {why}, whose backup rule asks for 15 days");
        }

        if (s.Backplane.AuthTokenRotationDays == 0)
        {
            p.Add($"backplane.authTokenRotationDays = 0: must rotate (1 to {ComplianceLevel.MaxAuthTokenRotationDays} days) with {why}");
        }

        if (!s.LoadBalancer.Waf)
        {
            p.Add($"loadBalancer.waf = false: must be true with {why}; its rules and logs are part of what the packs check");
        }

        if (!s.LoadBalancer.AccessLogs)
        {
            p.Add($"loadBalancer.accessLogs = false: must be true with {why}");
        }
    }

    private static void ValidateNetwork(NetworkSettings n, List<string> p)
    {
        Range(p, "network.maxAzs", n.MaxAzs, 2, 3, "the ALB and Multi-AZ cache need at least two zones");
        Range(p, "network.natGateways", n.NatGateways, 1, n.MaxAzs, "tasks in private subnets reach ECR and Secrets Manager through NAT; at most one per AZ");
        Retention(p, "network.flowLogRetentionDays", n.FlowLogRetentionDays);
        if (!IPNetwork.TryParse(n.VpcCidr, out var cidr) || cidr.BaseAddress.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork
            || cidr.PrefixLength is < 16 or > 19)
        {
            p.Add($"network.vpcCidr = '{n.VpcCidr}': must be an IPv4 CIDR block with a prefix from /16 to /19 (public subnets get prefix + 8, which must still fit an ALB)");
        }
    }

    private static void ValidateBackplane(BackplaneSettings b, List<string> p)
    {
        if (b.Engine is not ("valkey" or "redis"))
        {
            p.Add($"backplane.engine = '{b.Engine}': must be 'valkey' or 'redis'");
        }

        Version? version = null;
        if (string.IsNullOrWhiteSpace(b.EngineVersion) || !EngineVersionPattern().IsMatch(b.EngineVersion))
        {
            p.Add($"backplane.engineVersion = '{b.EngineVersion}': must be set to MAJOR.MINOR, e.g. 7.2 (valkey) or 7.1 (redis)");
        }
        else
        {
            version = Version.Parse(b.EngineVersion);
            var minimum = b.Engine == "valkey" ? new Version(7, 2) : new Version(6, 2);
            if (version < minimum)
            {
                p.Add($"backplane.engineVersion = '{b.EngineVersion}': {b.Engine} needs {minimum} or newer (the version the app's Lua scripts are written and tested for)");
            }
        }

        if (!b.NodeType.StartsWith("cache.", StringComparison.Ordinal))
        {
            p.Add($"backplane.nodeType = '{b.NodeType}': must be an ElastiCache node type such as cache.t4g.small");
        }

        Range(p, "backplane.replicas", b.Replicas, 0, 5, "ElastiCache allows up to five replicas per shard");
        ValidateClusterMode(b, version, p);
        Range(p, "backplane.port", b.Port, 1024, 65535, "an unprivileged TCP port");
        if (b.SnapshotRetentionDays is { } snapshotDays)
        {
            Range(p, "backplane.snapshotRetentionDays", snapshotDays, 0, 35, "ElastiCache keeps snapshots up to 35 days; 0 turns them off");
        }

        if (b.AuthTokenRotationDays is { } rotationDays)
        {
            Range(p, "backplane.authTokenRotationDays", rotationDays, 0, ComplianceLevel.MaxAuthTokenRotationDays, "days between AUTH token rotations, as Secrets Manager schedules them; 0 turns rotation off");
        }

        if (!SnapshotWindowPattern().IsMatch(b.SnapshotWindow))
        {
            p.Add($"backplane.snapshotWindow = '{b.SnapshotWindow}': must be hh24:mi-hh24:mi in UTC, e.g. 02:00-03:00");
        }

        if (!MaintenanceWindowPattern().IsMatch(b.MaintenanceWindow))
        {
            p.Add($"backplane.maintenanceWindow = '{b.MaintenanceWindow}': must be ddd:hh24:mi-ddd:hh24:mi in UTC, e.g. sun:04:00-sun:05:00");
        }
    }

    private static void ValidateClusterMode(BackplaneSettings b, Version? version, List<string> p)
    {
        Range(p, "backplane.shards", b.Shards, 1, MaxClusterNodes, "ElastiCache allows up to 500 shards in a cluster (90 nodes until the quota is raised)");
        if (!b.ClusterMode)
        {
            if (b.Shards is > 1 and <= MaxClusterNodes)
            {
                p.Add($"backplane.shards = {b.Shards}: needs backplane.clusterMode = true; without cluster mode the backplane is one shard");
            }

            return;
        }

        if (version is not null && version < MinClusterEngineVersion)
        {
            p.Add($"backplane.clusterMode = true: needs backplane.engineVersion {MinClusterEngineVersion} or newer (is '{b.EngineVersion}'); on a cluster the app publishes with sharded pub/sub (SPUBLISH), new in 7.0");
        }

        var nodes = b.Shards * (1 + b.Replicas);
        if (b.Shards is >= 1 and <= MaxClusterNodes && b.Replicas is >= 0 and <= 5 && nodes > MaxClusterNodes)
        {
            p.Add($"backplane.shards = {b.Shards}: with backplane.replicas = {b.Replicas} makes {nodes} nodes (shards × (1 + replicas)); ElastiCache allows at most {MaxClusterNodes} in a cluster");
        }
    }

    private static void ValidateService(ServiceSettings s, List<string> p)
    {
        if (!FargateMemory.TryGetValue(s.Cpu, out var memory))
        {
            p.Add($"service.cpu = {s.Cpu}: must be one of {string.Join(", ", FargateMemory.Keys)} (Fargate CPU units)");
        }
        else if (s.MemoryMiB < memory.Min || s.MemoryMiB > memory.Max || (s.MemoryMiB - memory.Min) % memory.Step != 0)
        {
            p.Add($"service.memoryMiB = {s.MemoryMiB}: with cpu {s.Cpu} Fargate allows {memory.Min} to {memory.Max} in steps of {memory.Step}");
        }

        if (s.Architecture is not ("arm64" or "x86_64"))
        {
            p.Add($"service.architecture = '{s.Architecture}': must be 'arm64' or 'x86_64'");
        }

        Range(p, "service.minTasks", s.MinTasks, 1, 1000, "at least one task serves traffic");
        Range(p, "service.maxTasks", s.MaxTasks, 1, 1000, "ECS allows up to 1000 tasks per service");
        Range(p, "service.cpuTargetPercent", s.CpuTargetPercent, 10, 90, "a target the autoscaler can hold");
        Range(p, "service.connectionsTargetPerTask", s.ConnectionsTargetPerTask, 100, 100_000, "open sockets per task the autoscaler aims for");
        Range(p, "service.maxConnectionsPerTask", s.MaxConnectionsPerTask, 100, TaskBudget.FargateMaxOpenFiles - TaskBudget.PendingConnections - TaskBudget.ReservedFileDescriptors,
            "its open files must fit Fargate's nofile limit of 1048576");
        Range(p, "service.healthCheckGraceSeconds", s.HealthCheckGraceSeconds, 0, 3600, "seconds");
        Retention(p, "service.logRetentionDays", s.LogRetentionDays);
        if (s.ImageTag is not null && s.ImageRepositoryName is null)
        {
            p.Add($"service.imageTag = '{s.ImageTag}': needs service.imageRepositoryName (the ECR repository that holds the tag)");
        }

        if (s.ImageRepositoryName is not null && string.IsNullOrWhiteSpace(s.ImageTag))
        {
            p.Add($"service.imageTag = (empty): required when service.imageRepositoryName = '{s.ImageRepositoryName}'; pass -c imageTag=TAG");
        }

        if (s.ImageRepositoryName is { } repo && !RepositoryPattern().IsMatch(repo))
        {
            p.Add($"service.imageRepositoryName = '{repo}': must be an ECR repository name (lowercase letters, digits, . _ - /)");
        }
    }

    private static void ValidateLoadBalancer(LoadBalancerSettings lb, List<string> p)
    {
        Range(p, "loadBalancer.idleTimeoutSeconds", lb.IdleTimeoutSeconds, 1, 4000, "the ALB's limits");
        Range(p, "loadBalancer.deregistrationDelaySeconds", lb.DeregistrationDelaySeconds, 0, 3600, "the target group's limits");
        Range(p, "loadBalancer.stickinessSeconds", lb.StickinessSeconds, 0, 604800, "lb_cookie duration, 0 (off) to seven days");
        Retention(p, "loadBalancer.accessLogRetentionDays", lb.AccessLogRetentionDays);
        Range(p, "loadBalancer.apiPort", lb.ApiPort, 1024, 65535, "a port of its own, not 80 or 443");
        foreach (var cidr in lb.ApiAllowedCidrs.Where(c => !IPv4CidrPattern().IsMatch(c ?? "")))
        {
            p.Add($"loadBalancer.apiAllowedCidrs: '{cidr}' is not an IPv4 CIDR block (e.g. 203.0.113.7/32)");
        }

        if (lb.ApiAllowedCidrs.Contains("0.0.0.0/0"))
        {
            p.Add("loadBalancer.apiAllowedCidrs: 0.0.0.0/0 opens the server API to the internet; list your backends' addresses");
        }
        if (lb.CertificateArn is { } arn && !CertificateArnPattern().IsMatch(arn))
        {
            p.Add($"loadBalancer.certificateArn = '{arn}': must be an ACM certificate ARN (arn:aws:acm:REGION:ACCOUNT:certificate/ID)");
        }

        if (lb.DomainName is { } domain && !DomainPattern().IsMatch(domain))
        {
            p.Add($"loadBalancer.domainName = '{domain}': must be a DNS name such as rt.example.com");
        }

        if (lb.HostedZoneId is { } zoneId && !HostedZoneIdPattern().IsMatch(zoneId))
        {
            p.Add($"loadBalancer.hostedZoneId = '{zoneId}': must be a Route 53 hosted zone id such as Z0123456789ABCDEFGHIJ");
        }

        if (lb.HostedZoneName is { } zoneName && !DomainPattern().IsMatch(zoneName))
        {
            p.Add($"loadBalancer.hostedZoneName = '{zoneName}': must be a DNS name such as example.com");
        }

        if ((lb.HostedZoneId is null) != (lb.HostedZoneName is null))
        {
            p.Add($"loadBalancer.hostedZoneId = '{lb.HostedZoneId}', hostedZoneName = '{lb.HostedZoneName}': give both or neither");
        }

        if (lb.HostedZoneId is not null && lb.DomainName is null)
        {
            p.Add($"loadBalancer.hostedZoneId = '{lb.HostedZoneId}': needs loadBalancer.domainName, the name to create in the zone");
        }

        if (lb.DomainName is { } name && lb.HostedZoneName is { } zone
            && name != zone && !name.EndsWith("." + zone, StringComparison.Ordinal))
        {
            p.Add($"loadBalancer.domainName = '{name}': must be in loadBalancer.hostedZoneName = '{zone}'");
        }

        Range(p, "loadBalancer.wafRateLimitPer5Minutes", lb.WafRateLimitPer5Minutes, 10, 2_000_000_000, "the limits of a WAF rate-based rule");
    }

    private static void ValidateObservability(ObservabilitySettings o, List<string> p)
    {
        if (o.AlarmEmail is { } email && !EmailPattern().IsMatch(email))
        {
            p.Add($"observability.alarmEmail = '{email}': must be an e-mail address, or left out");
        }

        Range(p, "observability.http5xxPercent", o.Http5xxPercent, 1, 100, "percent of requests");
        Range(p, "observability.deliveryLagP99Milliseconds", o.DeliveryLagP99Milliseconds, 10, 600_000, "milliseconds");
        Range(p, "observability.droppedPerMinute", o.DroppedPerMinute, 1, 100_000_000, "messages a minute");
        Range(p, "observability.refusedPerMinute", o.RefusedPerMinute, 1, 100_000_000, "connections a minute");
        Range(p, "observability.cacheCpuPercent", o.CacheCpuPercent, 1, 100, "percent");
        Range(p, "observability.cacheMemoryPercent", o.CacheMemoryPercent, 1, 100, "percent");
    }

    private static void ValidateApp(AppSettings a, List<string> p)
    {
        Range(p, "app.rebalance.marginPercent", a.Rebalance.MarginPercent, 1, 100, "percent from the fleet's average");
        Range(p, "app.rebalance.minConnections", a.Rebalance.MinConnections, 0, 1_000_000, "connections");
        Range(p, "app.rebalance.windowSeconds", a.Rebalance.WindowSeconds, 0, 3600, "seconds");
        Range(p, "app.heartbeatSeconds", a.HeartbeatSeconds, 5, 300, "seconds between server pings");
        Range(p, "app.drainSeconds", a.DrainSeconds, 0, FargateMaxStopTimeoutSeconds - StopTimeoutMarginSeconds, "seconds to spread reconnects over");
        foreach (var (key, value) in a.Settings)
        {
            AppSettingKey(p, "app.settings", key);
            if (a.SecretSettings.Keys.Contains(key, StringComparer.OrdinalIgnoreCase))
            {
                p.Add($"app.settings.{key}: also in app.secretSettings; give it in one of them");
            }

            if (value is null)
            {
                p.Add($"app.settings.{key}: needs a value (text)");
            }
        }

        foreach (var twins in a.Settings.Keys.Concat(a.SecretSettings.Keys).GroupBy(k => k, StringComparer.OrdinalIgnoreCase).Where(g => g.Distinct(StringComparer.Ordinal).Count() > 1))
        {
            p.Add($"app.settings / app.secretSettings: {string.Join(" and ", twins.Distinct(StringComparer.Ordinal))} differ only in case; the app reads keys without regard to case");
        }

        foreach (var (key, arn) in a.SecretSettings)
        {
            AppSettingKey(p, "app.secretSettings", key);
            if (arn is null || !SecretArn().IsMatch(arn))
            {
                p.Add($"app.secretSettings.{key} = '{arn}': must be a Secrets Manager secret's complete ARN (arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME-xxxxxx)");
            }
        }
    }

    /// <summary>What the stack sets on every task itself, from its own settings: not to be given twice.</summary>
    private static readonly string[] StackOwnedAppSettings =
        ["Redis:", "HeartbeatSeconds", "DrainSeconds", "Drain:Token", "MaxConnections", "Rebalance:", "Metrics:"];

    private static void AppSettingKey(List<string> p, string setting, string key)
    {
        if (!AppKey().IsMatch(key))
        {
            p.Add($"{setting}.{key}: not a key of the app's Realtime section (parts of letters, digits, _ - . @ joined by ':', e.g. Namespaces:booking:Proxy:Claim:Url)");
        }
        else if (StackOwnedAppSettings.FirstOrDefault(owned => owned.EndsWith(':') ? key.StartsWith(owned, StringComparison.OrdinalIgnoreCase) : key.Equals(owned, StringComparison.OrdinalIgnoreCase)) is { } owned)
        {
            p.Add($"{setting}.{key}: the stack sets Realtime:{owned.TrimEnd(':')} itself from its own settings (app.*, service.*, the backplane); change those instead");
        }
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"\A[A-Za-z0-9_.@\-]+(:[A-Za-z0-9_.@\-]+)*\z")]
    private static partial System.Text.RegularExpressions.Regex AppKey();

    [System.Text.RegularExpressions.GeneratedRegex(@"\Aarn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:[A-Za-z0-9/_+=.@\-]+\z")]
    private static partial System.Text.RegularExpressions.Regex SecretArn();

    /// <summary>The checks that tie settings of different parts together (DESIGN §4).</summary>
    private static void CrossCheck(RealtimeSettings s, List<string> p)
    {
        var lb = s.LoadBalancer;
        var app = s.App;
        var service = s.Service;
        if (lb.IdleTimeoutSeconds < 2 * app.HeartbeatSeconds)
        {
            p.Add($"loadBalancer.idleTimeoutSeconds = {lb.IdleTimeoutSeconds}: must be at least 2 × app.heartbeatSeconds = {2 * app.HeartbeatSeconds}, or the ALB cuts quiet sockets between pings");
        }

        var minimumDelay = app.DrainSeconds + DrainDetectionMarginSeconds;
        if (lb.DeregistrationDelaySeconds < minimumDelay)
        {
            p.Add($"loadBalancer.deregistrationDelaySeconds = {lb.DeregistrationDelaySeconds}: must be at least app.drainSeconds + {DrainDetectionMarginSeconds} = {minimumDelay}: the drain starts when ECS deregisters the task and must end before the ALB cuts the sockets it still holds");
        }

        if (app.Rebalance.Enabled && lb.StickinessSeconds > 0)
        {
            p.Add($"loadBalancer.stickinessSeconds = {lb.StickinessSeconds}: must be 0 while app.rebalance.enabled, or the ALB sends every client a task asks to leave back to that task");
        }

        var minimumStop = app.DrainSeconds + StopTimeoutMarginSeconds;
        if (service.StopTimeoutSeconds < minimumStop || service.StopTimeoutSeconds > FargateMaxStopTimeoutSeconds)
        {
            p.Add($"service.stopTimeoutSeconds = {service.StopTimeoutSeconds}: must be from app.drainSeconds + {StopTimeoutMarginSeconds} = {minimumStop} to {FargateMaxStopTimeoutSeconds} (Fargate's limit)");
        }

        if (service.MinTasks > service.DesiredCount || service.DesiredCount > service.MaxTasks)
        {
            p.Add($"service.desiredCount = {service.DesiredCount}: must satisfy service.minTasks ({service.MinTasks}) ≤ desiredCount ≤ service.maxTasks ({service.MaxTasks})");
        }

        CheckTaskBudget(service, p);

        if (s.Backplane.MultiAz && s.Backplane.Replicas < 1)
        {
            var perShard = s.Backplane.ClusterMode ? " in each shard, since with backplane.clusterMode = true replicas counts the replicas of each shard" : "";
            p.Add($"backplane.multiAz = true: needs backplane.replicas ≥ 1 (is {s.Backplane.Replicas}); Multi-AZ fails over to a replica{perShard}");
        }

        if (lb.AccessLogs && s.Region is null)
        {
            p.Add("loadBalancer.accessLogs = true: needs region, since the log bucket's policy names that region's load-balancer log-delivery account");
        }

        if (lb.DomainName is not null && lb.CertificateArn is null && lb.HostedZoneId is null)
        {
            p.Add($"loadBalancer.domainName = '{lb.DomainName}': needs loadBalancer.certificateArn, or loadBalancer.hostedZoneId and hostedZoneName to make a DNS-validated one; clients reach a domain over wss://");
        }
    }

    /// <summary>Connections per task against the task's memory, and the scaling target well under them.</summary>
    private static void CheckTaskBudget(ServiceSettings service, List<string> p)
    {
        var needed = TaskBudget.MemoryMiBFor(service.MaxConnectionsPerTask);
        var share = service.MemoryMiB * TaskBudget.SheddingShareOfTask;
        if (needed > share)
        {
            p.Add($"service.maxConnectionsPerTask = {service.MaxConnectionsPerTask}: needs about {needed} MiB ({TaskBudget.BaseMemoryMiB} MiB for the node + {TaskBudget.PerConnectionKiB} KiB per connection, measured), "
                + $"more than the {share:F0} MiB of service.memoryMiB = {service.MemoryMiB} the app may fill before it refuses upgrades ({TaskBudget.SheddingShareOfTask:P1}); "
                + $"lower it to at most {TaskBudget.ConnectionsFitting(service.MemoryMiB)} or raise service.memoryMiB");
        }

        var targetCeiling = (int)(service.MaxConnectionsPerTask * MaxScalingTargetShare);
        if (service.ConnectionsTargetPerTask > targetCeiling)
        {
            p.Add($"service.connectionsTargetPerTask = {service.ConnectionsTargetPerTask}: must be at most {MaxScalingTargetShare:P0} of service.maxConnectionsPerTask = {service.MaxConnectionsPerTask} ({targetCeiling}), "
                + "so tasks keep room for the clients that arrive while the autoscaler adds tasks");
        }
    }

    private static void Range(List<string> p, string name, int value, int min, int max, string why)
    {
        if (value < min || value > max)
        {
            p.Add($"{name} = {value}: must be from {min} to {max} ({why})");
        }
    }

    private static void Retention(List<string> p, string name, int days)
    {
        if (!LogRetentionDays.Contains(days))
        {
            p.Add($"{name} = {days}: must be a CloudWatch Logs retention period: {string.Join(", ", LogRetentionDays)}");
        }
    }

    [GeneratedRegex(@"^\d{12}$")]
    private static partial Regex AccountPattern();

    [GeneratedRegex(@"^[a-z]{2}(-gov)?-[a-z]+-\d$")]
    private static partial Regex RegionPattern();

    [GeneratedRegex(@"^\d+\.\d+$")]
    private static partial Regex EngineVersionPattern();

    [GeneratedRegex(@"^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$")]
    private static partial Regex SnapshotWindowPattern();

    [GeneratedRegex(@"^(mon|tue|wed|thu|fri|sat|sun):([01]\d|2[0-3]):[0-5]\d-(mon|tue|wed|thu|fri|sat|sun):([01]\d|2[0-3]):[0-5]\d$")]
    private static partial Regex MaintenanceWindowPattern();

    [GeneratedRegex(@"^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$")]
    private static partial Regex RepositoryPattern();

    [GeneratedRegex(@"^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate/[A-Za-z0-9-]+$")]
    private static partial Regex CertificateArnPattern();

    [GeneratedRegex(@"^Z[A-Z0-9]{1,32}$")]
    private static partial Regex HostedZoneIdPattern();

    [GeneratedRegex(@"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
    private static partial Regex EmailPattern();

    [GeneratedRegex(@"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")]
    private static partial Regex DomainPattern();

    [GeneratedRegex(@"\A(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}/(3[0-2]|[12]?\d)\z")]
    private static partial Regex IPv4CidrPattern();
}
