using Amazon.CDK;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.KMS;
using Amazon.CDK.AWS.SecretsManager;
using Constructs;

namespace RealtimeInfra.Cdk.Constructs;

/// <summary>
/// Reading a secret whose customer-managed key belongs to another stack. CDK's own grant on such a
/// secret writes the reader into the key's policy, which makes the key's stack depend on the
/// reader's, a cycle; here the reader gets the secret through a key-less view and the key's use on
/// its own policy, limited to decrypting through Secrets Manager.
/// </summary>
public static class SecretReading
{
    /// <summary>The same secret without its key, for ECS and grants that would otherwise touch the key's policy.</summary>
    public static ISecret KeylessView(Construct scope, string id, ISecret secret) =>
        secret.EncryptionKey is null ? secret : Secret.FromSecretCompleteArn(scope, id, secret.SecretArn);

    /// <summary>Lets <paramref name="reader"/> decrypt with <paramref name="key"/>, through Secrets Manager only.</summary>
    public static void GrantDecrypt(IGrantable reader, IKey? key)
    {
        if (key is null)
        {
            return;
        }

        reader.GrantPrincipal.AddToPrincipalPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Actions = ["kms:Decrypt"],
            Resources = [key.KeyArn],
            Conditions = new Dictionary<string, object>
            {
                ["StringEquals"] = new Dictionary<string, object>
                {
                    ["kms:ViaService"] = $"secretsmanager.{Stack.Of(key).Region}.amazonaws.com",
                },
            },
        }));
    }

    /// <summary>Reading <paramref name="secret"/> (value and description) and decrypting it, on the reader's policy only.</summary>
    public static void GrantRead(Construct scope, string id, ISecret secret, IGrantable reader)
    {
        KeylessView(scope, id, secret).GrantRead(reader);
        GrantDecrypt(reader, secret.EncryptionKey);
    }
}
