using Amazon.CDK.Assertions;

namespace RealtimeInfra.Cdk.Tests;

[Collection(SynthCollection.Name)]
public sealed class NetworkTemplateTests(SynthFixture synth)
{
    /// <summary>Renaming a construct would replace the VPC, and with it everything inside: pinned.</summary>
    [Fact]
    public void Vpc_keeps_its_logical_id()
    {
        Assert.Single(synth.Prod.Network.FindResources("AWS::EC2::VPC"), r => r.Key == "NetworkVpc7FB7348F");
    }

    [Fact]
    public void Env_agnostic_vpc_spans_two_zones_with_public_service_and_data_subnets()
    {
        var app = synth.Prod;
        app.Network.HasResourceProperties("AWS::EC2::VPC", new Dictionary<string, object> { ["CidrBlock"] = "10.40.0.0/16" });
        app.Network.ResourceCountIs("AWS::EC2::Subnet", 6);
        foreach (var (name, mask) in new[] { ("Public", "/24"), ("Service", "/20"), ("Data", "/24") })
        {
            var subnets = app.Network.FindResources("AWS::EC2::Subnet", new Dictionary<string, object>
            {
                ["Properties"] = new Dictionary<string, object>
                {
                    ["Tags"] = Match.ArrayWith([new Dictionary<string, object> { ["Key"] = "aws-cdk:subnet-name", ["Value"] = name }]),
                    ["CidrBlock"] = Match.StringLikeRegexp(mask.Replace("/", "\\/", StringComparison.Ordinal) + "$"),
                },
            });
            Assert.Equal(2, subnets.Count);
        }
    }

    [Theory]
    [InlineData("dev", 1)]
    [InlineData("prod", 2)]
    public void Nat_gateways_follow_settings_capped_by_the_zones(string environment, int expected)
    {
        (environment == "dev" ? synth.Dev : synth.Prod).Network.ResourceCountIs("AWS::EC2::NatGateway", expected);
    }

    [Fact]
    public void S3_gateway_endpoint_is_present()
    {
        synth.Dev.Network.HasResourceProperties("AWS::EC2::VPCEndpoint", new Dictionary<string, object>
        {
            ["VpcEndpointType"] = "Gateway",
            ["ServiceName"] = Match.ObjectLike(new Dictionary<string, object>()),
        });
        var endpoint = Assert.Single(ServiceTemplateTests.Resources(synth.Dev.NetworkJson, "AWS::EC2::VPCEndpoint"));
        Assert.Contains(".s3", endpoint["Properties"]!["ServiceName"]!.ToJsonString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("dev", 7, "Delete")]
    [InlineData("prod", 90, "Retain")]
    public void Flow_logs_capture_all_traffic_with_retention(string environment, int days, string deletion)
    {
        var app = environment == "dev" ? synth.Dev : synth.Prod;
        app.Network.HasResourceProperties("AWS::EC2::FlowLog", new Dictionary<string, object>
        {
            ["TrafficType"] = "ALL",
            ["LogDestinationType"] = "cloud-watch-logs",
        });
        app.Network.HasResource("AWS::Logs::LogGroup", new Dictionary<string, object>
        {
            ["Properties"] = new Dictionary<string, object> { ["RetentionInDays"] = days },
            ["DeletionPolicy"] = deletion,
        });
    }

    [Theory]
    [InlineData("dev", false)]
    [InlineData("prod", true)]
    public void Stateful_stacks_are_termination_protected_in_prod_only(string environment, bool expected)
    {
        var stacks = (environment == "dev" ? synth.Dev : synth.Prod).Stacks;
        Assert.Equal(expected, stacks.Network.TerminationProtection);
        Assert.Equal(expected, stacks.Backplane.TerminationProtection);
        Assert.False(stacks.Service.TerminationProtection);
    }

    [Fact]
    public void Stacks_are_named_per_environment()
    {
        Assert.Equal(["Realtime-Dev-Network", "Realtime-Dev-Backplane", "Realtime-Dev-Service"], synth.Dev.Stacks.All.Select(s => s.StackName));
        Assert.Equal(["Realtime-Prod-Network", "Realtime-Prod-Backplane", "Realtime-Prod-Service"], synth.Prod.Stacks.All.Select(s => s.StackName));
    }
}
