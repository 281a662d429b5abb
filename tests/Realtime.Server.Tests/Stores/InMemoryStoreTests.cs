using Realtime.AspNetCore.Backplane;
using Realtime.AspNetCore.Backplane.InMemory;
using Realtime.AspNetCore.Features;

namespace Realtime.Server.Tests.Stores;

public sealed class InMemoryClaimStoreTests : ClaimStoreSpecification
{
    private static readonly InMemoryBackplane Shared = new(TimeProvider.System);

    protected override IClaimStore Store { get; } = new InMemoryClaimStore(Shared, TimeProvider.System);

    protected override IBackplane Backplane => Shared;
}

public sealed class InMemoryPresenceStoreTests : PresenceStoreSpecification
{
    protected override IPresenceStore Store { get; } = new InMemoryPresenceStore(new InMemoryBackplane(TimeProvider.System));
}
