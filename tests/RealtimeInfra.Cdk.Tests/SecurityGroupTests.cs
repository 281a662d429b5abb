using System.Text.Json.Nodes;

namespace RealtimeInfra.Cdk.Tests;

/// <summary>
/// Who may talk to whom: clients → ALB on 80/443, ALB and the drain function → tasks on 8080, tasks →
/// cache on its port, the VPC → its interface endpoints on 443.
/// Each rule is asserted, and so is the absence of any other ingress.
/// </summary>
[Collection(SynthCollection.Name)]
public sealed class SecurityGroupTests(SynthFixture synth)
{
    private sealed record Ingress(string Group, string Source, int From, int To);

    [Fact]
    public void Alb_accepts_only_http_from_anywhere_without_a_certificate()
    {
        var alb = Ingresses(synth.Dev).Where(i => i.Group == "LoadBalancerSecurityGroup").ToList();
        Assert.Equal([new Ingress("LoadBalancerSecurityGroup", "0.0.0.0/0", 80, 80)], alb);
    }

    [Fact]
    public void Alb_accepts_only_https_and_http_from_anywhere_with_a_certificate()
    {
        var alb = Ingresses(synth.ProdWithTls).Where(i => i.Group == "LoadBalancerSecurityGroup").OrderBy(i => i.From).ToList();
        Assert.Equal(
            [new Ingress("LoadBalancerSecurityGroup", "0.0.0.0/0", 80, 80), new Ingress("LoadBalancerSecurityGroup", "0.0.0.0/0", 443, 443)],
            alb);
    }

    [Theory]
    [InlineData("dev")]
    [InlineData("prod")]
    public void Tasks_accept_only_the_alb_and_the_drain_function_on_8080_and_the_cache_only_the_tasks_on_its_port(string environment)
    {
        var app = environment == "dev" ? synth.Dev : synth.Prod;
        var ingresses = Ingresses(app).ToList();

        List<Ingress> expected =
        [
            new Ingress("AppSecurityGroup", "DrainSecurityGroup", 8080, 8080),
            new Ingress("AppSecurityGroup", "LoadBalancerSecurityGroup", 8080, 8080),
            new Ingress("BackplaneSecurityGroup", "AppSecurityGroup", 6380, 6380),
        ];
        if (environment == "prod")
        {
            // The AUTH token's rotation (prod: compliance hipaa) tests a new token on the cache.
            expected.Add(new Ingress("BackplaneSecurityGroup", "AuthTokenRotationSecurityGroup", 6380, 6380));

            // The interface endpoints (prod only) take HTTPS from inside the VPC, its block written out.
            expected.AddRange(Enumerable.Repeat(new Ingress("EndpointSecurityGroup", "10.40.0.0/16", 443, 443), 4));
        }

        expected.Add(new Ingress("LoadBalancerSecurityGroup", "0.0.0.0/0", 80, 80));
        Assert.Equal(expected, ingresses.OrderBy(i => i.Group, StringComparer.Ordinal).ThenBy(i => i.Source, StringComparer.Ordinal).ToList());
    }

    [Fact]
    public void Tasks_egress_only_https_and_the_cache_port()
    {
        var service = synth.Prod.ServiceJson;
        var inline = ServiceTemplateTests.Resources(service, "AWS::EC2::SecurityGroup")
            .Where(g => g["Properties"]!["GroupDescription"]!.GetValue<string>().StartsWith("RealtimeInfra tasks", StringComparison.Ordinal))
            .Single()["Properties"]!["SecurityGroupEgress"]!.AsArray();
        var https = Assert.Single(inline);
        Assert.Equal(443, https!["FromPort"]!.GetValue<int>());

        var egress = Assert.Single(ServiceTemplateTests.Resources(service, "AWS::EC2::SecurityGroupEgress"),
            e => e["Properties"]!["GroupId"]!.ToJsonString().Contains("AppSecurityGroup", StringComparison.Ordinal));
        Assert.Equal(6380, egress["Properties"]!["FromPort"]!.GetValue<int>());
        Assert.Contains("BackplaneSecurityGroup", egress["Properties"]!["DestinationSecurityGroupId"]!.ToJsonString(), StringComparison.Ordinal);
    }

    /// <summary>Every ingress rule of every stack of the app, inline or standalone, by group's logical name.</summary>
    private static IEnumerable<Ingress> Ingresses(SynthesizedApp app)
    {
        foreach (var template in app.Json.Values)
        {
            foreach (var (id, resource) in template["Resources"]!.AsObject())
            {
                var type = resource!["Type"]!.GetValue<string>();
                var properties = resource["Properties"];
                if (type == "AWS::EC2::SecurityGroup" && properties?["SecurityGroupIngress"] is JsonArray inline)
                {
                    foreach (var rule in inline)
                    {
                        yield return new Ingress(Logical(id), Source(rule!), rule!["FromPort"]!.GetValue<int>(), rule["ToPort"]!.GetValue<int>());
                    }
                }
                else if (type == "AWS::EC2::SecurityGroupIngress")
                {
                    yield return new Ingress(Logical(properties!["GroupId"]!.ToJsonString()), Source(properties),
                        properties["FromPort"]!.GetValue<int>(), properties["ToPort"]!.GetValue<int>());
                }
            }
        }
    }

    private static string Source(JsonNode rule) => rule["CidrIp"] switch
    {
        JsonValue cidr => cidr.GetValue<string>(),
        JsonObject reference when reference.ToJsonString().Contains("CidrBlock", StringComparison.Ordinal) => "vpc-cidr",
        _ => Logical(rule["SourceSecurityGroupId"]!.ToJsonString()),
    };

    /// <summary>Reduces a logical id or a reference to it (even across stacks) to the group's construct name.</summary>
    private static string Logical(string reference)
    {
        foreach (var name in new[] { "LoadBalancerSecurityGroup", "AppSecurityGroup", "BackplaneSecurityGroup", "DrainSecurityGroup", "AuthTokenRotationSecurityGroup" })
        {
            if (reference.Contains(name, StringComparison.Ordinal))
            {
                return name;
            }
        }

        if (RealtimeInfra.Cdk.Constructs.RealtimeNetwork.TaskEndpoints.Any(e => reference.Contains($"Vpc{e.Name}SecurityGroup", StringComparison.Ordinal)))
        {
            return "EndpointSecurityGroup";
        }

        return reference;
    }
}
