using Microsoft.Extensions.Time.Testing;
using Realtime.AspNetCore.Application;

namespace Realtime.Server.Tests.Unit;

public sealed class TokenBucketTests
{
    [Fact]
    public void Token_bucket_allows_the_burst_then_the_rate()
    {
        var time = new FakeTimeProvider();
        var bucket = new TokenBucket(ratePerSecond: 10, burst: 3, time);

        Assert.True(bucket.TryTake());
        Assert.True(bucket.TryTake());
        Assert.True(bucket.TryTake());
        Assert.False(bucket.TryTake());

        time.Advance(TimeSpan.FromMilliseconds(100)); // one token at 10/s
        Assert.True(bucket.TryTake());
        Assert.False(bucket.TryTake());

        time.Advance(TimeSpan.FromSeconds(60)); // refills to the burst, not beyond
        Assert.True(bucket.TryTake());
        Assert.True(bucket.TryTake());
        Assert.True(bucket.TryTake());
        Assert.False(bucket.TryTake());
    }
}
