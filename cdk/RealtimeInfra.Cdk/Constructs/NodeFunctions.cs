using Amazon.CDK;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.KMS;
using Amazon.CDK.AWS.Lambda;
using Amazon.CDK.AWS.Logs;
using Constructs;
using LogGroupProps = Amazon.CDK.AWS.Logs.LogGroupProps;

namespace RealtimeInfra.Cdk.Constructs;

/// <summary>The stack's own small Lambda handlers: one Node runtime, sources embedded from Functions/.</summary>
public static class NodeFunctions
{
    /// <summary>
    /// Newer than aws-cdk-lib 2.160 knows: its newest, nodejs20.x, stops accepting new functions in
    /// February 2027. The handlers use only Node's own modules and the runtime's bundled AWS SDK v3.
    /// </summary>
    public static readonly Runtime Runtime = new("nodejs24.x", RuntimeFamily.NODEJS, new LambdaRuntimeProps { SupportsInlineCode = true });

    /// <summary>
    /// One of the stack's handlers in the VPC, as <paramref name="scope"/>'s children <c>SecurityGroup</c>
    /// (HTTPS out only; the caller adds what else it may reach), <c>Logs</c> and <c>Function</c>.
    /// </summary>
    public static (Function Function, SecurityGroup SecurityGroup) InVpc(Construct scope, VpcNodeFunction spec)
    {
        var securityGroup = new SecurityGroup(scope, "SecurityGroup", new SecurityGroupProps
        {
            Vpc = spec.Vpc,
            Description = spec.SecurityGroupDescription,
            AllowAllOutbound = false,
        });
        securityGroup.AddEgressRule(Peer.AnyIpv4(), Port.Tcp(443), spec.HttpsEgressDescription);

        var logs = new LogGroup(scope, "Logs", new LogGroupProps
        {
            Retention = spec.LogRetention,
            RemovalPolicy = spec.LogRemovalPolicy,
            EncryptionKey = spec.LogKey,
        });

        var function = new Function(scope, "Function", new FunctionProps
        {
            Description = spec.Description,
            Runtime = Runtime,
            Handler = "index.handler",
            Code = Code.FromInline(ReadSource(spec.Source)),
            Timeout = spec.Timeout,
            MemorySize = 128,
            Vpc = spec.Vpc,
            VpcSubnets = spec.Subnets,
            SecurityGroups = [securityGroup],
            LogGroup = logs,
            ReservedConcurrentExecutions = spec.ReservedConcurrency,
            Environment = spec.Environment,
        });
        AcceptVpcFunctionRole(function);
        return (function, securityGroup);
    }

    /// <summary>The AWS-managed policies Lambda gives a function in a VPC, accepted on its role with their reasons.</summary>
    private static void AcceptVpcFunctionRole(Function function)
    {
        if (function.Role is { } role)
        {
            NagSuppressions.Add(role,
                new NagSuppression("AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]",
                    "The AWS-managed policy Lambda functions write their logs with; scoped to logging only."),
                new NagSuppression("AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole]",
                    "The AWS-managed policy a function in a VPC needs to manage its network interfaces."));
        }
    }

    /// <summary>A handler's source, embedded in this assembly from Functions/NAME.</summary>
    public static string ReadSource(string name)
    {
        using var stream = typeof(NodeFunctions).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"{name} is not embedded in {typeof(NodeFunctions).Assembly.GetName().Name}");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}

/// <summary>What <see cref="NodeFunctions.InVpc"/> makes: a handler of Functions/, where it runs, what it may say and log.</summary>
public sealed record VpcNodeFunction
{
    public required IVpc Vpc { get; init; }
    public required SubnetSelection Subnets { get; init; }

    /// <summary>The embedded handler's name, e.g. <c>drain-notifier.cjs</c>.</summary>
    public required string Source { get; init; }

    public required string Description { get; init; }
    public required string SecurityGroupDescription { get; init; }
    public required string HttpsEgressDescription { get; init; }
    public required Duration Timeout { get; init; }
    public required IDictionary<string, string> Environment { get; init; }
    public required RetentionDays LogRetention { get; init; }
    public required RemovalPolicy LogRemovalPolicy { get; init; }
    public IKey? LogKey { get; init; }
    public int? ReservedConcurrency { get; init; }
}
