using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Realtime.Server.Tests.Infrastructure;

/// <summary>Keeps every log line a node writes, with its arguments, to check that secrets never appear.</summary>
public sealed class LogCapture : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _lines = new();

    public string All => string.Join('\n', _lines);

    /// <summary>The lines written at <paramref name="level"/> or above.</summary>
    public IReadOnlyList<string> AtLeast(LogLevel level) =>
        _lines.Where(l => Enum.TryParse<LogLevel>(l[..l.IndexOf(' ', StringComparison.Ordinal)], out var written) && written >= level).ToList();

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _lines);

    public void Dispose()
    {
    }

    private sealed class Logger(string category, ConcurrentQueue<string> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var values = state is IEnumerable<KeyValuePair<string, object?>> pairs ? string.Join(' ', pairs.Select(p => $"{p.Key}={p.Value}")) : "";
            lines.Enqueue($"{logLevel} {category} {formatter(state, exception)} {values} {exception}");
        }
    }
}
