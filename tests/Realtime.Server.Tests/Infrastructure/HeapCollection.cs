namespace Realtime.Server.Tests.Infrastructure;

/// <summary>Alone: these tests read the process's heap, which tests running beside them would move.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class HeapCollection
{
    public const string Name = "heap";
}
