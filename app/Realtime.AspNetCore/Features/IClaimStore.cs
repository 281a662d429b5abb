using Realtime.AspNetCore.Backplane;

namespace Realtime.AspNetCore.Features;

public enum ClaimStatus
{
    /// <summary>The caller now holds the resource (claim) or gave it up (release).</summary>
    Done,

    /// <summary>The caller held it already (a retried claim): nothing new was published; the offset is the channel's latest.</summary>
    AlreadyHeld,

    /// <summary>Someone else holds it (<see cref="ClaimOutcome.Owner"/>).</summary>
    HeldByOther,

    /// <summary>Nobody holds it (release).</summary>
    NotClaimed,
}

/// <summary>Who holds a resource now.</summary>
public sealed record ClaimHolder(string Resource, string Owner);

/// <summary>A bounded listing of claims: <see cref="More"/> when the channel holds more than were listed.</summary>
public sealed record ClaimList(IReadOnlyList<ClaimHolder> Holders, bool More);

/// <summary>The result of a claim or release; <see cref="Offset"/> is the offset of the event it published.</summary>
public sealed record ClaimOutcome(ClaimStatus Status, string? Owner, string? Offset);

/// <summary>
/// First-writer-wins ownership of named resources within a channel (the booking race). A successful
/// claim or release publishes its event on the channel in the same atomic step, so every watcher
/// on every node sees exactly one winner, in order with the channel's other messages.
/// </summary>
public interface IClaimStore
{
    /// <summary>Claims for <paramref name="ttl"/>: every claim expires (an owner that vanished cannot hold a resource for ever).</summary>
    ValueTask<ClaimOutcome> ClaimAsync(string channel, string resource, string owner, TimeSpan ttl, HistoryPolicy history, CancellationToken cancellationToken = default);

    /// <summary>At most <paramref name="limit"/> of the resources of the channel claimed now (expired claims left out), and whether there are more.</summary>
    ValueTask<ClaimList> ListAsync(string channel, int limit, CancellationToken cancellationToken = default);

    /// <summary>Releases if <paramref name="owner"/> holds it; a null owner is the server, which may release any claim.</summary>
    ValueTask<ClaimOutcome> ReleaseAsync(string channel, string resource, string? owner, HistoryPolicy history, CancellationToken cancellationToken = default);
}
