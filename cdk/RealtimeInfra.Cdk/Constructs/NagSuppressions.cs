using Amazon.CDK;
using Constructs;

namespace RealtimeInfra.Cdk.Constructs;

/// <summary>A cdk-nag rule accepted for one resource, and why, in one sentence.</summary>
public sealed record NagSuppression(string Id, string Reason)
{
    /// <summary>cdk-nag's packs that <c>compliance: hipaa</c> is checked against (docs/compliance.md).</summary>
    public static readonly IReadOnlyList<string> CompliancePacks = ["HIPAA.Security", "NIST.800.53.R5"];

    /// <summary>
    /// The same rule accepted in both compliance packs (they share rule names): <c>IAMNoInlinePolicy</c>
    /// → <c>HIPAA.Security-IAMNoInlinePolicy</c> and <c>NIST.800.53.R5-IAMNoInlinePolicy</c>.
    /// </summary>
    public static NagSuppression[] InCompliancePacks(string rule, string reason) =>
        [.. CompliancePacks.Select(pack => new NagSuppression($"{pack}-{rule}", reason))];
}

/// <summary>
/// Records accepted cdk-nag findings as <c>cdk_nag</c> metadata (<c>rules_to_suppress</c>, the
/// format cdk-nag v2 wrote) in the template, next to the resource they excuse. The policy checker
/// (tests/policy) reads it, acknowledges each finding through CDK's validation API, and rejects an
/// entry without a reason. Ids use cdk-nag v3's form, e.g. <c>AwsSolutions-IAM5[Resource::*]</c>.
/// </summary>
public static class NagSuppressions
{
    public const string MetadataKey = "cdk_nag";

    /// <summary>What each resource has accepted so far (jsii gives metadata back only as opaque objects).</summary>
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<CfnResource, List<NagSuppression>> Accepted = [];

    /// <summary>
    /// Adds accepted findings to the resource behind <paramref name="scope"/> (the construct itself,
    /// or its default child); several calls add up, so each construct can accept what it owns.
    /// </summary>
    public static void Add(IConstruct scope, params NagSuppression[] suppressions) =>
        Add(scope, (IEnumerable<NagSuppression>)suppressions);

    /// <summary>
    /// Adds accepted findings to the policy CDK makes for <paramref name="role"/>'s grants (its
    /// <c>DefaultPolicy</c>), if it has one yet.
    /// </summary>
    public static void AddToDefaultPolicy(Amazon.CDK.AWS.IAM.IRole? role, params NagSuppression[] suppressions)
    {
        if (role?.Node.TryFindChild("DefaultPolicy") is IConstruct policy)
        {
            Add(policy, suppressions);
        }
    }

    public static void Add(IConstruct scope, IEnumerable<NagSuppression> suppressions)
    {
        var resource = scope as CfnResource ?? scope.Node.DefaultChild as CfnResource
            ?? throw new ArgumentException($"{scope.Node.Path} is not a CloudFormation resource and has none as its default child", nameof(scope));
        var rules = new List<NagSuppression>();
        if (Accepted.TryGetValue(resource, out var earlier))
        {
            rules.AddRange(earlier);
        }

        rules.AddRange(suppressions.Where(s => rules.All(r => r.Id != s.Id)));
        Accepted.AddOrUpdate(resource, rules);
        resource.AddMetadata(MetadataKey, new Dictionary<string, object>
        {
            ["rules_to_suppress"] = rules
                .Select(s => (object)new Dictionary<string, object> { ["id"] = s.Id, ["reason"] = s.Reason })
                .ToArray(),
        });
    }
}
