using System.Buffers;
using System.Text.Json;

namespace Realtime.AspNetCore.Extensibility.Proxy;

/// <summary>The JSON the node POSTs to the app's backend (docs/protocol.md, "HTTP proxy"): one object per call, camelCase.</summary>
internal static class ProxyBody
{
    public static byte[] Connect(ConnectContext c) => Write("connect", c, _ => { });

    public static byte[] Subscribe(ChannelContext c) => Write("subscribe", c, w => w.WriteString("channel", c.Channel));

    public static byte[] Publish(PublishContext c) => Write("publish", c, w =>
    {
        w.WriteString("channel", c.Channel);
        w.WritePropertyName("data");
        c.Data.WriteTo(w);
        if (c.Id is not null)
        {
            w.WriteString("id", c.Id);
        }
    });

    public static byte[] Claim(string kind, ClaimContext c) => Write(kind, c, w =>
    {
        w.WriteString("channel", c.Channel);
        w.WriteString("resource", c.Resource);
        w.WriteString("owner", c.Owner);
        if (c.Ttl > TimeSpan.Zero)
        {
            w.WriteNumber("ttl", c.Ttl.TotalSeconds);
        }
    });

    public static byte[] Rpc(RpcContext c) => Write("rpc", c, w =>
    {
        w.WriteString("method", c.Method);
        if (c.Data is { } data)
        {
            w.WritePropertyName("data");
            data.WriteTo(w);
        }
    });

    /// <summary>A stored event: <c>kind</c> is <c>stored</c>, <c>event</c> says which.</summary>
    public static byte[] Stored(StoredEvent e)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("kind", "stored");
            w.WriteString("event", e.Kind switch { StoredKind.Publish => "publish", StoredKind.Claim => "claim", _ => "release" });
            w.WriteString("node", e.Node);
            w.WriteString("connection", e.ConnectionId);
            WriteNullable(w, "user", e.User);
            w.WriteString("channel", e.Channel);
            w.WriteString("offset", e.Offset);
            if (e.Resource is not null)
            {
                w.WriteString("resource", e.Resource);
            }

            if (e.Owner is not null)
            {
                w.WriteString("owner", e.Owner);
            }

            if (e.Data is { } data)
            {
                w.WritePropertyName("data");
                data.WriteTo(w);
            }

            w.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static byte[] Write(string kind, HookContext c, Action<Utf8JsonWriter> rest)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("kind", kind);
            w.WriteString("node", c.Node);
            w.WriteString("connection", c.ConnectionId);
            WriteNullable(w, "user", c.User);
            if (c.ConnectionData is { } attached)
            {
                w.WritePropertyName("connectionData");
                attached.WriteTo(w);
            }

            rest(w);
            w.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static void WriteNullable(Utf8JsonWriter w, string name, string? value)
    {
        if (value is null)
        {
            w.WriteNull(name);
        }
        else
        {
            w.WriteString(name, value);
        }
    }
}
