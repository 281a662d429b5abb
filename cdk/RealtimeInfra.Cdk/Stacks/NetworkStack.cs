using Amazon.CDK;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.KMS;
using Constructs;
using RealtimeInfra.Cdk.Constructs;
using RealtimeInfra.Cdk.Settings;

namespace RealtimeInfra.Cdk.Stacks;

public sealed class NetworkStackProps : StackProps
{
    public required RealtimeSettings Settings { get; init; }

    /// <summary>dev, prod, …: names the keys' aliases.</summary>
    public required string EnvironmentName { get; init; }
}

/// <summary>Stateful: the VPC every other stack lives in, and with <c>compliance: hipaa</c> the key of its logs.</summary>
public sealed class NetworkStack : Stack
{
    public NetworkStack(Construct scope, string id, NetworkStackProps props)
        : base(scope, id, props)
    {
        var s = props.Settings;
        var retain = s.RetainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
        LogKey = s.Strict
            ? new DataKey(this, "LogKey", new DataKeyProps { Class = DataClass.Logs, AliasPrefix = $"realtime-{props.EnvironmentName}", RemovalPolicy = retain }).Key
            : null;
        var network = new RealtimeNetwork(this, "Network", new RealtimeNetworkProps
        {
            MaxAzs = s.Network.MaxAzs,
            NatGateways = s.Network.NatGateways,
            Cidr = s.Network.VpcCidr,
            FlowLogRetention = Retention.FromDays(s.Network.FlowLogRetentionDays),
            LogRemovalPolicy = retain,
            InterfaceEndpoints = s.Network.InterfaceEndpoints,
            LogKey = LogKey,
        });
        Vpc = network.Vpc;
    }

    public IVpc Vpc { get; }

    /// <summary>The key of every log group of the environment with <c>compliance: hipaa</c>; null otherwise.</summary>
    public IKey? LogKey { get; }
}
