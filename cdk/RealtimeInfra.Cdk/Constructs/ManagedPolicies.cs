using Amazon.CDK;
using Amazon.CDK.AWS.IAM;
using Amazon.JSII.Runtime.Deputy;
using Constructs;

namespace RealtimeInfra.Cdk.Constructs;

/// <summary>
/// Turns the inline policies the L2 constructs write for their grants (a role's <c>DefaultPolicy</c>)
/// into customer-managed policies attached to the same roles, with the same statements: versioned,
/// listed on their own in IAM, and what the compliance packs' IAMNoInlinePolicy asks for. The grants
/// keep working as written; only the resource's type (and so its logical id, since CloudFormation
/// cannot change a resource's type in place) changes. A policy on users or groups is left alone.
/// </summary>
public sealed class ManagedPolicies : DeputyBase, IAspect
{
    /// <summary>Appended to a converted policy's logical id: a new resource, the inline one deleted.</summary>
    public const string LogicalIdSuffix = "Managed";

    private static object? Resolved(Stack stack, object? value) => value is null ? null : stack.Resolve(value);

    private readonly HashSet<string> _converted = new(StringComparer.Ordinal);

    public void Visit(IConstruct node)
    {
        if (node is not CfnPolicy policy || !_converted.Add(policy.Node.Path))
        {
            return;
        }

        // The L2 hands its lists over lazily: resolved, an empty one is absent.
        var stack = Stack.Of(policy);
        if (Resolved(stack, policy.Users) is not null || Resolved(stack, policy.Groups) is not null || Resolved(stack, policy.Roles) is null)
        {
            return;
        }

        var logicalId = stack.GetLogicalId(policy);

        policy.AddOverride("Type", "AWS::IAM::ManagedPolicy");
        policy.AddPropertyDeletionOverride("PolicyName");
        policy.OverrideLogicalId(logicalId + LogicalIdSuffix);
    }
}
