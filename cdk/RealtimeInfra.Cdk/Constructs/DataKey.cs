using Amazon.CDK;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.KMS;
using Constructs;

namespace RealtimeInfra.Cdk.Constructs;

/// <summary>What a <see cref="DataKey"/> encrypts: CloudWatch log groups, or Secrets Manager secrets.</summary>
public enum DataClass
{
    Logs,
    Secrets,
}

public sealed record DataKeyProps
{
    public required DataClass Class { get; init; }

    /// <summary>Prefix of the key's alias, e.g. <c>realtime-prod</c> → <c>alias/realtime-prod/logs</c>.</summary>
    public required string AliasPrefix { get; init; }

    /// <summary>RETAIN keeps the key (and so whatever it encrypted stays readable) when the stack is deleted.</summary>
    public required RemovalPolicy RemovalPolicy { get; init; }
}

/// <summary>
/// A customer-managed KMS key for one class of data of an environment, rotated yearly by KMS. With
/// a key of its own, who may read the environment's logs or secrets is decided in one key policy,
/// and CloudTrail records every use. The policy trusts the account's IAM policies (CDK's default),
/// so readers in other stacks are granted on their own policies (<see cref="SecretReading"/>): a
/// grant written into this key's policy would make this stack depend on theirs.
/// </summary>
public sealed class DataKey : Construct
{
    public DataKey(Construct scope, string id, DataKeyProps props)
        : base(scope, id)
    {
        var stack = Stack.Of(this);
        var name = props.Class.ToString().ToLowerInvariant();
        Key = new Key(this, "Key", new KeyProps
        {
            Description = props.Class == DataClass.Logs
                ? "RealtimeInfra: CloudWatch Logs (app, VPC flow logs, functions, WAF)"
                : "RealtimeInfra: Secrets Manager secrets (cache AUTH token, drain token)",
            Alias = $"alias/{props.AliasPrefix}/{name}",
            EnableKeyRotation = true,
            RemovalPolicy = props.RemovalPolicy,
        });
        if (props.Class == DataClass.Logs)
        {
            // CloudWatch Logs encrypts with the key on the log groups' behalf, only for this account's
            // log groups in this region (the encryption context names the log group).
            Key.AddToResourcePolicy(new PolicyStatement(new PolicyStatementProps
            {
                Sid = "CloudWatchLogsOfThisAccount",
                Principals = [new ServicePrincipal($"logs.{stack.Region}.amazonaws.com")],
                Actions = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
                Resources = ["*"],
                Conditions = new Dictionary<string, object>
                {
                    ["ArnLike"] = new Dictionary<string, object>
                    {
                        ["kms:EncryptionContext:aws:logs:arn"] = stack.FormatArn(new ArnComponents
                        {
                            Service = "logs",
                            Resource = "log-group",
                            ResourceName = "*",
                            ArnFormat = ArnFormat.COLON_RESOURCE_NAME,
                        }),
                    },
                },
            }));
        }

        // Secrets Manager's own grant is added by each secret that uses the key (the Secret construct does it).
    }

    public Key Key { get; }
}
