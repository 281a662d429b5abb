using Microsoft.Extensions.Options;

namespace Realtime.AspNetCore.Overload;

/// <summary>
/// The node's file budget: every WebSocket and every other TCP connection holds a file, and the
/// node needs a reserve of its own; together they must fit under the process's open-file limit,
/// or a flood ends in a process that can no longer open anything and dies. Checked at start-up.
/// </summary>
public static class ConnectionBudget
{
    /// <summary>The most WebSockets a node takes when <c>MaxConnections</c> is left unset.</summary>
    public const int DefaultMaxConnections = 20_000;

    /// <summary>
    /// An unset <c>MaxConnections</c> (0) becomes what the open-file limit leaves room for, at most
    /// <see cref="DefaultMaxConnections"/>: a node started anywhere fits its limit. A value that was
    /// set is kept, and must fit (<see cref="Check"/>).
    /// </summary>
    public static void ApplyDefault(RealtimeOptions options, ProcessLimits limits)
    {
        if (options.MaxConnections != 0)
        {
            return;
        }

        var overload = options.Overload;
        options.MaxConnectionsDerived = true;
        options.MaxConnections = limits.OpenFiles is { } limit
            ? (int)Math.Clamp(limit - overload.MaxPendingConnections - overload.ReservedFileDescriptors, 0, DefaultMaxConnections)
            : DefaultMaxConnections;
    }

    /// <summary>Open files the node may need at most: its connections, the non-WebSocket ones and the reserve.</summary>
    public static long FilesNeeded(int maxConnections, OverloadOptions overload) =>
        (long)maxConnections + overload.MaxPendingConnections + overload.ReservedFileDescriptors;

    /// <summary>The failure when the budget does not fit <paramref name="limits"/>, naming both numbers; null when it fits.</summary>
    public static string? Check(RealtimeOptions options, ProcessLimits limits)
    {
        var overload = options.Overload;
        var needed = FilesNeeded(options.MaxConnections, overload);
        if (limits.OpenFiles is not { } limit || needed <= limit)
        {
            return null;
        }

        var fits = limit - overload.MaxPendingConnections - overload.ReservedFileDescriptors;
        return $"Realtime:MaxConnections = {options.MaxConnections}{(options.MaxConnectionsDerived ? " (unset, derived)" : "")} does not fit the open-file limit: it needs {needed} files "
            + $"({options.MaxConnections} connections + Realtime:Overload:MaxPendingConnections = {overload.MaxPendingConnections} "
            + $"+ Realtime:Overload:ReservedFileDescriptors = {overload.ReservedFileDescriptors}), but this process may open {limit} (RLIMIT_NOFILE). "
            + (fits > 0 ? $"Lower Realtime:MaxConnections to at most {fits}, or raise the limit" : "Raise the limit")
            + " (ulimit -n; on ECS the container's nofile ulimit).";
    }

    /// <summary>Runs <see cref="Check"/> with the options' other checks, at start-up.</summary>
    public sealed class Validator(ProcessLimits limits) : IValidateOptions<RealtimeOptions>
    {
        public ValidateOptionsResult Validate(string? name, RealtimeOptions options) =>
            Check(options, limits) is { } failure ? ValidateOptionsResult.Fail(failure) : ValidateOptionsResult.Success;
    }
}
