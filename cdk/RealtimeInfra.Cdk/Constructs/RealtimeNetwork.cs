using Amazon.CDK;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.KMS;
using Amazon.CDK.AWS.Logs;
using Constructs;

namespace RealtimeInfra.Cdk.Constructs;

public sealed record RealtimeNetworkProps
{
    public required int MaxAzs { get; init; }

    /// <summary>One gateway is the cheapest setting that still lets tasks reach ECR and Secrets Manager.</summary>
    public required int NatGateways { get; init; }

    public required string Cidr { get; init; }

    public required RetentionDays FlowLogRetention { get; init; }

    public required RemovalPolicy LogRemovalPolicy { get; init; }

    /// <summary>ECR (api, dkr), CloudWatch Logs and Secrets Manager endpoints in the task subnets.</summary>
    public required bool InterfaceEndpoints { get; init; }

    /// <summary>Customer-managed key of the flow logs; null: CloudWatch Logs' own encryption.</summary>
    public IKey? LogKey { get; init; }
}

/// <summary>
/// The VPC: public subnets (ALB, NAT), private subnets with egress (tasks) and isolated subnets
/// (cache), an S3 gateway endpoint (ECR image layers come from S3), flow logs, and optionally the
/// interface endpoints a task needs to start (image, logs, secrets) without going through NAT.
/// </summary>
public sealed class RealtimeNetwork : Construct
{
    public const string PublicSubnets = "Public";
    public const string ServiceSubnets = "Service";
    public const string DataSubnets = "Data";

    public RealtimeNetwork(Construct scope, string id, RealtimeNetworkProps props)
        : base(scope, id)
    {
        var prefix = int.Parse(props.Cidr.Split('/')[1], System.Globalization.CultureInfo.InvariantCulture);

        // Tasks take one IP each (awsvpc), so their subnets get 16 times the space of the others.
        Vpc = new Vpc(this, "Vpc", new VpcProps
        {
            IpAddresses = IpAddresses.Cidr(props.Cidr),
            MaxAzs = props.MaxAzs,
            NatGateways = props.NatGateways,
            RestrictDefaultSecurityGroup = true,
            SubnetConfiguration =
            [
                // Nothing is launched into the public subnets but the load balancer and NAT gateways,
                // which get their addresses on their own; an instance placed there by mistake stays private.
                new SubnetConfiguration { Name = PublicSubnets, SubnetType = SubnetType.PUBLIC, CidrMask = prefix + 8, MapPublicIpOnLaunch = false },
                new SubnetConfiguration { Name = ServiceSubnets, SubnetType = SubnetType.PRIVATE_WITH_EGRESS, CidrMask = prefix + 4 },
                new SubnetConfiguration { Name = DataSubnets, SubnetType = SubnetType.PRIVATE_ISOLATED, CidrMask = prefix + 8 },
            ],
            GatewayEndpoints = new Dictionary<string, IGatewayVpcEndpointOptions>
            {
                ["S3"] = new GatewayVpcEndpointOptions { Service = GatewayVpcEndpointAwsService.S3 },
            },
        });

        var flowLogs = new LogGroup(this, "FlowLogs", new LogGroupProps
        {
            Retention = props.FlowLogRetention,
            RemovalPolicy = props.LogRemovalPolicy,
            EncryptionKey = props.LogKey,
        });
        Vpc.AddFlowLog("FlowLog", new FlowLogOptions
        {
            Destination = FlowLogDestination.ToCloudWatchLogs(flowLogs),
            TrafficType = FlowLogTrafficType.ALL,
        });

        if (props.InterfaceEndpoints)
        {
            foreach (var (name, service) in TaskEndpoints)
            {
                var endpoint = Vpc.AddInterfaceEndpoint(name, new InterfaceVpcEndpointOptions
                {
                    Service = service,
                    Subnets = new SubnetSelection { SubnetGroupName = ServiceSubnets },
                    PrivateDnsEnabled = true,
                    Open = false,
                });
                // HTTPS from the VPC's CIDR, which is where the tasks are. The block as written in the
                // settings, not the VPC's attribute: policy checks can read a literal, never a reference.
                endpoint.Connections.AllowFrom(Peer.Ipv4(props.Cidr), Port.Tcp(443), "HTTPS from the VPC");
            }
        }

        foreach (var subnet in Vpc.PublicSubnets)
        {
            NagSuppressions.Add(subnet.Node.FindChild("DefaultRoute"), NagSuppression.InCompliancePacks("VPCNoUnrestrictedRouteToIGW",
                "The public subnets hold the internet-facing load balancer and the NAT gateways, which need this route; tasks and the cache live in subnets without it."));
        }

        NagSuppressions.Add(Vpc, NagSuppression.InCompliancePacks("VPCDefaultSecurityGroupClosed",
            "restrictDefaultSecurityGroup empties the default security group through Custom::VpcRestrictDefaultSG, which the rule sees only in the construct tree; a Guard rule (tests/policy/rules/network.guard) checks the template holds it."));

        // restrictDefaultSecurityGroup's provider belongs to aws-cdk-lib (2.160), which sets its
        // managed policy and Lambda runtime; the stack cannot choose them.
        if (Stack.Of(this).Node.TryFindChild("Custom::VpcRestrictDefaultSGCustomResourceProvider") is Construct provider)
        {
            NagSuppressions.Add(provider.Node.FindChild("Role"),
                new NagSuppression("AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]",
                    "aws-cdk-lib's own provider that empties the default security group; it only writes its logs with this policy."));
            NagSuppressions.Add(provider.Node.FindChild("Role"), NagSuppression.InCompliancePacks("IAMNoInlinePolicy",
                "aws-cdk-lib's own provider writes its role's two EC2 permissions inline, on the default security group of this VPC only; the stack cannot choose its form."));
            NagSuppressions.Add(provider.Node.FindChild("Handler"),
                new NagSuppression("AwsSolutions-L1", "aws-cdk-lib's own provider that empties the default security group; its runtime moves with the CDK version."));
            const string ProviderRuns = "aws-cdk-lib's own provider, called by CloudFormation only while this stack deploys (it empties the default security group)";
            NagSuppressions.Add(provider.Node.FindChild("Handler"), [
                .. NagSuppression.InCompliancePacks("LambdaDLQ", ProviderRuns + "; CloudFormation waits for its answer and fails the deployment if it gives none."),
                .. NagSuppression.InCompliancePacks("LambdaConcurrency", ProviderRuns + "; one deployment runs it once."),
                .. NagSuppression.InCompliancePacks("LambdaInsideVPC", ProviderRuns + "; it calls only the EC2 API and touches no data."),
            ]);
        }
    }

    /// <summary>What a Fargate task calls on start: ECR to pull, Logs to write, Secrets Manager for the cache token.</summary>
    public static IReadOnlyList<(string Name, InterfaceVpcEndpointAwsService Service)> TaskEndpoints { get; } =
    [
        ("EcrApi", InterfaceVpcEndpointAwsService.ECR),
        ("EcrDocker", InterfaceVpcEndpointAwsService.ECR_DOCKER),
        ("Logs", InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS),
        ("SecretsManager", InterfaceVpcEndpointAwsService.SECRETS_MANAGER),
    ];

    public Vpc Vpc { get; }
}
