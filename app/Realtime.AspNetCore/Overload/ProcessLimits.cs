using System.Runtime.InteropServices;

namespace Realtime.AspNetCore.Overload;

/// <summary>
/// What the operating system lets this process hold: open files (<c>RLIMIT_NOFILE</c>, after the
/// runtime has raised the soft limit to the hard one) and memory (the GC's view, which is the
/// container's cgroup limit on Fargate, or <c>GCHeapHardLimit</c> when set).
/// </summary>
public sealed record ProcessLimits(long? OpenFiles, long MemoryBytes)
{
    /// <summary>Read once per process: neither limit changes while it runs.</summary>
    public static ProcessLimits Current { get; } = new(ReadOpenFiles(), GC.GetGCMemoryInfo().TotalAvailableMemoryBytes);

    /// <summary>Open files in use now (Linux: entries of /proc/self/fd), or null where unknown.</summary>
    public static int? OpenFilesInUse()
    {
        try
        {
            return OperatingSystem.IsLinux() ? Directory.GetFiles("/proc/self/fd").Length : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static long? ReadOpenFiles()
    {
        if (!OperatingSystem.IsLinux())
        {
            return null; // Containers run Linux; elsewhere the file budget is not checked.
        }

        // RLIM_INFINITY (all bits set) reads as a negative long: no limit.
        return GetRLimit(RlimitNoFile, out var limit) == 0 && (long)limit.Current > 0 ? (long)limit.Current : null;
    }

    private const int RlimitNoFile = 7;

    [StructLayout(LayoutKind.Sequential)]
    private struct RLimit
    {
        public ulong Current;
        public ulong Maximum;
    }

    [DllImport("libc", EntryPoint = "getrlimit")]
    private static extern int GetRLimit(int resource, out RLimit limit);
}
