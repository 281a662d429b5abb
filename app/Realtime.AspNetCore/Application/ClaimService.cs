using Realtime.AspNetCore.Backplane;
using Realtime.AspNetCore.Channels;
using Realtime.AspNetCore.Protocol;
using Realtime.AspNetCore.Features;
using Realtime.AspNetCore.Extensibility;

namespace Realtime.AspNetCore.Application;

/// <summary>
/// <c>claim</c> and <c>release</c>: the owner is the connection's user, else the connection. Both
/// append an event to the channel, so both obey the rules of a publish there (read access, the
/// namespace's publish policy, the connection's publish rate), checked before Redis is asked.
/// </summary>
public sealed class ClaimService(IClaimStore store, ChannelRules rules, SubscriptionService subscriptions, HookCalls hooks, Microsoft.Extensions.Options.IOptions<RealtimeOptions> options)
{
    private readonly int _maxListed = options.Value.MaxClaimsListed;

    public async ValueTask<ClaimOutcome> ClaimAsync(ClientSession session, ClientFrame request, string channel, CancellationToken cancellationToken)
    {
        var resource = ValidResource(request.Resource);
        subscriptions.EnsureMayWrite(session, channel);
        var ttl = Ttl(request, channel);
        // The app's say comes before Redis is asked: a refused claim is never written.
        await hooks.BeforeClaimAsync(session, channel, resource, ttl, cancellationToken).ConfigureAwait(false);
        ClaimOutcome outcome;
        try
        {
            outcome = await store.ClaimAsync(channel, resource, session.Owner, ttl, subscriptions.History(channel), cancellationToken).ConfigureAwait(false);
        }
        catch (BackplaneOutcomeUnknownException) when (request.ReleaseOnDisconnect)
        {
            // It may have been written: released on disconnect all the same (a release of what was
            // never claimed changes nothing), so it cannot be left orphaned.
            session.ClaimsToRelease.Add((channel, resource));
            throw;
        }

        if (outcome.Status == ClaimStatus.HeldByOther)
        {
            throw new RequestException(ErrorCodes.Conflict, $"'{resource}' is already claimed", owner: outcome.Owner);
        }

        if (request.ReleaseOnDisconnect)
        {
            session.ClaimsToRelease.Add((channel, resource));
        }

        // Told also when its owner held it already: that is how a claim retried after an unknown
        // outcome looks when the first try was stored, and the receiver may not have heard of it
        // (at least once). Its offset is then the channel's latest, not the claim's own.
        hooks.Stored(session, StoredKind.Claim, channel, outcome.Offset, resource);

        return outcome;
    }

    public async ValueTask<ClaimOutcome> ReleaseAsync(ClientSession session, ClientFrame request, string channel, CancellationToken cancellationToken)
    {
        var resource = ValidResource(request.Resource);
        subscriptions.EnsureMayWrite(session, channel);
        await hooks.BeforeReleaseAsync(session, channel, resource, cancellationToken).ConfigureAwait(false);
        var outcome = await store.ReleaseAsync(channel, resource, session.Owner, subscriptions.History(channel), cancellationToken).ConfigureAwait(false);
        session.ClaimsToRelease.Remove((channel, resource));
        return outcome.Status switch
        {
            ClaimStatus.Done => Told(session, channel, resource, outcome),
            ClaimStatus.HeldByOther => throw new RequestException(ErrorCodes.Forbidden, $"'{resource}' is claimed by someone else", owner: outcome.Owner),
            _ => throw new RequestException(ErrorCodes.Conflict, $"'{resource}' is not claimed"),
        };
    }

    /// <summary>The channel's current claims, for a page that must show what is taken when it opens.</summary>
    public async ValueTask<ClaimList> ListAsync(ClientSession session, string channel, CancellationToken cancellationToken)
    {
        if (rules.CanRead(channel, session.User) is { } refused)
        {
            throw new RequestException(ErrorCodes.Forbidden, refused);
        }

        return await store.ListAsync(channel, _maxListed, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The server API may release any claim.</summary>
    public ValueTask<ClaimOutcome> ReleaseByServerAsync(string channel, string resource, CancellationToken cancellationToken) =>
        store.ReleaseAsync(channel, ValidResource(resource), owner: null, subscriptions.History(channel), cancellationToken);

    /// <summary>Gives up the claims the connection asked to release when it goes.</summary>
    public async ValueTask ReleaseOnDisconnectAsync(ClientSession session)
    {
        foreach (var (channel, resource) in session.ClaimsToRelease)
        {
            try
            {
                var outcome = await store.ReleaseAsync(channel, resource, session.Owner, subscriptions.History(channel)).ConfigureAwait(false);
                if (outcome.Status == ClaimStatus.Done)
                {
                    Told(session, channel, resource, outcome);
                }
            }
            catch (Exception e) when (e is BackplaneUnavailableException or BackplaneOutcomeUnknownException)
            {
                // A claim with a TTL still ends by itself; one without stays until released through the API.
            }
        }

        session.ClaimsToRelease.Clear();
    }

    private ClaimOutcome Told(ClientSession session, string channel, string resource, ClaimOutcome released)
    {
        hooks.Stored(session, StoredKind.Release, channel, released.Offset, resource);
        return released;
    }

    /// <summary>The claim's lifetime: as asked, up to the namespace's maximum, else the namespace's default.</summary>
    private TimeSpan Ttl(ClientFrame request, string channel)
    {
        var rule = rules.For(channel);
        if (request.Ttl is not { } seconds)
        {
            return TimeSpan.FromSeconds(rule.ClaimTtlSeconds);
        }

        return seconds <= rule.MaxClaimTtlSeconds
            ? TimeSpan.FromSeconds(seconds)
            : throw RequestException.Protocol(ErrorCodes.BadRequest, $"'ttl' above this namespace's maximum of {rule.MaxClaimTtlSeconds} seconds");
    }

    private static string ValidResource(string? resource) =>
        ChannelName.IsValid(resource)
            ? resource!
            : throw RequestException.Protocol(ErrorCodes.BadRequest, $"'resource' must match {ChannelName.Rule}");
}
