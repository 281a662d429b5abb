using System.Globalization;
using StackExchange.Redis;

namespace Realtime.Server.Tests.Abuse;

/// <summary>
/// What an attack cost Redis (memory, CPU), read from <c>INFO</c> before and after, appended to the
/// file named by <c>REALTIME_ABUSE_REPORT</c> when set (docs/reliability.md quotes the figures).
/// </summary>
public sealed class AbuseFigures
{
    private readonly IServer _server;
    private readonly double _cpuBefore;

    private AbuseFigures(IServer server, double cpuBefore) => (_server, _cpuBefore) = (server, cpuBefore);

    public static async Task<AbuseFigures> StartAsync(IServer server) => new(server, await CpuSecondsAsync(server));

    /// <summary>Appends one row: the attack, Redis's used memory now, its CPU seconds since the start, and what the attacker was told.</summary>
    public async Task RecordAsync(string attack, string outcome)
    {
        if (Environment.GetEnvironmentVariable("REALTIME_ABUSE_REPORT") is not { Length: > 0 } path)
        {
            return;
        }

        var memory = Field(await InfoAsync(_server, "memory"), "used_memory_human");
        var cpu = await CpuSecondsAsync(_server) - _cpuBefore;
        File.AppendAllText(path, string.Create(CultureInfo.InvariantCulture, $"| {attack} | {memory} | {cpu:F2} s | {outcome} |{Environment.NewLine}"));
    }

    private static async Task<double> CpuSecondsAsync(IServer server)
    {
        var cpu = await InfoAsync(server, "cpu");
        return double.Parse(Field(cpu, "used_cpu_user"), CultureInfo.InvariantCulture) + double.Parse(Field(cpu, "used_cpu_sys"), CultureInfo.InvariantCulture);
    }

    private static async Task<string> InfoAsync(IServer server, string section) => (string)(await server.ExecuteAsync("INFO", section))!;

    private static string Field(string info, string name) =>
        info.Split('\n').First(l => l.StartsWith(name + ":", StringComparison.Ordinal))[(name.Length + 1)..].Trim();
}
