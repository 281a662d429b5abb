using System.Text.Json;
using System.Text.Json.Serialization;

namespace Realtime.AspNetCore.Extensibility;

[JsonSerializable(typeof(JsonElement))]
internal sealed partial class ExtensibilityJson : JsonSerializerContext;
