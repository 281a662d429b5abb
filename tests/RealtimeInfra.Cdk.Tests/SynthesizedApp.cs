using System.Text.Json;
using System.Text.Json.Nodes;
using Amazon.CDK;
using Amazon.CDK.Assertions;
using RealtimeInfra.Cdk.Stacks;

namespace RealtimeInfra.Cdk.Tests;

/// <summary>One environment synthesized exactly as <c>cdk synth -c env=NAME</c> would.</summary>
public sealed class SynthesizedApp
{
    public SynthesizedApp(string name, IDictionary<string, object> context)
    {
        Name = name;
        OutDir = Directory.CreateTempSubdirectory("realtime-cdk-test-").FullName;
        var app = new App(new AppProps { Context = context, Outdir = OutDir });
        Stacks = Program.Configure(app, RepositoryPaths.Root);
        Network = Template.FromStack(Stacks.Network);
        Backplane = Template.FromStack(Stacks.Backplane);
        Service = Template.FromStack(Stacks.Service);
        Json = new Dictionary<string, JsonObject>
        {
            [Stacks.Network.StackName] = ToJson(Network),
            [Stacks.Backplane.StackName] = ToJson(Backplane),
            [Stacks.Service.StackName] = ToJson(Service),
        };
        ServiceAnnotations = Amazon.CDK.Assertions.Annotations.FromStack(Stacks.Service);
    }

    public string Name { get; }
    public string OutDir { get; }
    public RealtimeStacks Stacks { get; }
    public Template Network { get; }
    public Template Backplane { get; }
    public Template Service { get; }
    public Amazon.CDK.Assertions.Annotations ServiceAnnotations { get; }

    /// <summary>Each stack's template as JSON, keyed by stack name (for snapshots and set-wise checks).</summary>
    public IReadOnlyDictionary<string, JsonObject> Json { get; }

    public JsonObject ServiceJson => Json[Stacks.Service.StackName];
    public JsonObject BackplaneJson => Json[Stacks.Backplane.StackName];
    public JsonObject NetworkJson => Json[Stacks.Network.StackName];

    private static JsonObject ToJson(Template template) =>
        JsonSerializer.SerializeToNode(template.ToJSON())!.AsObject();
}
