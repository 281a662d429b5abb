using System.Diagnostics;
using Amazon.CDK;
using RealtimeInfra.Cdk.Settings;

namespace RealtimeInfra.Cdk.Tests;

/// <summary>The path from context to stacks: bad settings stop synth before any construct exists.</summary>
[Collection(SynthCollection.Name)]
public sealed class ProgramTests
{
    [Fact]
    public void Bad_setting_fails_before_any_stack_is_created()
    {
        var context = SynthFixture.Context("dev", environments => environments["dev"]!["service"]!["cpu"] = 300);
        var app = new App(new AppProps { Context = context });

        var error = Assert.Throws<SettingsException>(() => Program.Configure(app, RepositoryPaths.Root));

        Assert.Contains("service.cpu = 300", error.Message, StringComparison.Ordinal);
        Assert.Empty(app.Node.Children);
    }

    /// <summary>
    /// jsii cannot hand a null inside a list back to .NET; the app must say so plainly. Run as the
    /// CLI runs it, with the context in CDK_CONTEXT_JSON.
    /// </summary>
    [Fact]
    public async Task Null_in_a_context_list_is_reported_as_a_settings_problem()
    {
        var context = """{ "env": "dev", "environments": { "dev": { "network": [null] } } }""";
        var (exitCode, output) = await Run("dotnet", [typeof(Program).Assembly.Location], new() { ["CDK_CONTEXT_JSON"] = context });

        Assert.Equal(1, exitCode);
        Assert.Contains("context 'environments' cannot be read", output, StringComparison.Ordinal);
    }

    /// <summary>Through the real CLI, as a user runs it: the message reaches the terminal and synth fails.</summary>
    [Fact]
    public async Task Cdk_cli_synth_of_an_unknown_environment_fails_with_the_message()
    {
        var outDir = Directory.CreateTempSubdirectory("realtime-cli-test-").FullName;
        try
        {
            var (exitCode, output) = await Run("npx", ["--no-install", "cdk", "synth", "-q", "-c", "env=staging", "-o", outDir], []);

            Assert.NotEqual(0, exitCode);
            Assert.Contains("env = 'staging': unknown environment; allowed: dev, prod", output, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(outDir, recursive: true);
        }
    }

    private static async Task<(int ExitCode, string Output)> Run(string file, string[] args, Dictionary<string, string> environment)
    {
        var start = new ProcessStartInfo(file, args)
        {
            WorkingDirectory = RepositoryPaths.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION"] = "20";
        start.Environment["CDK_DISABLE_VERSION_CHECK"] = "1";
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stderr + await stdout);
    }
}
