namespace Realtime.AspNetCore.Channels;

/// <summary>Who may publish to a namespace's channels.</summary>
public enum PublishPolicy
{
    /// <summary>Connected clients (with read access) and the server API.</summary>
    Clients,

    /// <summary>Only the server API: clients may listen but not speak (feeds, notifications).</summary>
    Server,
}

/// <summary>
/// Rules for every channel of one namespace (the part of the name before the first ':'), from
/// <c>Realtime:Namespaces:NAME</c>. Channels of unknown namespaces follow <c>Realtime:Namespaces:default</c>.
/// </summary>
public sealed class NamespaceOptions
{
    /// <summary>Messages kept for resume; 0 keeps none (offsets still advance).</summary>
    public int HistoryLength { get; set; } = 100;

    /// <summary>
    /// The most bytes of message data one channel's history keeps: the oldest messages go first when
    /// it is exceeded (the newest is always kept), whatever <see cref="HistoryLength"/> allows.
    /// </summary>
    public long HistoryMaxBytes { get; set; } = 16L * 1024 * 1024;

    /// <summary>History expires this long after the channel's last message.</summary>
    public int HistoryTtlSeconds { get; set; } = 24 * 3600;

    /// <summary>Track who is subscribed (members, join and leave events).</summary>
    public bool Presence { get; set; }

    public PublishPolicy Publish { get; set; } = PublishPolicy.Clients;

    /// <summary>Whether a connection without a user (no token) may subscribe, publish or claim here.</summary>
    public bool AllowAnonymous { get; set; } = true;

    /// <summary>
    /// Private per-user channels: <c>NS:USERID</c> or <c>NS:USERID:…</c> is open only to the
    /// connection whose user id is USERID (e.g. <c>user:42:inbox</c>).
    /// </summary>
    public bool Private { get; set; }

    /// <summary>
    /// How long a claim lasts when the claimant names no <c>ttl</c>. Every claim expires: an owner
    /// that vanished (its connection gone, the release API closed) cannot hold a table for ever.
    /// </summary>
    public int ClaimTtlSeconds { get; set; } = 3600;

    /// <summary>The longest <c>ttl</c> a claim may ask for; more is refused with <c>bad_request</c>.</summary>
    public int MaxClaimTtlSeconds { get; set; } = 24 * 3600;

    /// <summary>The namespace's requests checked by a backend over HTTP (apps not written in C#).</summary>
    public NamespaceProxyOptions Proxy { get; set; } = new();
}
