using Realtime.Server.Backplane;
using Realtime.Server.Backplane.InMemory;

namespace Realtime.Server.Tests.Backplane;

public sealed class InMemoryBackplaneTests : BackplaneSpecification
{
    protected override IBackplane Backplane { get; } = new InMemoryBackplane(TimeProvider.System);
}
