namespace Realtime.Server.Tests.Client;

/// <summary>A Random whose every draw is <paramref name="value"/>: jitter made predictable.</summary>
internal sealed class FixedRandom(double value) : Random
{
    public override double NextDouble() => value;
}
