using Amazon.SimpleSystemsManagement;
using Amazon.SimpleSystemsManagement.Model;

namespace Realtime.AspNetCore.Backplane.Redis;

/// <summary>
/// The AWSCURRENT value of a Secrets Manager secret, read through Parameter Store's reference
/// <c>/aws/reference/secretsmanager/NAME</c> with the task's own credentials (its role needs
/// <c>ssm:GetParameter</c> there and <c>secretsmanager:GetSecretValue</c> on the secret; the stack
/// grants both). The client's region and credentials come from the environment, as on ECS.
/// </summary>
public sealed class SecretsManagerPasswordSource(string secretId, IAmazonSimpleSystemsManagement parameterStore) : IRedisPasswordSource
{
    public const string ReferencePrefix = "/aws/reference/secretsmanager/";

    public string Name => ReferencePrefix + SecretName(secretId);

    public async Task<string> ReadAsync(CancellationToken cancellationToken)
    {
        var response = await parameterStore.GetParameterAsync(new GetParameterRequest { Name = Name, WithDecryption = true }, cancellationToken);
        return response.Parameter.Value;
    }

    /// <summary>
    /// A reference names the secret, not its ARN (a parameter name has no colons): an ARN's last part
    /// is the name and the six characters Secrets Manager appended, which are left out.
    /// </summary>
    public static string SecretName(string secretId)
    {
        if (!secretId.StartsWith("arn:", StringComparison.Ordinal))
        {
            return secretId;
        }

        var resource = secretId[(secretId.LastIndexOf(':') + 1)..];
        return resource.Length > 7 && resource[^7] == '-' ? resource[..^7] : resource;
    }
}
