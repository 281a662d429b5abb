using Amazon.CDK;
using RealtimeInfra.Cdk.Constructs;
using RealtimeInfra.Cdk.Settings;

namespace RealtimeInfra.Cdk.Stacks;

/// <summary>
/// The three stacks of one environment, stateful apart from stateless as the CDK guide advises:
/// <c>Realtime-&lt;Env&gt;-Network</c>, <c>-Backplane</c> and <c>-Service</c>.
/// </summary>
public sealed class RealtimeStacks
{
    public RealtimeStacks(App app, RealtimeEnvironment environment, string sourceRoot)
    {
        var settings = environment.Settings;
        var prefix = StackPrefix(environment.Name);
        var env = settings.Account is null && settings.Region is null
            ? null
            : new Amazon.CDK.Environment { Account = settings.Account, Region = settings.Region };
        var tags = new Dictionary<string, string>
        {
            ["Project"] = "RealtimeInfra",
            ["Environment"] = environment.Name,
        };

        Network = new NetworkStack(app, $"{prefix}-Network", new NetworkStackProps
        {
            Settings = settings,
            EnvironmentName = environment.Name,
            Env = env,
            Tags = tags,
            TerminationProtection = settings.TerminationProtection,
            Description = $"RealtimeInfra {environment.Name}: VPC, subnets, endpoints, flow logs{(settings.Strict ? " and the logs' KMS key" : "")}",
        });
        Backplane = new BackplaneStack(app, $"{prefix}-Backplane", new BackplaneStackProps
        {
            Settings = settings,
            Vpc = Network.Vpc,
            EnvironmentName = environment.Name,
            LogKey = Network.LogKey,
            Env = env,
            Tags = tags,
            TerminationProtection = settings.TerminationProtection,
            Description = $"RealtimeInfra {environment.Name}: ElastiCache backplane and its AUTH token",
        });
        Service = new ServiceStack(app, $"{prefix}-Service", new ServiceStackProps
        {
            EnvironmentName = environment.Name,
            Settings = settings,
            Vpc = Network.Vpc,
            Backplane = Backplane.Backplane,
            LogKey = Network.LogKey,
            SecretKey = Backplane.SecretKey,
            Rotation = Backplane.Rotation,
            SourceRoot = sourceRoot,
            Env = env,
            Tags = tags,
            Description = $"RealtimeInfra {environment.Name}: load balancer, Fargate service, scaling, alarms and dashboard",
        });

        foreach (var stack in All)
        {
            stack.AddMetadata(ComplianceMetadataKey, settings.Compliance);
            if (settings.Strict)
            {
                Aspects.Of(stack).Add(new ManagedPolicies());
            }
        }
    }

    /// <summary>
    /// What the policy checks read to pick their packs (tests/policy/check.mjs): the template says
    /// which standard it is built to, so a stack claiming more than it meets fails CI.
    /// </summary>
    public const string ComplianceMetadataKey = "RealtimeInfra::Compliance";

    public NetworkStack Network { get; }

    public BackplaneStack Backplane { get; }

    public ServiceStack Service { get; }

    public IReadOnlyList<Stack> All => [Network, Backplane, Service];

    /// <summary>"dev" → "Realtime-Dev".</summary>
    public static string StackPrefix(string environment) =>
        $"Realtime-{char.ToUpperInvariant(environment[0])}{environment[1..]}";
}
