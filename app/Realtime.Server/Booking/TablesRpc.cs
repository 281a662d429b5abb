using Realtime.AspNetCore.Extensibility;

namespace Realtime.Server.Booking;

/// <summary>The <c>tables</c> RPC: tonight's layout, so the page draws what the claim hook accepts.</summary>
public sealed class TablesRpc(TonightLayout layout) : IRpcHandler
{
    public const string Method = "tables";

    public ValueTask<HookResult> HandleAsync(RpcContext context, CancellationToken cancellationToken) =>
        ValueTask.FromResult(HookResult.Accept(new Layout(TonightLayout.Channel, layout.Seatings, layout.Tables)));

    private sealed record Layout(string Channel, IReadOnlyList<string> Seatings, IReadOnlyList<int> Tables);
}
