using Realtime.AspNetCore.Extensibility;
using Realtime.AspNetCore.Features;

namespace Realtime.Server.Booking;

/// <summary>
/// The restaurant's rules for <c>booking:*</c>, checked before a claim reaches Redis: only tables
/// that exist tonight can be booked, and a guest books at most one table per seating. Redis still
/// decides the race for a table (first writer wins); these rules decide what may race at all.
/// </summary>
/// <remarks>
/// The one-table rule reads the current bookings, so two claims by one guest for two tables of one
/// seating sent in the same instant could both pass it. A restaurant that must hold that line under
/// every race keeps the rule in its own database (a unique key on guest and seating) and asks it here.
/// </remarks>
public sealed class BookingHooks(TonightLayout layout, IClaimStore claims, ILogger<BookingHooks> logger) : RealtimeHooks
{
    public const string NoSuchTable = "no_such_table";

    public const string OneTablePerSeating = "one_table_per_seating";

    public override async ValueTask<HookResult> OnClaimAsync(ClaimContext context, CancellationToken cancellationToken)
    {
        if (context.Channel != TonightLayout.Channel || !layout.TryRead(context.Resource, out _, out var seating))
        {
            return HookResult.Refuse(NoSuchTable, $"There is no table '{context.Resource}' tonight.");
        }

        var booked = await claims.ListAsync(context.Channel, limit: layout.Tables.Count * layout.Seatings.Count, cancellationToken);
        foreach (var holder in booked.Holders)
        {
            if (holder.Owner == context.Owner && holder.Resource != context.Resource
                && layout.TryRead(holder.Resource, out var table, out var held) && held == seating)
            {
                return HookResult.Refuse(OneTablePerSeating, $"You already have table {table} at {seating}: one table per guest per seating.");
            }
        }

        return HookResult.Accept();
    }

    /// <summary>Where the restaurant would record the booking in its own system; the demo writes a log line.</summary>
    public override ValueTask OnStoredAsync(StoredEvent stored, CancellationToken cancellationToken)
    {
        if (stored.Kind is StoredKind.Claim or StoredKind.Release)
        {
            BookingLog.Recorded(logger, stored.Kind == StoredKind.Claim ? "booked" : "freed", stored.Resource!, stored.Owner!, stored.Offset);
        }

        return default;
    }
}

internal static partial class BookingLog
{
    [LoggerMessage(EventId = 9000, Level = LogLevel.Information, Message = "Table {Resource} {Change} by {Owner} (offset {Offset})")]
    public static partial void Recorded(ILogger logger, string change, string resource, string owner, string offset);
}
