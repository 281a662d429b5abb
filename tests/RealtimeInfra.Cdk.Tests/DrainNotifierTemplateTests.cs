using System.Text.Json.Nodes;
using RealtimeInfra.Cdk.Constructs;

namespace RealtimeInfra.Cdk.Tests;

/// <summary>
/// The ECS task-event drain trigger as synthesized: the rule matches only this service's tasks that
/// ECS is stopping while they still hold sockets, the function runs the repository's handler inside
/// the VPC behind its own security group, and the token it sends is the one the tasks get.
/// </summary>
[Collection(SynthCollection.Name)]
public sealed class DrainNotifierTemplateTests(SynthFixture synth)
{
    [Theory]
    [InlineData("dev")]
    [InlineData("prod")]
    public void The_rule_matches_this_services_tasks_that_ecs_is_stopping(string environment)
    {
        var template = environment == "dev" ? synth.Dev.ServiceJson : synth.Prod.ServiceJson;
        var rule = Assert.Single(ServiceTemplateTests.Resources(template, "AWS::Events::Rule"))["Properties"]!;
        var pattern = rule["EventPattern"]!;
        Assert.Equal("""["aws.ecs"]""", pattern["source"]!.ToJsonString());
        Assert.Equal("""["ECS Task State Change"]""", pattern["detail-type"]!.ToJsonString());
        var detail = pattern["detail"]!;
        Assert.Equal("""["STOPPED"]""", detail["desiredStatus"]!.ToJsonString());
        Assert.Equal("""["RUNNING","DEACTIVATING"]""", detail["lastStatus"]!.ToJsonString());
        Assert.Contains("AppCluster", detail["clusterArn"]!.ToJsonString(), StringComparison.Ordinal);
        Assert.Contains("\"service:\"", detail["group"]!.ToJsonString(), StringComparison.Ordinal);
        Assert.Contains("AppService", detail["group"]!.ToJsonString(), StringComparison.Ordinal);

        var target = Assert.Single(rule["Targets"]!.AsArray())!;
        Assert.Contains("DrainFunction", target["Arn"]!.ToJsonString(), StringComparison.Ordinal);
        Assert.Equal(60, target["RetryPolicy"]!["MaximumEventAgeInSeconds"]!.GetValue<int>());
    }

    [Fact]
    public void The_function_runs_the_repository_handler_in_the_vpc_with_the_tasks_token()
    {
        var template = synth.Prod.ServiceJson;
        var function = Assert.Single(ServiceTemplateTests.Resources(template, "AWS::Lambda::Function"),
            f => f["Properties"]!["Description"]?.GetValue<string>().Contains("drain", StringComparison.Ordinal) == true)["Properties"]!;
        Assert.Equal(NodeFunctions.ReadSource(DrainNotifier.Source), function["Code"]!["ZipFile"]!.GetValue<string>());
        Assert.Equal("index.handler", function["Handler"]!.GetValue<string>());

        var vpc = function["VpcConfig"]!;
        Assert.Contains("DrainSecurityGroup", Assert.Single(vpc["SecurityGroupIds"]!.AsArray())!.ToJsonString(), StringComparison.Ordinal);
        Assert.All(vpc["SubnetIds"]!.AsArray(), s => Assert.Contains("Service", s!.ToJsonString(), StringComparison.Ordinal)); // the tasks' private subnets

        // A drain is worth nothing late, and a late call could reach an address reused by another task.
        var retries = Assert.Single(ServiceTemplateTests.Resources(template, "AWS::Lambda::EventInvokeConfig"))["Properties"]!;
        Assert.Equal((1, 60), (retries["MaximumRetryAttempts"]!.GetValue<int>(), retries["MaximumEventAgeInSeconds"]!.GetValue<int>()));

        var variables = function["Environment"]!["Variables"]!;
        Assert.Equal("8080", variables["DRAIN_PORT"]!.GetValue<string>());
        Assert.Contains("DrainToken", variables["DRAIN_TOKEN_SECRET_ARN"]!.ToJsonString(), StringComparison.Ordinal);
        Assert.Null(variables["DRAIN_TOKEN"]); // the token itself never sits in the template
    }

    [Fact]
    public void The_function_may_reach_only_the_tasks_port_and_https()
    {
        var template = synth.Prod.ServiceJson;
        var group = Assert.Single(ServiceTemplateTests.Resources(template, "AWS::EC2::SecurityGroup"),
            g => g["Properties"]!["GroupDescription"]!.GetValue<string>().StartsWith("RealtimeInfra drain function", StringComparison.Ordinal))["Properties"]!;
        var inline = Assert.Single(group["SecurityGroupEgress"]!.AsArray())!;
        Assert.Equal(443, inline["FromPort"]!.GetValue<int>());
        Assert.Null(group["SecurityGroupIngress"]);

        var egress = Assert.Single(ServiceTemplateTests.Resources(template, "AWS::EC2::SecurityGroupEgress"),
            e => e["Properties"]!["GroupId"]!.ToJsonString().Contains("DrainSecurityGroup", StringComparison.Ordinal))["Properties"]!;
        Assert.Equal((8080, 8080), (egress["FromPort"]!.GetValue<int>(), egress["ToPort"]!.GetValue<int>()));
        Assert.Contains("AppSecurityGroup", egress["DestinationSecurityGroupId"]!.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Switched_off_there_is_no_rule_function_or_token()
    {
        var template = synth.DevStickyWithoutTaskEvents.ServiceJson;
        Assert.Empty(ServiceTemplateTests.Resources(template, "AWS::Events::Rule"));
        Assert.DoesNotContain("DrainToken", template.ToJsonString(), StringComparison.Ordinal);
    }
}
