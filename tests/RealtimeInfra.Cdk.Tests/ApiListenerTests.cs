using Amazon.CDK.Assertions;

namespace RealtimeInfra.Cdk.Tests;

/// <summary>The server API is off the public listeners and on a listener of its own that only listed addresses reach.</summary>
[Collection(SynthCollection.Name)]
public sealed class ApiListenerTests(SynthFixture synth)
{
    [Theory]
    [InlineData("dev")]
    [InlineData("prod")]
    public void Public_listeners_answer_api_paths_themselves(string environment)
    {
        var service = (environment == "dev" ? synth.Dev : synth.Prod).Service;
        service.HasResourceProperties("AWS::ElasticLoadBalancingV2::ListenerRule", Match.ObjectLike(new Dictionary<string, object>
        {
            ["Priority"] = 1,
            ["Conditions"] = new object[] { Match.ObjectLike(new Dictionary<string, object> { ["Field"] = "path-pattern", ["PathPatternConfig"] = new Dictionary<string, object> { ["Values"] = new[] { "/api/*" } } }) },
            ["Actions"] = new object[] { Match.ObjectLike(new Dictionary<string, object> { ["Type"] = "fixed-response", ["FixedResponseConfig"] = Match.ObjectLike(new Dictionary<string, object> { ["StatusCode"] = "404" }) }) },
        }));
    }

    [Fact]
    public void The_api_has_its_own_listener_with_tls_when_the_public_one_has_it_and_forwards_only_api_paths()
    {
        synth.ProdWithTls.Service.HasResourceProperties("AWS::ElasticLoadBalancingV2::Listener", new Dictionary<string, object>
        {
            ["Port"] = 8443,
            ["Protocol"] = "HTTPS",
        });
        synth.ProdWithTls.Service.HasResourceProperties("AWS::ElasticLoadBalancingV2::ListenerRule", Match.ObjectLike(new Dictionary<string, object>
        {
            ["Conditions"] = new object[] { Match.ObjectLike(new Dictionary<string, object> { ["Field"] = "path-pattern", ["PathPatternConfig"] = new Dictionary<string, object> { ["Values"] = new[] { "/api/*" } } }) },
            ["Actions"] = new object[] { Match.ObjectLike(new Dictionary<string, object> { ["Type"] = "forward" }) },
        }));
    }

    [Fact]
    public void Nobody_reaches_the_api_port_unless_listed()
    {
        var groups = ServiceTemplateTests.Resources(synth.Prod.ServiceJson, "AWS::EC2::SecurityGroup");
        var ingress = groups.SelectMany(g => g["Properties"]!["SecurityGroupIngress"]?.AsArray() ?? []).ToList();
        Assert.DoesNotContain(ingress, rule => rule!["FromPort"]?.GetValue<int>() == 8443);
        Assert.DoesNotContain(ServiceTemplateTests.Resources(synth.Prod.ServiceJson, "AWS::EC2::SecurityGroupIngress"), r => r["Properties"]!["FromPort"]?.GetValue<int>() == 8443);
    }

    [Fact]
    public void The_waf_common_rules_leave_api_bodies_alone()
    {
        synth.Prod.Service.HasResourceProperties("AWS::WAFv2::WebACL", Match.ObjectLike(new Dictionary<string, object>
        {
            ["Rules"] = Match.ArrayWith([Match.ObjectLike(new Dictionary<string, object>
            {
                ["Name"] = "AwsCommonRules",
                ["Statement"] = Match.ObjectLike(new Dictionary<string, object>
                {
                    ["ManagedRuleGroupStatement"] = Match.ObjectLike(new Dictionary<string, object>
                    {
                        ["ScopeDownStatement"] = Match.ObjectLike(new Dictionary<string, object>
                        {
                            ["NotStatement"] = Match.ObjectLike(new Dictionary<string, object>
                            {
                                ["Statement"] = Match.ObjectLike(new Dictionary<string, object>
                                {
                                    ["ByteMatchStatement"] = Match.ObjectLike(new Dictionary<string, object> { ["SearchString"] = "/api/", ["PositionalConstraint"] = "STARTS_WITH" }),
                                }),
                            }),
                        }),
                    }),
                }),
            })]),
        }));
    }
}
