using Realtime.Server.Tests.Infrastructure;
using System.Reflection;
using Realtime.Client;

namespace Realtime.Server.Tests.Client;

/// <summary>
/// The .NET client's public surface, member by member, against the approved list beside this file:
/// what users may rely on changes only on purpose. After an intended change:
/// <c>UPDATE_SNAPSHOTS=1</c>, then review the diff of <c>PublicApi.approved.txt</c>.
/// </summary>
public sealed class PublicApiTests
{
    private const BindingFlags Declared = BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    [Fact]
    public void The_client_exposes_only_the_approved_surface()
    {
        var surface = string.Join('\n', Describe(typeof(RealtimeClient).Assembly)) + "\n";
        var approved = ApprovedPath();
        if (Environment.GetEnvironmentVariable("UPDATE_SNAPSHOTS") == "1")
        {
            File.WriteAllText(approved, surface);
        }

        Assert.Equal(File.ReadAllText(approved), surface);
    }

    private static IEnumerable<string> Describe(Assembly assembly)
    {
        foreach (var type in assembly.GetExportedTypes().OrderBy(t => t.FullName, StringComparer.Ordinal))
        {
            yield return $"{Kind(type)} {type.FullName}";
            var members = type.GetMembers(Declared)
                .Where(m => m is not MethodInfo { IsSpecialName: true }) // accessors and event adders: the property or event says it
                .Where(m => !(type.IsEnum && m.Name == "value__"))
                .Select(Member)
                .Where(m => m is not null)
                .Order(StringComparer.Ordinal);
            foreach (var member in members)
            {
                yield return $"  {member}";
            }
        }
    }

    private static string Kind(Type type) =>
        type.IsEnum ? "enum" : type.IsInterface ? "interface" : type.IsValueType ? "struct" : type.IsAbstract && type.IsSealed ? "static class" : "class";

    private static string? Member(MemberInfo member) => member switch
    {
        ConstructorInfo c => $"ctor({Parameters(c)})",
        MethodInfo m when m.Name is "<Clone>$" or "PrintMembers" or "EqualityContract" => null, // record plumbing
        MethodInfo m => $"{(m.IsStatic ? "static " : "")}{Name(m.ReturnType)} {m.Name}({Parameters(m)})",
        PropertyInfo p when p.Name == "EqualityContract" => null,
        PropertyInfo p => $"{Name(p.PropertyType)} {p.Name} {{ {(p.GetMethod?.IsPublic == true ? "get; " : "")}{(p.SetMethod?.IsPublic == true ? (p.SetMethod.ReturnParameter.GetRequiredCustomModifiers().Any(t => t.Name == "IsExternalInit") ? "init; " : "set; ") : "")}}}",
        EventInfo e => $"event {Name(e.EventHandlerType!)} {e.Name}",
        FieldInfo f => $"{(f.IsStatic ? "static " : "")}{Name(f.FieldType)} {f.Name}",
        _ => $"{member.MemberType} {member.Name}",
    };

    private static string Parameters(MethodBase method) =>
        string.Join(", ", method.GetParameters().Select(p => $"{Name(p.ParameterType)} {p.Name}{(p.HasDefaultValue ? " = …" : "")}"));

    private static string Name(Type type) => type.IsGenericType
        ? $"{type.Name[..type.Name.IndexOf('`', StringComparison.Ordinal)]}<{string.Join(", ", type.GetGenericArguments().Select(Name))}>"
        : type.Name;

    private static string ApprovedPath() =>
        Path.Combine(RepositoryRoot.Path, "tests", "Realtime.Server.Tests", "Client", "PublicApi.approved.txt");
}
