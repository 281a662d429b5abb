using Amazon.CDK;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.ECS;
using Amazon.CDK.AWS.KMS;
using Amazon.CDK.AWS.Logs;
using Constructs;

namespace RealtimeInfra.Cdk.Constructs;

public sealed record WebSocketServiceProps
{
    public required IVpc Vpc { get; init; }

    public required ContainerImage Image { get; init; }

    public SubnetSelection Subnets { get; init; } = new() { SubnetType = SubnetType.PRIVATE_WITH_EGRESS };

    /// <summary>Graviton costs less per connection; the image is built for both.</summary>
    public required CpuArchitecture Architecture { get; init; }

    public required int Cpu { get; init; }
    public required int MemoryMiB { get; init; }
    public required int DesiredCount { get; init; }

    /// <summary>The port Kestrel listens on inside the container; the load balancer's target port.</summary>
    public required int ContainerPort { get; init; }

    /// <summary>
    /// The container's open-file limit (nofile, soft and hard), set explicitly so the app's file
    /// budget never rests on a platform default. 65535 is Fargate's own.
    /// </summary>
    public required int OpenFileLimit { get; init; }

    public required Duration StopTimeout { get; init; }
    public required Duration HealthCheckGracePeriod { get; init; }
    public required RetentionDays LogRetention { get; init; }
    public required RemovalPolicy LogRemovalPolicy { get; init; }

    /// <summary>Customer-managed key of the app's log group; null: CloudWatch Logs' own encryption.</summary>
    public IKey? LogKey { get; init; }

    /// <summary>Plain settings for the app (no secrets: those go in <see cref="Secrets"/>).</summary>
    public required IReadOnlyDictionary<string, string> Environment { get; init; }

    /// <summary>Values ECS fetches at task start and injects; never visible in the task definition.</summary>
    public required IReadOnlyDictionary<string, Secret> Secrets { get; init; }

    /// <summary>ECS moves tasks back to an even spread over the AZs after an imbalance (e.g. an AZ outage).</summary>
    public required bool AzRebalancing { get; init; }
}

/// <summary>
/// The app on ECS Fargate: cluster, task definition, one container and the service, deployed
/// with a circuit breaker and rolling 100/200 % so capacity never drops during a deploy.
/// </summary>
public sealed class WebSocketService : Construct, IConnectable
{
    /// <summary>UID of the non-root 'app' user that the .NET runtime images ship.</summary>
    public const string NonRootUser = "1654";

    public const string ContainerName = "realtime";

    public WebSocketService(Construct scope, string id, WebSocketServiceProps props)
        : base(scope, id)
    {
        Cluster = new Cluster(this, "Cluster", new ClusterProps
        {
            Vpc = props.Vpc,
            ContainerInsights = true,
        });

        var taskDefinition = TaskDefinition = new FargateTaskDefinition(this, "Task", new FargateTaskDefinitionProps
        {
            Cpu = props.Cpu,
            MemoryLimitMiB = props.MemoryMiB,
            RuntimePlatform = new RuntimePlatform
            {
                CpuArchitecture = props.Architecture,
                OperatingSystemFamily = OperatingSystemFamily.LINUX,
            },
        });

        var logs = new LogGroup(this, "Logs", new LogGroupProps
        {
            Retention = props.LogRetention,
            RemovalPolicy = props.LogRemovalPolicy,
            EncryptionKey = props.LogKey,
        });

        Container = taskDefinition.AddContainer(ContainerName, new ContainerDefinitionOptions
        {
            Image = props.Image,
            Essential = true,
            // The task's memory as the container's own limit too: without it .NET on Fargate sees the
            // host's memory, not the task's (dotnet/runtime#82815), sizes its heap for that, and the
            // app's memory guard measures against a limit the task does not have.
            MemoryLimitMiB = props.MemoryMiB,
            User = NonRootUser,
            PortMappings = [new PortMapping { ContainerPort = props.ContainerPort, Protocol = Amazon.CDK.AWS.ECS.Protocol.TCP }],
            Environment = props.Environment.ToDictionary(),
            Secrets = props.Secrets.ToDictionary(),
            Logging = LogDriver.AwsLogs(new AwsLogDriverProps { LogGroup = logs, StreamPrefix = ContainerName }),
            // ECS waits this long after SIGTERM before SIGKILL: the app's drain must fit inside.
            StopTimeout = props.StopTimeout,
            // The runtime image has no shell or curl, so the app checks itself (--health).
            HealthCheck = new Amazon.CDK.AWS.ECS.HealthCheck
            {
                Command = ["CMD", "dotnet", "/app/Realtime.Server.dll", "--health"],
                Interval = Duration.Seconds(30),
                Timeout = Duration.Seconds(5),
                Retries = 3,
                StartPeriod = Duration.Seconds(15),
            },
        });
        // The app checks its connection limit against this at start and refuses to start past it.
        Container.AddUlimits(new Ulimit { Name = UlimitName.NOFILE, SoftLimit = props.OpenFileLimit, HardLimit = props.OpenFileLimit });

        SecurityGroup = new SecurityGroup(this, "SecurityGroup", new SecurityGroupProps
        {
            Vpc = props.Vpc,
            Description = "RealtimeInfra tasks: ingress from the load balancer only",
            AllowAllOutbound = false,
        });
        // ECR, CloudWatch Logs and Secrets Manager are HTTPS APIs; the backplane rule is added by the caller.
        SecurityGroup.AddEgressRule(Peer.AnyIpv4(), Amazon.CDK.AWS.EC2.Port.Tcp(443), "AWS APIs over HTTPS");

        Service = new FargateService(this, "Service", new FargateServiceProps
        {
            Cluster = Cluster,
            TaskDefinition = taskDefinition,
            DesiredCount = props.DesiredCount,
            VpcSubnets = props.Subnets,
            SecurityGroups = [SecurityGroup],
            AssignPublicIp = false,
            MinHealthyPercent = 100,
            MaxHealthyPercent = 200,
            CircuitBreaker = new DeploymentCircuitBreaker { Enable = true, Rollback = true },
            HealthCheckGracePeriod = props.HealthCheckGracePeriod,
            EnableECSManagedTags = true,
            PropagateTags = PropagatedTagSource.SERVICE,
        });

        // Not in the 2.160 L2 (CloudFormation has it since 2024), hence the override. Set either way
        // so the choice is explicit rather than whatever the account's default becomes.
        ((CfnService)Service.Node.DefaultChild!).AddPropertyOverride(
            "AvailabilityZoneRebalancing", props.AzRebalancing ? "ENABLED" : "DISABLED");

        NagSuppressions.Add(taskDefinition,
            new NagSuppression("AwsSolutions-ECS2", "The variables are non-secret settings (cache endpoint, timing, port, metrics); the cache AUTH token comes from Secrets Manager as an ECS secret."));
        NagSuppressions.AddToDefaultPolicy(taskDefinition.ExecutionRole,
            new NagSuppression("AwsSolutions-IAM5[Resource::*]", "ecr:GetAuthorizationToken has no resource-level permissions; every other statement names its repository, log group or secret."));
    }

    public Cluster Cluster { get; }

    /// <summary>The app's container: other constructs add the secrets they share with it.</summary>
    public ContainerDefinition Container { get; }

    public FargateService Service { get; }

    /// <summary>The task definition: its task role is the app's own AWS identity.</summary>
    public FargateTaskDefinition TaskDefinition { get; }

    public SecurityGroup SecurityGroup { get; }

    public Connections_ Connections => Service.Connections;
}
