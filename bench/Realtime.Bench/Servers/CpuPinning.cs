using System.Diagnostics;

namespace Realtime.Bench.Servers;

/// <summary>
/// Which CPUs the system under test (every node and Redis process) runs on, with <c>taskset</c>; the
/// generator is started on the others by <c>bench/run.sh</c>. Pinned, the generator's work no longer
/// lands on the servers' core at random, which is most of what made single runs swing 3–10 ×.
/// </summary>
public sealed record CpuPinning(string? ServerCpus)
{
    public static CpuPinning None { get; } = new((string?)null);

    public bool Enabled => ServerCpus is not null;

    /// <summary>The command that starts <paramref name="file"/> on the servers' CPUs (the runtime then sees only those).</summary>
    public (string File, string[] Args) Wrap(string file, string[] args) =>
        ServerCpus is { } cpus ? ("taskset", ["-c", cpus, file, .. args]) : (file, args);

    /// <summary>Moves a process already running (every thread of it) onto the servers' CPUs.</summary>
    public void Apply(int processId)
    {
        if (ServerCpus is not { } cpus)
        {
            return;
        }

        using var taskset = Process.Start(new ProcessStartInfo("taskset", ["-a", "-p", "-c", cpus, $"{processId}"]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        taskset.WaitForExit();
        if (taskset.ExitCode != 0)
        {
            throw new InvalidOperationException($"taskset could not pin process {processId}: {taskset.StandardError.ReadToEnd()}");
        }
    }
}
