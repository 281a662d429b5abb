namespace Realtime.AspNetCore;

/// <summary>Whether this node is draining: set once on shutdown, read by readiness and the upgrade endpoint.</summary>
public sealed class DrainState
{
    private volatile bool _draining;

    public bool IsDraining => _draining;

    public void Begin() => _draining = true;
}
