using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace RealtimeInfra.Cdk.Settings;

/// <summary>The environment chosen on the command line, with its validated settings.</summary>
public sealed record RealtimeEnvironment(string Name, RealtimeSettings Settings);

/// <summary>
/// Binds the <c>environments</c> object of cdk.json context to <see cref="RealtimeSettings"/>:
/// picks one environment, rejects unknown keys and wrongly typed values, applies command-line
/// overrides, then validates. Throws one <see cref="SettingsException"/> listing every problem.
/// </summary>
public static class SettingsLoader
{
    public const string DefaultEnvironment = "dev";

    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        TypeInfoResolver = new DefaultJsonTypeInfoResolver(),
    };

    public static RealtimeEnvironment Load(JsonElement environments, string? environmentName, string? imageTag)
    {
        var name = string.IsNullOrWhiteSpace(environmentName) ? DefaultEnvironment : environmentName;
        if (environments.ValueKind != JsonValueKind.Object)
        {
            throw new SettingsException(name, ["context 'environments' must be an object with one entry per environment (e.g. dev, prod)"]);
        }

        if (!environments.TryGetProperty(name, out var element))
        {
            var known = string.Join(", ", environments.EnumerateObject().Select(p => p.Name));
            throw new SettingsException(name, [$"env = '{name}': unknown environment; allowed: {known}"]);
        }

        var problems = new List<string>();
        FindUnknownKeys(element, typeof(RealtimeSettings), prefix: "", problems);
        if (problems.Count > 0)
        {
            throw new SettingsException(name, problems);
        }

        RealtimeSettings settings;
        try
        {
            settings = element.Deserialize<RealtimeSettings>(Options) ?? new RealtimeSettings();
        }
        catch (JsonException e)
        {
            var path = e.Path is { Length: > 2 } p ? p[2..] : "(root)";
            throw new SettingsException(name, [$"{path}: wrong type of value ({e.Message.Split('.')[0]})"]);
        }

        if (!string.IsNullOrWhiteSpace(imageTag))
        {
            settings = settings with { Service = settings.Service with { ImageTag = imageTag } };
        }

        var errors = SettingsValidator.Validate(settings);
        if (errors.Count > 0)
        {
            throw new SettingsException(name, errors);
        }

        return new RealtimeEnvironment(name, settings);
    }

    /// <summary>
    /// Walks the JSON against the serializer's own contract, so a typo such as
    /// <c>backplane.replica</c> is reported instead of silently falling back to a default.
    /// </summary>
    private static void FindUnknownKeys(JsonElement element, Type type, string prefix, List<string> problems)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        var properties = Options.GetTypeInfo(type).Properties.ToDictionary(p => p.Name, p => p.PropertyType, StringComparer.Ordinal);
        foreach (var member in element.EnumerateObject())
        {
            var path = prefix + member.Name;
            if (!properties.TryGetValue(member.Name, out var propertyType))
            {
                problems.Add($"{path}: unknown setting; allowed here: {string.Join(", ", properties.Keys)}");
            }
            else if (propertyType.IsClass && propertyType != typeof(string) && Options.GetTypeInfo(propertyType).Kind == JsonTypeInfoKind.Object)
            {
                FindUnknownKeys(member.Value, propertyType, path + ".", problems);
            }
        }
    }
}
