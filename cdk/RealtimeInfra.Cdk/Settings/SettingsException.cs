namespace RealtimeInfra.Cdk.Settings;

/// <summary>
/// Every problem found with the settings, reported together so one synth shows them all.
/// </summary>
public sealed class SettingsException : Exception
{
    public SettingsException(string environment, IReadOnlyList<string> problems)
        : base(Format(environment, problems))
    {
        Environment = environment;
        Problems = problems;
    }

    public string Environment { get; }

    public IReadOnlyList<string> Problems { get; }

    private static string Format(string environment, IReadOnlyList<string> problems) =>
        $"Invalid RealtimeInfra settings for environment '{environment}' ({problems.Count} problem(s)):"
        + string.Concat(problems.Select(p => $"{System.Environment.NewLine}  - {p}"));
}
