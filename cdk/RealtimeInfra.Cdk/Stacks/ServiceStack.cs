using Amazon.CDK;
using Amazon.CDK.AWS.CloudWatch;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.ECR;
using Amazon.CDK.AWS.Ecr.Assets;
using Amazon.CDK.AWS.ECS;
using Constructs;
using RealtimeInfra.Cdk.Constructs;
using RealtimeInfra.Cdk.Settings;

namespace RealtimeInfra.Cdk.Stacks;

public sealed class ServiceStackProps : StackProps
{
    /// <summary>dev, prod, …: names the dashboard and the app's metric dimension.</summary>
    public required string EnvironmentName { get; init; }

    public required RealtimeSettings Settings { get; init; }
    public required IVpc Vpc { get; init; }
    public required RedisBackplane Backplane { get; init; }

    /// <summary>The environment's log key (<c>compliance: hipaa</c>), else null.</summary>
    public Amazon.CDK.AWS.KMS.IKey? LogKey { get; init; }

    /// <summary>The AUTH token's rotation, when it rotates: its failures raise an alarm here.</summary>
    public AuthTokenRotation? Rotation { get; init; }

    /// <summary>The environment's secrets key (<c>compliance: hipaa</c>), else null.</summary>
    public Amazon.CDK.AWS.KMS.IKey? SecretKey { get; init; }

    /// <summary>Repository root: the Docker build context for the app image asset.</summary>
    public required string SourceRoot { get; init; }
}

/// <summary>
/// Stateless: load balancer (with its domain, certificate and WAF), Fargate service, scaling,
/// alarms and dashboard. Safe to destroy and recreate.
/// </summary>
public sealed class ServiceStack : Stack
{
    public const string Dockerfile = "app/Realtime.Server/Dockerfile";

    public ServiceStack(Construct scope, string id, ServiceStackProps props)
        : base(scope, id, props)
    {
        var s = props.Settings;
        var retain = s.RetainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
        var arm = s.Service.Architecture == "arm64";
        var logKey = props.LogKey;
        var logRetention = Retention.FromDays(s.Service.LogRetentionDays);

        var lb = s.LoadBalancer;
        var domain = lb.HostedZoneId is { } zoneId
            ? new PublicDomain(this, "Domain", new PublicDomainProps
            {
                DomainName = lb.DomainName!,
                HostedZoneId = zoneId,
                HostedZoneName = lb.HostedZoneName!,
                CertificateArn = lb.CertificateArn,
            })
            : null;

        var loadBalancer = new WebSocketLoadBalancer(this, "LoadBalancer", new WebSocketLoadBalancerProps
        {
            Vpc = props.Vpc,
            CertificateArn = domain?.CertificateArn ?? lb.CertificateArn,
            IdleTimeout = Duration.Seconds(s.LoadBalancer.IdleTimeoutSeconds),
            DeregistrationDelay = Duration.Seconds(s.LoadBalancer.DeregistrationDelaySeconds),
            Stickiness = s.LoadBalancer.StickinessSeconds > 0 ? Duration.Seconds(s.LoadBalancer.StickinessSeconds) : null,
            DeletionProtection = s.LoadBalancer.DeletionProtection,
            AccessLogExpiration = s.LoadBalancer.AccessLogs ? Duration.Days(s.LoadBalancer.AccessLogRetentionDays) : null,
            RemovalPolicy = retain,
            AccessLogAudit = s.Strict,
            ApiPort = s.LoadBalancer.ApiPort,
            ApiAllowedCidrs = s.LoadBalancer.ApiAllowedCidrs,
            TargetPort = AppEnvironment.ContainerPort,
        });

        var service = new WebSocketService(this, "App", new WebSocketServiceProps
        {
            Vpc = props.Vpc,
            Image = Image(s.Service, props.SourceRoot, arm),
            Architecture = arm ? CpuArchitecture.ARM64 : CpuArchitecture.X86_64,
            Cpu = s.Service.Cpu,
            MemoryMiB = s.Service.MemoryMiB,
            DesiredCount = s.Service.DesiredCount,
            ContainerPort = AppEnvironment.ContainerPort,
            OpenFileLimit = TaskBudget.OpenFilesFor(s.Service.MaxConnectionsPerTask),
            StopTimeout = Duration.Seconds(s.Service.StopTimeoutSeconds),
            HealthCheckGracePeriod = Duration.Seconds(s.Service.HealthCheckGraceSeconds),
            LogRetention = logRetention,
            LogRemovalPolicy = retain,
            LogKey = logKey,
            Environment = AppEnvironment.For(props.EnvironmentName, s, props.Backplane),
            Secrets = AppSecrets(s.App, props.Backplane),
            AzRebalancing = s.Service.AzRebalancing,
        });

        loadBalancer.TargetGroup.AddTarget(service.Service);
        SecretReading.GrantDecrypt(service.TaskDefinition.ObtainExecutionRole(), props.Backplane.AuthToken.EncryptionKey);
        if (props.Backplane.AuthTokenRotates)
        {
            AllowReadingRotatedToken(service, props.Backplane);
        }

        DrainNotifier? drain = null;
        if (s.App.DrainOnTaskEvents)
        {
            drain = new DrainNotifier(this, "Drain", new DrainNotifierProps
            {
                Vpc = props.Vpc,
                Service = service,
                ContainerPort = AppEnvironment.ContainerPort,
                TokenVariable = AppEnvironment.DrainToken,
                LogRetention = logRetention,
                LogRemovalPolicy = retain,
                LogKey = logKey,
                SecretKey = props.SecretKey,
                Hardened = s.Strict,
            });
        }

        domain?.PointAt(loadBalancer.LoadBalancer);
        if (lb.Waf)
        {
            _ = new EdgeProtection(this, "Waf", new EdgeProtectionProps
            {
                LoadBalancerArn = loadBalancer.LoadBalancer.LoadBalancerArn,
                RateLimitPer5Minutes = lb.WafRateLimitPer5Minutes,
                Logging = s.Strict
                    ? new WafLogging { Name = id.ToLowerInvariant(), Retention = logRetention, RemovalPolicy = retain, Key = logKey }
                    : null,
            });
        }

        var metricsServiceName = AppEnvironment.MetricsServiceNameOf(props.EnvironmentName);
        service.Connections.AllowToDefaultPort(props.Backplane, "Tasks to the backplane");

        _ = new ServiceAutoScaling(this, "Scaling", new ServiceAutoScalingProps
        {
            Service = service.Service,
            MinTasks = s.Service.MinTasks,
            MaxTasks = s.Service.MaxTasks,
            CpuTargetPercent = s.Service.CpuTargetPercent,
            ConnectionsPerTask = ServiceMonitoring.AppMetric(metricsServiceName, "ConnectionsPerTask", "Average"),
            ConnectionsTargetPerTask = s.Service.ConnectionsTargetPerTask,
        });

        var o = s.Observability;
        var monitoring = new ServiceMonitoring(this, "Monitoring", new ServiceMonitoringProps
        {
            DashboardName = RealtimeStacks.StackPrefix(props.EnvironmentName),
            MetricsServiceName = metricsServiceName,
            LoadBalancer = loadBalancer.LoadBalancer,
            TargetGroup = loadBalancer.TargetGroup,
            Service = service.Service,
            Cluster = service.Cluster,
            CacheNodeIds = props.Backplane.NodeIds,
            MinTasks = s.Service.MinTasks,
            AlarmEmail = o.AlarmEmail,
            Http5xxPercent = o.Http5xxPercent,
            DeliveryLagP99Milliseconds = o.DeliveryLagP99Milliseconds,
            DroppedPerMinute = o.DroppedPerMinute,
            RefusedPerMinute = o.RefusedPerMinute,
            CacheCpuPercent = o.CacheCpuPercent,
            CacheMemoryPercent = o.CacheMemoryPercent,
            RemovalPolicy = retain,
            RotationErrors = props.Rotation?.Function.MetricErrors(new MetricOptions { Period = Duration.Minutes(5), Statistic = "Sum" }),
            DrainDeadLetters = drain?.DeadLetters?.MetricApproximateNumberOfMessagesVisible(new MetricOptions { Period = Duration.Minutes(5), Statistic = "Maximum" }),
        });

        var host = lb.DomainName ?? loadBalancer.LoadBalancer.LoadBalancerDnsName;
        var secure = loadBalancer.Secure;
        _ = new CfnOutput(this, "WebSocketUrl", new CfnOutputProps
        {
            Value = $"{(secure ? "wss" : "ws")}://{host}/ws",
            Description = "Where clients open their WebSocket",
        });
        _ = new CfnOutput(this, "HttpUrl", new CfnOutputProps
        {
            Value = $"{(secure ? "https" : "http")}://{host}",
            Description = "Demo page and health",
        });
        _ = new CfnOutput(this, "ApiUrl", new CfnOutputProps
        {
            Value = $"{(secure ? "https" : "http")}://{host}:{s.LoadBalancer.ApiPort}/api",
            Description = "The server API, reachable only from loadBalancer.apiAllowedCidrs",
        });
        _ = new CfnOutput(this, "ClusterName", new CfnOutputProps { Value = service.Cluster.ClusterName });
        _ = new CfnOutput(this, "ServiceName", new CfnOutputProps { Value = service.Service.ServiceName });
        _ = new CfnOutput(this, "AlarmTopicArn", new CfnOutputProps { Value = monitoring.Topic.TopicArn, Description = "Subscribe on-call here" });
        _ = new CfnOutput(this, "DashboardName", new CfnOutputProps { Value = monitoring.Dashboard.DashboardName });
    }

    /// <summary>
    /// The app re-reads a rotated AUTH token through Parameter Store's reference to Secrets Manager
    /// (<c>/aws/reference/secretsmanager/NAME</c>): Parameter Store passes the call on with the task's
    /// own identity, so reading the secret (and its key) is granted as well, to this secret only.
    /// </summary>
    private void AllowReadingRotatedToken(WebSocketService service, RedisBackplane backplane)
    {
        var taskRole = service.TaskDefinition.TaskRole;
        SecretReading.GrantRead(this, "AuthTokenForTasks", backplane.AuthToken, taskRole);
        taskRole.AddToPrincipalPolicy(new Amazon.CDK.AWS.IAM.PolicyStatement(new Amazon.CDK.AWS.IAM.PolicyStatementProps
        {
            Actions = ["ssm:GetParameter"],
            Resources = [FormatArn(new ArnComponents { Service = "ssm", Resource = "parameter", ResourceName = "aws/reference/secretsmanager/*" })],
        }));
        NagSuppressions.AddToDefaultPolicy(taskRole,
            new NagSuppression($"AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ssm:{(Token.IsUnresolved(Region) ? "<AWS::Region>" : Region)}:<AWS::AccountId>:parameter/aws/reference/secretsmanager/*]",
                "Parameter Store's reference path to Secrets Manager; what it returns is bounded by secretsmanager:GetSecretValue, granted on the AUTH token alone."));
    }

    /// <summary>
    /// The cache's AUTH token, and the app's settings kept in Secrets Manager (<c>app.secretSettings</c>,
    /// the proxy's shared secret say): ECS reads each when a task starts, and grants its execution role
    /// reading exactly these.
    /// </summary>
    private Dictionary<string, Amazon.CDK.AWS.ECS.Secret> AppSecrets(AppSettings app, RedisBackplane backplane)
    {
        var secrets = new Dictionary<string, Amazon.CDK.AWS.ECS.Secret>
        {
            [AppEnvironment.RedisPassword] = Amazon.CDK.AWS.ECS.Secret.FromSecretsManager(SecretReading.KeylessView(this, "AuthToken", backplane.AuthToken)),
        };
        foreach (var (key, arn) in app.SecretSettings.OrderBy(s => s.Key, StringComparer.Ordinal))
        {
            // The construct id follows the key, so reordering the settings changes nothing.
            var secret = Amazon.CDK.AWS.SecretsManager.Secret.FromSecretCompleteArn(this, "AppSecret-" + key.Replace(':', '-'), arn);
            secrets[AppEnvironment.Variable(key)] = Amazon.CDK.AWS.ECS.Secret.FromSecretsManager(secret);
        }

        return secrets;
    }

    /// <summary>The Dockerfile as an asset by default; an ECR repository and tag when CI pushed one.</summary>
    private ContainerImage Image(ServiceSettings service, string sourceRoot, bool arm)
    {
        if (service.ImageRepositoryName is { } repositoryName)
        {
            var repository = Repository.FromRepositoryName(this, "Repository", repositoryName);
            return ContainerImage.FromEcrRepository(repository, service.ImageTag);
        }

        return ContainerImage.FromAsset(sourceRoot, new AssetImageProps
        {
            File = Dockerfile,
            Platform = arm ? Platform_.LINUX_ARM64 : Platform_.LINUX_AMD64,
        });
    }
}
