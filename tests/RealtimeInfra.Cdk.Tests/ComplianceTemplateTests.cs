using System.Diagnostics;
using System.Text.Json.Nodes;
using RealtimeInfra.Cdk.Constructs;
using RealtimeInfra.Cdk.Stacks;

namespace RealtimeInfra.Cdk.Tests;

/// <summary>
/// compliance: hipaa (prod) against none (dev): what the setting adds is in the templates, and only
/// there; and the HIPAA Security and NIST 800-53 rev 5 packs pass on dev with the setting turned on.
/// </summary>
[Collection(SynthCollection.Name)]
public sealed class ComplianceTemplateTests(SynthFixture synth)
{
    private static IEnumerable<JsonObject> Resources(SynthesizedApp app, string type) =>
        app.Json.Values.SelectMany(t => ServiceTemplateTests.Resources(t, type)).Select(r => r.AsObject());

    private static JsonNode Properties(JsonObject resource) => resource["Properties"]!;

    /// <summary>
    /// The statements of the managed policies attached to the role whose logical id starts with
    /// <paramref name="role"/>, as JSON; with <paramref name="action"/>, only the statements granting it.
    /// </summary>
    private static string PoliciesOf(SynthesizedApp app, string role, string? action = null)
    {
        var statements = Resources(app, "AWS::IAM::ManagedPolicy")
            .Where(p => Properties(p)["Roles"]!.ToJsonString().Contains($"\"{role}", StringComparison.Ordinal))
            .SelectMany(p => Properties(p)["PolicyDocument"]!["Statement"]!.AsArray())
            .Where(s => action is null || s!["Action"]!.ToJsonString().Contains($"\"{action}\"", StringComparison.Ordinal))
            .Select(s => s!.ToJsonString())
            .ToList();
        Assert.NotEmpty(statements);
        return string.Join(' ', statements);
    }

    [Fact]
    public void Every_stack_says_which_standard_it_is_built_to()
    {
        Assert.All(synth.Prod.Json.Values, t => Assert.Equal("hipaa", (string?)t["Metadata"]![RealtimeStacks.ComplianceMetadataKey]));
        Assert.All(synth.Dev.Json.Values, t => Assert.Equal("none", (string?)t["Metadata"]![RealtimeStacks.ComplianceMetadataKey]));
    }

    [Fact]
    public void Logs_and_secrets_have_keys_of_their_own_that_rotate()
    {
        var keys = Resources(synth.Prod, "AWS::KMS::Key").ToList();
        Assert.Equal(3, keys.Count); // logs, secrets, and the alarm topic's (there whatever the setting)
        Assert.All(keys, k => Assert.True((bool?)Properties(k)["EnableKeyRotation"]));
        var aliases = Resources(synth.Prod, "AWS::KMS::Alias").Select(a => (string?)Properties(a)["AliasName"]).Order().ToList();
        Assert.Equal(["alias/realtime-prod/logs", "alias/realtime-prod/secrets"], aliases);

        var logGroups = Resources(synth.Prod, "AWS::Logs::LogGroup").ToList();
        Assert.True(logGroups.Count >= 5, "app, flow logs, drain function, rotation function, WAF");
        Assert.All(logGroups, g => Assert.NotNull(Properties(g)["KmsKeyId"]));
        Assert.All(Resources(synth.Prod, "AWS::SecretsManager::Secret"), s => Assert.NotNull(Properties(s)["KmsKeyId"]));

        Assert.DoesNotContain(Resources(synth.Dev, "AWS::KMS::Alias"), a => ((string?)Properties(a)["AliasName"])?.StartsWith("alias/realtime-", StringComparison.Ordinal) == true);
        Assert.All(Resources(synth.Dev, "AWS::Logs::LogGroup"), g => Assert.Null(Properties(g)["KmsKeyId"]));
    }

    [Fact]
    public void The_auth_token_rotates_monthly_through_the_function_in_the_vpc()
    {
        var schedule = Assert.Single(Resources(synth.Prod, "AWS::SecretsManager::RotationSchedule"));
        Assert.Equal("rate(30 days)", (string?)Properties(schedule)["RotationRules"]!["ScheduleExpression"]);
        var function = Resources(synth.Prod, "AWS::Lambda::Function")
            .Single(f => ((string?)Properties(f)["Description"])?.Contains("AUTH token", StringComparison.Ordinal) == true);
        Assert.Equal(NodeFunctions.ReadSource(AuthTokenRotation.Source), (string?)Properties(function)["Code"]!["ZipFile"]);
        Assert.NotNull(Properties(function)["VpcConfig"]);
        Assert.Equal(900, (int?)Properties(function)["Timeout"]);
        var variables = Properties(function)["Environment"]!["Variables"]!.AsObject();
        Assert.Equal(AppEnvironment.PasswordGraceSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture), (string?)variables["GRACE_SECONDS"]);
        Assert.True(AppEnvironment.PasswordGraceSeconds >= 2 * AppEnvironment.PasswordRefreshSeconds, "every task re-reads the token at least once before SET");

        var policies = string.Join(' ', Resources(synth.Prod, "AWS::IAM::ManagedPolicy").Select(p => Properties(p)["PolicyDocument"]!.ToJsonString()));
        Assert.Contains("elasticache:ModifyReplicationGroup", policies, StringComparison.Ordinal);

        Assert.Empty(Resources(synth.Dev, "AWS::SecretsManager::RotationSchedule"));
    }

    [Fact]
    public void Tasks_follow_the_rotation_with_the_secret_and_parameter_store_granted()
    {
        var container = Properties(Resources(synth.Prod, "AWS::ECS::TaskDefinition").Single())["ContainerDefinitions"]![0]!;
        var names = container["Environment"]!.AsArray().Select(v => (string?)v!["Name"]).ToList();
        Assert.Contains(AppEnvironment.RedisPasswordSecretId, names);
        Assert.Contains(AppEnvironment.RedisPasswordRefreshSeconds, names);

        var taskRole = PoliciesOf(synth.Prod, "AppTaskTaskRole");
        Assert.Contains("ssm:GetParameter", taskRole, StringComparison.Ordinal);
        Assert.Contains("parameter/aws/reference/secretsmanager/*", taskRole, StringComparison.Ordinal);

        // Every reader of a secret decrypts with the secrets key (another stack's), through Secrets Manager only.
        foreach (var role in new[] { "AppTaskTaskRole", "AppTaskExecutionRole", "DrainFunctionServiceRole" })
        {
            var statement = PoliciesOf(synth.Prod, role, "kms:Decrypt");
            Assert.Contains("SecretKey", statement, StringComparison.Ordinal);
            Assert.Contains("\"kms:ViaService\"", statement, StringComparison.Ordinal);
        }

        // The rotation function, in the key's own stack, is granted in the key's policy.
        var keyPolicy = Properties(Resources(synth.Prod, "AWS::KMS::Key").Single(k => ((string?)Properties(k)["Description"])!.Contains("Secrets Manager", StringComparison.Ordinal)))["KeyPolicy"]!.ToJsonString();
        Assert.Contains("AuthTokenRotationFunctionServiceRole", keyPolicy, StringComparison.Ordinal);

        var devContainer = Properties(Resources(synth.Dev, "AWS::ECS::TaskDefinition").Single())["ContainerDefinitions"]![0]!;
        Assert.DoesNotContain(devContainer["Environment"]!.AsArray(), v => (string?)v!["Name"] == AppEnvironment.RedisPasswordSecretId);
    }

    [Fact]
    public void Waf_logs_every_request_with_credentials_redacted()
    {
        var logging = Assert.Single(Resources(synth.Prod, "AWS::WAFv2::LoggingConfiguration"));
        var redacted = Properties(logging)["RedactedFields"]!.ToJsonString();
        Assert.Contains("\"SingleHeader\":{\"Name\":\"authorization\"}", redacted, StringComparison.Ordinal);
        Assert.Contains("\"QueryString\":{}", redacted, StringComparison.Ordinal);
        var group = Resources(synth.Prod, "AWS::Logs::LogGroup").Single(g => Properties(g)["LogGroupName"]?.ToJsonString().Contains($"\"{EdgeProtection.LogGroupPrefix}realtime-prod-service-", StringComparison.Ordinal) == true);
        Assert.Contains("AWS::StackId", Properties(group)["LogGroupName"]!.ToJsonString(), StringComparison.Ordinal); // a new stack, a new name
        Assert.NotNull(Properties(group)["KmsKeyId"]);
        Assert.Empty(Resources(synth.Dev, "AWS::WAFv2::LoggingConfiguration"));
    }

    [Fact]
    public void Access_logs_are_versioned_and_their_own_access_is_logged()
    {
        var buckets = Resources(synth.Prod, "AWS::S3::Bucket").ToList();
        Assert.Equal(2, buckets.Count);
        Assert.All(buckets, b => Assert.Equal("Enabled", (string?)Properties(b)["VersioningConfiguration"]!["Status"]));
        Assert.All(buckets, b => Assert.Contains(Properties(b)["LifecycleConfiguration"]!["Rules"]!.AsArray(), r => r!["NoncurrentVersionExpiration"] is not null));
        var logged = Assert.Single(buckets, b => Properties(b)["LoggingConfiguration"] is not null);
        Assert.Equal("access-logs/", (string?)Properties(logged)["LoggingConfiguration"]!["LogFilePrefix"]);
    }

    [Fact]
    public void Policies_are_managed_not_inline_and_functions_have_their_own_concurrency()
    {
        Assert.Empty(Resources(synth.Prod, "AWS::IAM::Policy"));
        Assert.NotEmpty(Resources(synth.Prod, "AWS::IAM::ManagedPolicy"));
        Assert.NotEmpty(Resources(synth.Dev, "AWS::IAM::Policy")); // none leaves CDK's inline policies as they were

        var ours = Resources(synth.Prod, "AWS::Lambda::Function").Where(f => ((string?)Properties(f)["Description"])?.StartsWith("RealtimeInfra", StringComparison.Ordinal) == true).ToList();
        Assert.Equal(2, ours.Count);
        Assert.All(ours, f => Assert.True((int?)Properties(f)["ReservedConcurrentExecutions"] > 0));
        var drain = ours.Single(f => Properties(f)["DeadLetterConfig"] is not null);
        Assert.Contains("drain", (string?)Properties(drain)["Description"], StringComparison.Ordinal);
    }

    /// <summary>
    /// The policy checks (tests/policy/check.mjs), run as CI runs them, on dev with compliance: hipaa
    /// (and what it needs: region, WAF, access logs, a certificate): every finding of the three packs
    /// is met or acknowledged with a reason, also with dev's throw-away settings (no deletion protection,
    /// data destroyed with the stack); and no compliance rule is accepted where it is met (matrix.mjs).
    /// </summary>
    [Fact]
    public async Task Dev_with_hipaa_passes_every_pack()
    {
        var check = await NodeAsync("check.mjs", synth.DevHipaa.OutDir);
        Assert.True(check.ExitCode == 0, check.Output);
        Assert.Contains("compliance hipaa: AwsSolutions, HIPAA Security, NIST 800-53 R5): no unacknowledged findings", check.Output, StringComparison.Ordinal);

        var matrix = await NodeAsync("matrix.mjs", synth.DevHipaa.OutDir);
        Assert.True(matrix.ExitCode == 0, matrix.Output);
        Assert.Contains("| ELBDeletionProtectionEnabled | HIPAA, NIST | 0 |", matrix.Output, StringComparison.Ordinal); // accepted: off in dev
    }

    /// <summary>
    /// Prod as committed has no certificate: it claims compliance: hipaa and the checks hold it to it,
    /// failing on the plain-HTTP listener and on nothing else (CI checks prod with a certificate).
    /// </summary>
    [Fact]
    public async Task Prod_without_a_certificate_fails_the_packs_on_the_certificate_rules_only()
    {
        var check = await NodeAsync("check.mjs", synth.Prod.OutDir);
        Assert.Equal(1, check.ExitCode);
        var failed = System.Text.RegularExpressions.Regex.Matches(check.Output, "Acknowledge with '([^']+)'")
            .Select(m => m.Groups[1].Value).Where(id => !id.StartsWith("CloudFormation-Validate::", StringComparison.Ordinal)).ToHashSet();
        Assert.Equal(
            ["HIPAA.Security::HIPAA.Security-ALBHttpToHttpsRedirection", "HIPAA.Security::HIPAA.Security-ELBv2ACMCertificateRequired",
             "NIST.800.53.R5::NIST.800.53.R5-ALBHttpToHttpsRedirection", "NIST.800.53.R5::NIST.800.53.R5-ELBv2ACMCertificateRequired"],
            failed.Order(StringComparer.Ordinal));
    }

    private static async Task<(int ExitCode, string Output)> NodeAsync(string script, string assembly)
    {
        var path = Path.Combine(RepositoryPaths.Root, "tests", "policy", script);
        var start = new ProcessStartInfo("node", [path, assembly]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var node = Process.Start(start)!;
        var output = node.StandardOutput.ReadToEndAsync();
        var errors = node.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        try
        {
            await node.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            node.Kill(entireProcessTree: true);
            throw new TimeoutException($"node {script} did not finish in 3 minutes");
        }

        return (node.ExitCode, await output + await errors);
    }
}
