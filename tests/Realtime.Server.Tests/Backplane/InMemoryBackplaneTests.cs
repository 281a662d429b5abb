using Realtime.AspNetCore.Backplane;
using Realtime.AspNetCore.Backplane.InMemory;

namespace Realtime.Server.Tests.Backplane;

public sealed class InMemoryBackplaneTests : BackplaneSpecification
{
    protected override IBackplane Backplane { get; } = new InMemoryBackplane(TimeProvider.System);
}
