using Realtime.AspNetCore.Backplane;
using Realtime.AspNetCore.Channels;
using Realtime.AspNetCore.Connections;
using Realtime.AspNetCore.Protocol;
using Realtime.AspNetCore.Features;

namespace Realtime.AspNetCore.Application;

/// <summary>
/// <c>claim</c> and <c>release</c>: the owner is the connection's user, else the connection. Both
/// append an event to the channel, so both obey the rules of a publish there (read access, the
/// namespace's publish policy, the connection's publish rate), checked before Redis is asked.
/// </summary>
public sealed class ClaimService(IClaimStore store, ChannelRules rules, SubscriptionService subscriptions, Microsoft.Extensions.Options.IOptions<RealtimeOptions> options)
{
    private readonly int _maxListed = options.Value.MaxClaimsListed;

    public async ValueTask<ClaimOutcome> ClaimAsync(RealtimeConnection connection, ClientFrame request, string channel, CancellationToken cancellationToken)
    {
        var resource = ValidResource(request.Resource);
        subscriptions.EnsureMayWrite(connection, channel);
        var ttl = Ttl(request, channel);
        ClaimOutcome outcome;
        try
        {
            outcome = await Run(() => store.ClaimAsync(channel, resource, connection.Owner, ttl, subscriptions.History(channel), cancellationToken)).ConfigureAwait(false);
        }
        catch (RequestException e) when (e.Code == ErrorCodes.UnknownOutcome && request.ReleaseOnDisconnect)
        {
            // It may have been written: released on disconnect all the same (a release of what was
            // never claimed changes nothing), so it cannot be left orphaned.
            connection.ClaimsToRelease.Add((channel, resource));
            throw;
        }

        if (outcome.Status == ClaimStatus.HeldByOther)
        {
            throw new RequestException(ErrorCodes.Conflict, $"'{resource}' is already claimed", owner: outcome.Owner);
        }

        if (request.ReleaseOnDisconnect)
        {
            connection.ClaimsToRelease.Add((channel, resource));
        }

        return outcome;
    }

    public async ValueTask<ClaimOutcome> ReleaseAsync(RealtimeConnection connection, ClientFrame request, string channel, CancellationToken cancellationToken)
    {
        var resource = ValidResource(request.Resource);
        subscriptions.EnsureMayWrite(connection, channel);
        var outcome = await Run(() => store.ReleaseAsync(channel, resource, connection.Owner, subscriptions.History(channel), cancellationToken)).ConfigureAwait(false);
        connection.ClaimsToRelease.Remove((channel, resource));
        return outcome.Status switch
        {
            ClaimStatus.Done => outcome,
            ClaimStatus.HeldByOther => throw new RequestException(ErrorCodes.Forbidden, $"'{resource}' is claimed by someone else", owner: outcome.Owner),
            _ => throw new RequestException(ErrorCodes.Conflict, $"'{resource}' is not claimed"),
        };
    }

    /// <summary>The channel's current claims, for a page that must show what is taken when it opens.</summary>
    public async ValueTask<ClaimList> ListAsync(RealtimeConnection connection, string channel, CancellationToken cancellationToken)
    {
        if (rules.CanRead(channel, connection.User) is { } refused)
        {
            throw new RequestException(ErrorCodes.Forbidden, refused);
        }

        try
        {
            return await store.ListAsync(channel, _maxListed, cancellationToken).ConfigureAwait(false);
        }
        catch (BackplaneUnavailableException)
        {
            throw RequestException.BackplaneUnavailable();
        }
    }

    /// <summary>The server API may release any claim.</summary>
    public ValueTask<ClaimOutcome> ReleaseByServerAsync(string channel, string resource, CancellationToken cancellationToken) =>
        Run(() => store.ReleaseAsync(channel, ValidResource(resource), owner: null, subscriptions.History(channel), cancellationToken));

    /// <summary>Gives up the claims the connection asked to release when it goes.</summary>
    public async ValueTask ReleaseOnDisconnectAsync(RealtimeConnection connection)
    {
        foreach (var (channel, resource) in connection.ClaimsToRelease)
        {
            try
            {
                await store.ReleaseAsync(channel, resource, connection.Owner, subscriptions.History(channel)).ConfigureAwait(false);
            }
            catch (Exception e) when (e is BackplaneUnavailableException or BackplaneOutcomeUnknownException)
            {
                // A claim with a TTL still ends by itself; one without stays until released through the API.
            }
        }

        connection.ClaimsToRelease.Clear();
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

    private static async ValueTask<ClaimOutcome> Run(Func<ValueTask<ClaimOutcome>> action)
    {
        try
        {
            return await action().ConfigureAwait(false);
        }
        catch (BackplaneUnavailableException)
        {
            throw RequestException.BackplaneUnavailable("nothing was claimed or released");
        }
        catch (BackplaneOutcomeUnknownException)
        {
            throw RequestException.OutcomeUnknown("the claim or release may have been applied", "repeat it (a claim repeated by its owner answers 'claimed')");
        }
    }
}
