using System.Globalization;

namespace Realtime.Testing;

/// <summary>CPU time and resident memory of a process, read from /proc (Linux): the benchmark's and the fault suite's figures.</summary>
public static class ProcessStats
{
    private const double ClockTicksPerSecond = 100; // USER_HZ on Linux

    /// <summary>User + system CPU seconds the process has used so far.</summary>
    public static double CpuSeconds(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / ClockTicksPerSecond;
    }

    /// <summary>Resident set size in bytes.</summary>
    public static long RssBytes(int pid)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
            }
        }

        return 0;
    }
}
