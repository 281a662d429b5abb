using System.Runtime.CompilerServices;

namespace Realtime.Server.Tests.Infrastructure;

/// <summary>
/// The test host blocks thread-pool threads for the whole run (the xunit VSTest adapter waits on a
/// Task in <c>VsTestRunner.RunTests</c>, and the runner's message loop polls its socket). On a
/// 2-core machine that is every thread the pool starts with, so the nodes' timers and socket
/// continuations in this process wait for thread injection (about one thread per half second):
/// seen as the drain test's reconnects arriving in bursts after ~1 s stalls. Start the pool wider.
/// </summary>
internal static class TestHostThreadPool
{
    [ModuleInitializer]
    internal static void Widen()
    {
        ThreadPool.GetMinThreads(out var workers, out var io);
        ThreadPool.SetMinThreads(Math.Max(workers, 16), Math.Max(io, 16));
    }
}
