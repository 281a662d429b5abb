using System.Text.Json;
using System.Text.Json.Nodes;
using Realtime.AspNetCore.Extensibility;

namespace Realtime.Server.Booking;

/// <summary>
/// The demo's chat (<c>chat:*</c>): a message is an object with a <c>name</c> and some <c>text</c>;
/// anything else is refused. What is stored is the message tidied (text trimmed, at most 500
/// characters) and stamped with the server's time (<c>at</c>, Unix ms), so every reader sees one
/// clock; other fields pass through.
/// </summary>
public sealed class ChatHooks(TimeProvider time) : RealtimeHooks
{
    public const string BadMessage = "bad_message";

    private const int MaxText = 500;

    public override ValueTask<HookResult> OnPublishAsync(PublishContext context, CancellationToken cancellationToken)
    {
        if (JsonNode.Parse(context.Data.GetRawText()) is not JsonObject message
            || message["name"] is not JsonValue name || name.GetValueKind() != JsonValueKind.String
            || message["text"] is not JsonValue text || text.GetValueKind() != JsonValueKind.String
            || text.GetValue<string>().Trim() is not { Length: > 0 } trimmed)
        {
            return ValueTask.FromResult(HookResult.Refuse(BadMessage, "A chat message is {\"name\": …, \"text\": …} with some text."));
        }

        message["text"] = trimmed.Length <= MaxText ? trimmed : trimmed[..MaxText];
        message["at"] = time.GetUtcNow().ToUnixTimeMilliseconds();
        return ValueTask.FromResult(HookResult.Accept(JsonSerializer.SerializeToElement(message)));
    }
}
