using System.Text.Json;
using Realtime.AspNetCore.Extensibility;

namespace Realtime.Server.Booking;

/// <summary>
/// The demo's chat (<c>chat:*</c>): a message is <c>{"name","text"}</c>; anything else is refused,
/// and what is stored is the message tidied (text trimmed, at most 500 characters) and stamped with
/// the server's time, so every reader sees the same clock.
/// </summary>
public sealed class ChatHooks(TimeProvider time) : RealtimeHooks
{
    public const string BadMessage = "bad_message";

    private const int MaxText = 500;

    public override ValueTask<HookResult> OnPublishAsync(PublishContext context, CancellationToken cancellationToken)
    {
        var data = context.Data;
        if (data.ValueKind != JsonValueKind.Object
            || !data.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String
            || !data.TryGetProperty("text", out var text) || text.ValueKind != JsonValueKind.String
            || text.GetString()!.Trim() is not { Length: > 0 } trimmed)
        {
            return ValueTask.FromResult(HookResult.Refuse(BadMessage, "A chat message is {\"name\": …, \"text\": …} with some text."));
        }

        var tidy = new ChatMessage(name.GetString()!, trimmed.Length <= MaxText ? trimmed : trimmed[..MaxText], time.GetUtcNow().ToUnixTimeMilliseconds());
        return ValueTask.FromResult(HookResult.Accept(tidy));
    }

    private sealed record ChatMessage(string Name, string Text, long At);
}
