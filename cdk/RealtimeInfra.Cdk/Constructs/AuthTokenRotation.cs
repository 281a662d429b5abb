using Amazon.CDK;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.KMS;
using Amazon.CDK.AWS.Lambda;
using Amazon.CDK.AWS.Logs;
using Amazon.CDK.AWS.SecretsManager;
using Constructs;

namespace RealtimeInfra.Cdk.Constructs;

public sealed record AuthTokenRotationProps
{
    public required IVpc Vpc { get; init; }

    /// <summary>The cache whose AUTH token rotates; the function reaches it to test a new token.</summary>
    public required RedisBackplane Backplane { get; init; }

    public required Duration Every { get; init; }

    /// <summary>
    /// From AWSCURRENT moving to the new token to ElastiCache dropping the old one: every task must
    /// have re-read the secret by then (at least twice the app's refresh period).
    /// </summary>
    public required Duration Grace { get; init; }

    public required RetentionDays LogRetention { get; init; }
    public required RemovalPolicy LogRemovalPolicy { get; init; }
    public IKey? LogKey { get; init; }

    /// <summary>Reserved concurrency (the compliance packs' LambdaConcurrency); null leaves the function on the account's pool.</summary>
    public int? ReservedConcurrency { get; init; }

    public SubnetSelection Subnets { get; init; } = new() { SubnetType = SubnetType.PRIVATE_WITH_EGRESS };
}

/// <summary>
/// Scheduled Secrets Manager rotation of the cache AUTH token, with no downtime: a function in the
/// VPC (Functions/auth-token-rotation.cjs) stores a new token, has ElastiCache accept it beside the
/// old one (ROTATE), checks it opens a session, makes it current, waits while the tasks re-read it,
/// then has ElastiCache keep only it (SET). Runbook: docs/operations.md, "Rotating the cache AUTH token".
/// </summary>
public sealed class AuthTokenRotation : Construct
{
    public const string Source = "auth-token-rotation.cjs";

    public AuthTokenRotation(Construct scope, string id, AuthTokenRotationProps props)
        : base(scope, id)
    {
        var backplane = props.Backplane;
        (Function, SecurityGroup) = NodeFunctions.InVpc(this, new VpcNodeFunction
        {
            Vpc = props.Vpc,
            Subnets = props.Subnets,
            Source = Source,
            Description = "RealtimeInfra: rotates the backplane's ElastiCache AUTH token (ROTATE, then SET)",
            SecurityGroupDescription = "RealtimeInfra AUTH token rotation: to the cache and AWS APIs only",
            HttpsEgressDescription = "Secrets Manager and ElastiCache APIs over HTTPS",
            // ElastiCache takes minutes to apply a token; each step waits for it within Lambda's limit.
            Timeout = Duration.Minutes(15),
            Environment = new Dictionary<string, string>
            {
                ["REPLICATION_GROUP_ID"] = backplane.ReplicationGroup.Ref,
                ["REDIS_HOST"] = backplane.Endpoint,
                ["REDIS_PORT"] = backplane.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["GRACE_SECONDS"] = props.Grace.ToSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture),
            },
            LogRetention = props.LogRetention,
            LogRemovalPolicy = props.LogRemovalPolicy,
            LogKey = props.LogKey,
            ReservedConcurrency = props.ReservedConcurrency,
        });
        SecurityGroup.Connections.AllowToDefaultPort(backplane, "The rotation function tests a new token on the cache");
        var stack = Stack.Of(this);
        Function.AddToRolePolicy(new PolicyStatement(new PolicyStatementProps
        {
            Actions = ["elasticache:ModifyReplicationGroup", "elasticache:DescribeReplicationGroups"],
            Resources = [stack.FormatArn(new ArnComponents
            {
                Service = "elasticache",
                Resource = "replicationgroup",
                ResourceName = backplane.ReplicationGroup.Ref,
                ArnFormat = ArnFormat.COLON_RESOURCE_NAME,
            })],
        }));

        // Grants the function the secret's read, write and stage changes (and its key's use), and
        // Secrets Manager the right to invoke it.
        Schedule = new RotationSchedule(this, "Schedule", new RotationScheduleProps
        {
            Secret = backplane.AuthToken,
            RotationLambda = Function,
            AutomaticallyAfter = props.Every,
            // Not when the schedule is created: tasks already running then were started without
            // Realtime:Redis:PasswordSecretId and could not follow; the first rotation comes a period later.
            RotateImmediatelyOnUpdate = false,
        });

        NagSuppressions.Add(Function, [
            .. NagSuppression.InCompliancePacks("LambdaDLQ",
                "Secrets Manager invokes this function synchronously, step by step, and records a failed step on the secret (and retries it); a dead-letter queue only receives asynchronous invocations."),
        ]);
        NagSuppressions.AddToDefaultPolicy(Function.Role,
            new NagSuppression("AwsSolutions-IAM5[Resource::*]", "secretsmanager:GetRandomPassword has no resource; every other statement names the secret, its key or the replication group."));
    }

    public Function Function { get; }

    public SecurityGroup SecurityGroup { get; }

    public RotationSchedule Schedule { get; }
}
