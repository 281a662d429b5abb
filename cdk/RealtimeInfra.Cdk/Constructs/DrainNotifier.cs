using Amazon.CDK;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.Events;
using Amazon.CDK.AWS.Events.Targets;
using Amazon.CDK.AWS.KMS;
using Amazon.CDK.AWS.Lambda;
using Amazon.CDK.AWS.Logs;
using Constructs;
using SecretProps = Amazon.CDK.AWS.SecretsManager.SecretProps;
using SecretStringGenerator = Amazon.CDK.AWS.SecretsManager.SecretStringGenerator;
using TokenSecret = Amazon.CDK.AWS.SecretsManager.Secret;

namespace RealtimeInfra.Cdk.Constructs;

public sealed record DrainNotifierProps
{
    public required IVpc Vpc { get; init; }

    /// <summary>The service whose tasks are drained; its security group gets the function's ingress.</summary>
    public required WebSocketService Service { get; init; }

    /// <summary>The port Kestrel listens on in the task (the drain endpoint's).</summary>
    public required int ContainerPort { get; init; }

    /// <summary>The environment variable the app reads the drain token from.</summary>
    public required string TokenVariable { get; init; }

    public required RetentionDays LogRetention { get; init; }

    public required RemovalPolicy LogRemovalPolicy { get; init; }

    public SubnetSelection Subnets { get; init; } = new() { SubnetType = SubnetType.PRIVATE_WITH_EGRESS };

    /// <summary>Customer-managed key of the function's log group; null: CloudWatch Logs' own encryption.</summary>
    public IKey? LogKey { get; init; }

    /// <summary>Customer-managed key of the drain token; null: Secrets Manager's AWS-managed key.</summary>
    public IKey? SecretKey { get; init; }

    /// <summary>Reserved concurrency and a dead-letter queue for events that failed every retry (the compliance packs').</summary>
    public bool Hardened { get; init; }
}

/// <summary>
/// The second drain trigger on ECS, independent of the task metadata the node polls: an EventBridge
/// rule on the service's "ECS Task State Change" events whose desired status is STOPPED (while the
/// task is still RUNNING or DEACTIVATING, i.e. being deregistered) invokes a small function in the
/// VPC, which calls <c>POST /api/drain</c> on the task's private address with a generated token.
/// Only the function's security group may reach the tasks besides the load balancer.
/// docs/operations.md, "Draining on ECS".
/// </summary>
public sealed class DrainNotifier : Construct
{
    public const string Source = "drain-notifier.cjs";

    /// <summary>Concurrent drains with <see cref="DrainNotifierProps.Hardened"/>: a deployment of the largest fleet stops its tasks in batches well under this.</summary>
    public const int ReservedConcurrency = 20;

    private static readonly string[] Stopping = ["STOPPED"];

    /// <summary>The statuses before the load balancer lets go: the task still holds its sockets.</summary>
    private static readonly string[] StillServing = ["RUNNING", "DEACTIVATING"];

    public DrainNotifier(Construct scope, string id, DrainNotifierProps props)
        : base(scope, id)
    {
        Token = new TokenSecret(this, "Token", new SecretProps
        {
            Description = "RealtimeInfra: the bearer token of the tasks' POST /api/drain",
            GenerateSecretString = new SecretStringGenerator { PasswordLength = 40, ExcludePunctuation = true },
            EncryptionKey = props.SecretKey,
        });
        // Read through key-less views with the key's use granted on the readers' policies: the key
        // belongs to the Backplane stack, whose key policy cannot name this stack's roles.
        props.Service.Container.AddSecret(props.TokenVariable, Amazon.CDK.AWS.ECS.Secret.FromSecretsManager(SecretReading.KeylessView(this, "TokenForTasks", Token)));
        SecretReading.GrantDecrypt(props.Service.TaskDefinition.ObtainExecutionRole(), props.SecretKey);

        (Function, SecurityGroup) = NodeFunctions.InVpc(this, new VpcNodeFunction
        {
            Vpc = props.Vpc,
            Subnets = props.Subnets,
            Source = Source,
            Description = "RealtimeInfra: starts a task's drain when ECS decides to stop it",
            SecurityGroupDescription = "RealtimeInfra drain function: to the drain endpoint of the tasks and AWS APIs only",
            HttpsEgressDescription = "Secrets Manager over HTTPS",
            Timeout = Duration.Seconds(15),
            Environment = new Dictionary<string, string>
            {
                ["DRAIN_PORT"] = props.ContainerPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["DRAIN_TOKEN_SECRET_ARN"] = Token.SecretArn,
            },
            LogRetention = props.LogRetention,
            LogRemovalPolicy = props.LogRemovalPolicy,
            LogKey = props.LogKey,
            ReservedConcurrency = props.Hardened ? ReservedConcurrency : null,
        });
        props.Service.Connections.AllowFrom(SecurityGroup, Port.Tcp(props.ContainerPort), "The drain function, to each task's /api/drain");
        SecretReading.GrantRead(this, "TokenForFunction", Token, Function);
        // A failed call is retried once, soon: a drain is worth nothing after the deregistration
        // delay, and a late one would reach an address ECS may have given to another task.
        Function.ConfigureAsyncInvoke(new EventInvokeConfigOptions { RetryAttempts = 1, MaxEventAge = Duration.Minutes(1) });

        Rule = new Rule(this, "TaskStopping", new RuleProps
        {
            Description = "RealtimeInfra: a task of the service is being stopped; drain it before the load balancer cuts its sockets",
            EventPattern = new EventPattern
            {
                Source = ["aws.ecs"],
                DetailType = ["ECS Task State Change"],
                Detail = new Dictionary<string, object>
                {
                    ["clusterArn"] = new[] { props.Service.Cluster.ClusterArn },
                    ["group"] = new[] { $"service:{props.Service.Service.ServiceName}" },
                    ["desiredStatus"] = Stopping,
                    ["lastStatus"] = StillServing,
                },
            },
        });
        // A drain is worth nothing after the deregistration delay: retry briefly, then give up
        // (the node's metadata polling is the other trigger).
        Rule.AddTarget(new LambdaFunction(Function, new LambdaFunctionProps
        {
            RetryAttempts = 2,
            MaxEventAge = Duration.Minutes(1),
        }));

        NagSuppressions.Add(Token,
            new NagSuppression("AwsSolutions-SMG4", TokenNotRotated));
        NagSuppressions.Add(Token, NagSuppression.InCompliancePacks("SecretsManagerRotationEnabled", TokenNotRotated));
        if (props.Hardened)
        {
            DeadLetters = FunctionHardening.AddDeadLetterQueue(this, Function);
        }
    }

    private const string TokenNotRotated = "A generated bearer token shared by the tasks and this function, accepted only on the tasks' private addresses from this function's security group; tasks read it once at start, so docs/operations.md tells how to replace it (a new value, then a task roll).";

    /// <summary>The token the tasks and the function share (the tasks get it as an ECS secret).</summary>
    public TokenSecret Token { get; }

    public SecurityGroup SecurityGroup { get; }

    public Function Function { get; }

    /// <summary>With <see cref="DrainNotifierProps.Hardened"/>: the events that failed every retry.</summary>
    public Amazon.CDK.AWS.SQS.Queue? DeadLetters { get; }

    public Rule Rule { get; }
}
