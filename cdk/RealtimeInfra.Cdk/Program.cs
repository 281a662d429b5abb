using System.Text.Json;
using Amazon.CDK;
using RealtimeInfra.Cdk.Settings;
using RealtimeInfra.Cdk.Stacks;

namespace RealtimeInfra.Cdk;

/// <summary>
/// The CDK app. The only place that reads context: <c>-c env=NAME</c> picks an environment from
/// the <c>environments</c> object in cdk.json (default dev) and <c>-c imageTag=TAG</c> overrides
/// the image; everything below receives typed, validated settings.
/// </summary>
public static class Program
{
    public const string EnvironmentsKey = "environments";
    public const string EnvironmentKey = "env";
    public const string ImageTagKey = "imageTag";

    public static int Main()
    {
        var app = new App();
        try
        {
            // `cdk` runs the app from the folder that holds cdk.json: the repository root.
            Configure(app, Directory.GetCurrentDirectory());
        }
        catch (SettingsException e)
        {
            Console.Error.WriteLine(e.Message);
            return 1;
        }

        app.Synth();
        return 0;
    }

    /// <summary>Reads the context of <paramref name="app"/> and adds the chosen environment's stacks.</summary>
    public static RealtimeStacks Configure(App app, string sourceRoot)
    {
        var name = app.Node.TryGetContext(EnvironmentKey) as string ?? SettingsLoader.DefaultEnvironment;
        var imageTag = app.Node.TryGetContext(ImageTagKey) as string;
        var environment = SettingsLoader.Load(ReadEnvironments(app, name), name, imageTag);
        return new RealtimeStacks(app, environment, sourceRoot);
    }

    private static JsonElement ReadEnvironments(App app, string name)
    {
        object? raw;
        try
        {
            raw = app.Node.TryGetContext(EnvironmentsKey);
        }
        catch (ArgumentException e)
        {
            // jsii cannot hand a null inside a list back to .NET; say so instead of its stack trace.
            throw new SettingsException(name, [$"context '{EnvironmentsKey}' cannot be read ({e.Message}): remove null from lists, or leave the key out to take its default"]);
        }

        if (raw is null)
        {
            throw new SettingsException(name, [$"context '{EnvironmentsKey}' is missing: cdk.json must define it (see docs/operations.md)"]);
        }

        return JsonSerializer.SerializeToElement(raw);
    }
}
