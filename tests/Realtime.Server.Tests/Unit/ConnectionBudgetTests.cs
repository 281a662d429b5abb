using Realtime.AspNetCore.Overload;
using Realtime.AspNetCore;

namespace Realtime.Server.Tests.Unit;

public sealed class ConnectionBudgetTests
{
    private static RealtimeOptions Options(int maxConnections = 0) => new() { MaxConnections = maxConnections };

    [Fact]
    public void Unset_connections_take_what_the_file_limit_leaves_at_most_the_usual()
    {
        var small = Options();
        ConnectionBudget.ApplyDefault(small, new ProcessLimits(OpenFiles: 1500, MemoryBytes: 1L << 30));
        Assert.Equal(1500 - 500 - 512, small.MaxConnections);
        Assert.True(small.MaxConnectionsDerived);
        Assert.Null(ConnectionBudget.Check(small, new ProcessLimits(1500, 1L << 30)));

        var large = Options();
        ConnectionBudget.ApplyDefault(large, new ProcessLimits(OpenFiles: 1_048_576, MemoryBytes: 1L << 30));
        Assert.Equal(ConnectionBudget.DefaultMaxConnections, large.MaxConnections);

        var unknown = Options();
        ConnectionBudget.ApplyDefault(unknown, new ProcessLimits(OpenFiles: null, MemoryBytes: 1L << 30));
        Assert.Equal(ConnectionBudget.DefaultMaxConnections, unknown.MaxConnections);
    }

    [Fact]
    public void A_set_value_is_kept_and_must_fit()
    {
        var options = Options(maxConnections: 2000);
        var limits = new ProcessLimits(OpenFiles: 1500, MemoryBytes: 1L << 30);
        ConnectionBudget.ApplyDefault(options, limits);
        Assert.Equal(2000, options.MaxConnections);
        Assert.False(options.MaxConnectionsDerived);

        var failure = ConnectionBudget.Check(options, limits);
        Assert.NotNull(failure);
        Assert.Contains("Realtime:MaxConnections = 2000", failure, StringComparison.Ordinal);
        Assert.Contains("needs 3012 files", failure, StringComparison.Ordinal);
        Assert.Contains("may open 1500", failure, StringComparison.Ordinal);
        Assert.Contains("at most 488", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void A_limit_too_small_for_the_reserve_fails_even_unset()
    {
        var options = Options();
        var limits = new ProcessLimits(OpenFiles: 800, MemoryBytes: 1L << 30);
        ConnectionBudget.ApplyDefault(options, limits);
        var failure = ConnectionBudget.Check(options, limits);
        Assert.NotNull(failure);
        Assert.Contains("Raise the limit", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void Budget_counts_connections_pending_and_reserve() =>
        Assert.Equal(20_000 + 500 + 512, ConnectionBudget.FilesNeeded(20_000, new OverloadOptions()));
}
