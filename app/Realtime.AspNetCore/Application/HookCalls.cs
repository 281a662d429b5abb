using System.Text.Json;
using Microsoft.Extensions.Options;
using Realtime.AspNetCore.Extensibility;
using Realtime.AspNetCore.Protocol;

namespace Realtime.AspNetCore.Application;

/// <summary>
/// The app's hooks as the request handlers meet them: each call finds the channel's hooks first
/// and returns at once when there are none (a namespace that asks for nothing pays a lookup), else
/// builds the context from the session and runs them. A refusal or failure arrives as a
/// <see cref="RequestException"/>, before anything is written.
/// </summary>
public sealed class HookCalls(HookRegistry registry, HookInvoker invoker, EventOutbox outbox, NodeIdentity node, IOptions<RealtimeOptions> options)
    : Connections.IConnectHooks
{
    private readonly int _maxMessageBytes = options.Value.MaxMessageBytes;

    /// <summary>
    /// The hooks a publish to this channel goes through (checks, or receivers told of it), or null: such
    /// publishes run their hooks in the pipeline and send their commands in turn (see <see cref="NamespaceHooks.InterceptsPublish"/>).
    /// </summary>
    public NamespaceHooks? PublishHooks(string? channel) => registry.For(channel) is { InterceptsPublish: true } hooks ? hooks : null;

    bool Connections.IConnectHooks.Any => registry.HasConnect;

    ValueTask<JsonElement?> Connections.IConnectHooks.AskAsync(string connectionId, string? user, CancellationToken cancellationToken) =>
        invoker.RunAsync(registry.Connect, new ConnectContext { ConnectionId = connectionId, User = user, Node = node.Id }, null, cancellationToken);

    public async ValueTask BeforeSubscribeAsync(ClientSession session, string channel, CancellationToken cancellationToken)
    {
        if (registry.For(channel) is { HasSubscribe: true } hooks)
        {
            var context = new ChannelContext { ConnectionId = session.Id, User = session.User, Node = node.Id, ConnectionData = session.Connection.ConnectData, Channel = channel };
            await invoker.RunAsync(hooks.Subscribe, context, null, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The data to store: the client's, or what a hook replaced it with; <paramref name="stored"/> keeps it as JSON for the stored event.</summary>
    public async ValueTask<ReadOnlyMemory<byte>> BeforePublishAsync(StoredData stored, ClientSession session, string channel, ReadOnlyMemory<byte> data, string? id, CancellationToken cancellationToken)
    {
        if (stored.Hooks.Publish.Count == 0)
        {
            return data;
        }

        var json = Parse(data);
        stored.Json = json;
        var context = new PublishContext { ConnectionId = session.Id, User = session.User, Node = node.Id, ConnectionData = session.Connection.ConnectData, Channel = channel, Data = json, Id = id };
        var replaced = await invoker.RunAsync(stored.Hooks.Publish, context, static (c, d) => new PublishContext
        {
            ConnectionId = c.ConnectionId, User = c.User, Node = c.Node, ConnectionData = c.ConnectionData, Channel = c.Channel, Data = d, Id = c.Id,
        }, cancellationToken).ConfigureAwait(false);
        if (replaced is not { } replacement)
        {
            return data;
        }

        var bytes = JsonSerializer.SerializeToUtf8Bytes(replacement, ExtensibilityJson.Default.JsonElement);
        if (bytes.Length > _maxMessageBytes)
        {
            throw new RequestException(ErrorCodes.HookFailed, $"the app's publish hook replaced the data with more than Realtime:MaxMessageBytes ({_maxMessageBytes}); nothing was done");
        }

        stored.Json = replacement;
        return bytes;
    }

    public ValueTask BeforeClaimAsync(ClientSession session, string channel, string resource, TimeSpan ttl, CancellationToken cancellationToken) =>
        registry.For(channel) is { HasClaim: true } hooks
            ? RunClaimAsync(hooks.Claim, session, channel, resource, ttl, cancellationToken)
            : default;

    public ValueTask BeforeReleaseAsync(ClientSession session, string channel, string resource, CancellationToken cancellationToken) =>
        registry.For(channel) is { HasRelease: true } hooks
            ? RunClaimAsync(hooks.Release, session, channel, resource, TimeSpan.Zero, cancellationToken)
            : default;

    /// <summary>Tells the namespace's receivers, if any, that a client's claim or release was stored at <paramref name="offset"/>.</summary>
    public void Stored(ClientSession session, StoredKind kind, string channel, string? offset, string resource)
    {
        if (offset is not null && registry.For(channel) is { HasStored: true } hooks)
        {
            outbox.Enqueue(hooks, new StoredEvent(kind, channel, offset, session.Id, session.User, node.Id, resource, session.Owner, null));
        }
    }

    /// <summary>Tells the namespace's receivers, if any, that a client's publish was stored at <paramref name="offset"/>.</summary>
    public void Published(ClientSession session, string channel, string offset, StoredData stored)
    {
        if (stored.Hooks.HasStored)
        {
            var data = stored.Json ?? Parse(stored.Data);
            outbox.Enqueue(stored.Hooks, new StoredEvent(StoredKind.Publish, channel, offset, session.Id, session.User, node.Id, null, null, data), stored.Data.Length);
        }
    }

    /// <summary>The RPC's reply data (JSON null when the handler gave none).</summary>
    public async ValueTask<JsonElement> RpcAsync(ClientSession session, string method, ReadOnlyMemory<byte>? data, CancellationToken cancellationToken)
    {
        var step = registry.Rpc(method);
        var context = new RpcContext { ConnectionId = session.Id, User = session.User, Node = node.Id, ConnectionData = session.Connection.ConnectData, Method = method, Data = data is { } bytes ? Parse(bytes) : null };
        return await invoker.RunAsync([step], context, null, cancellationToken).ConfigureAwait(false) ?? NullElement;
    }

    private async ValueTask RunClaimAsync(List<HookStep<ClaimContext>> steps, ClientSession session, string channel, string resource, TimeSpan ttl, CancellationToken cancellationToken)
    {
        var context = new ClaimContext { ConnectionId = session.Id, User = session.User, Node = node.Id, ConnectionData = session.Connection.ConnectData, Channel = channel, Resource = resource, Owner = session.Owner, Ttl = ttl };
        await invoker.RunAsync(steps, context, null, cancellationToken).ConfigureAwait(false);
    }

    private static readonly JsonElement NullElement = JsonDocument.Parse("null").RootElement.Clone();

    private static JsonElement Parse(ReadOnlyMemory<byte> json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }
}
