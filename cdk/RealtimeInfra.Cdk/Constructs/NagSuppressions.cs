using Amazon.CDK;
using Constructs;

namespace RealtimeInfra.Cdk.Constructs;

/// <summary>A cdk-nag rule accepted for one resource, and why, in one sentence.</summary>
public sealed record NagSuppression(string Id, string Reason);

/// <summary>
/// Records accepted cdk-nag findings as <c>cdk_nag</c> metadata (<c>rules_to_suppress</c>, the
/// format cdk-nag v2 wrote) in the template, next to the resource they excuse. The policy checker
/// (tests/policy) reads it, acknowledges each finding through CDK's validation API, and rejects an
/// entry without a reason. Ids use cdk-nag v3's form, e.g. <c>AwsSolutions-IAM5[Resource::*]</c>.
/// </summary>
public static class NagSuppressions
{
    public const string MetadataKey = "cdk_nag";

    /// <summary>
    /// Sets the accepted findings of the resource behind <paramref name="scope"/> (the construct
    /// itself, or its default child). One call per resource: a second call replaces the first.
    /// </summary>
    public static void Add(IConstruct scope, params NagSuppression[] suppressions)
    {
        var resource = scope as CfnResource ?? scope.Node.DefaultChild as CfnResource
            ?? throw new ArgumentException($"{scope.Node.Path} is not a CloudFormation resource and has none as its default child", nameof(scope));
        resource.AddMetadata(MetadataKey, new Dictionary<string, object>
        {
            ["rules_to_suppress"] = suppressions
                .Select(s => (object)new Dictionary<string, object> { ["id"] = s.Id, ["reason"] = s.Reason })
                .ToArray(),
        });
    }
}
