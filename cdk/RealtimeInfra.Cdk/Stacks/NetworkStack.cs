using Amazon.CDK;
using Amazon.CDK.AWS.EC2;
using Constructs;
using RealtimeInfra.Cdk.Constructs;
using RealtimeInfra.Cdk.Settings;

namespace RealtimeInfra.Cdk.Stacks;

public sealed class NetworkStackProps : StackProps
{
    public required RealtimeSettings Settings { get; init; }
}

/// <summary>Stateful: the VPC every other stack lives in.</summary>
public sealed class NetworkStack : Stack
{
    public NetworkStack(Construct scope, string id, NetworkStackProps props)
        : base(scope, id, props)
    {
        var s = props.Settings;
        var network = new RealtimeNetwork(this, "Network", new RealtimeNetworkProps
        {
            MaxAzs = s.Network.MaxAzs,
            NatGateways = s.Network.NatGateways,
            Cidr = s.Network.VpcCidr,
            FlowLogRetention = Retention.FromDays(s.Network.FlowLogRetentionDays),
            LogRemovalPolicy = s.RetainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
            InterfaceEndpoints = s.Network.InterfaceEndpoints,
        });
        Vpc = network.Vpc;
    }

    public IVpc Vpc { get; }
}
