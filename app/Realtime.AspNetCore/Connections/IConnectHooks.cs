using System.Text.Json;

namespace Realtime.AspNetCore.Connections;

/// <summary>
/// The app's say on a new connection before its <c>welcome</c> (its connect hooks), as the
/// connection layer needs it: whether to ask at all, and the answer. The application layer
/// implements it, so connections never see the hooks' machinery.
/// </summary>
public interface IConnectHooks
{
    /// <summary>Whether any connect hook runs; when none does, a connection is never held up.</summary>
    bool Any { get; }

    /// <summary>
    /// The data the app attaches to the connection, if any. A refusal, a failure or a timeout arrives
    /// as a <see cref="Protocol.RequestException"/> (<c>hook_failed</c>, <c>hook_timeout</c>, or the app's code).
    /// </summary>
    ValueTask<JsonElement?> AskAsync(string connectionId, string? user, CancellationToken cancellationToken);
}
