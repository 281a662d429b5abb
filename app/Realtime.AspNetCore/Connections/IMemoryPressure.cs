namespace Realtime.AspNetCore.Connections;

/// <summary>Whether the node is short of memory, as admission asks before it takes an upgrade (the memory guard answers).</summary>
public interface IMemoryPressure
{
    bool UnderPressure { get; }
}
