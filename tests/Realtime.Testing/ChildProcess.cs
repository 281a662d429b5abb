using System.Diagnostics;

namespace Realtime.Testing;

/// <summary>
/// A server the tests or the benchmark start (redis-server, a node, HAProxy): its output is drained
/// so it never blocks on a full pipe, and it is killed with its children, by process id.
/// </summary>
public sealed class ChildProcess : IAsyncDisposable
{
    private const int TailLines = 20;
    private readonly Process _process;

    /// <summary>The last lines it wrote, so a process that dies at start can say why.</summary>
    private readonly Queue<string> _tail;

    private ChildProcess(Process process, Queue<string> tail)
    {
        _process = process;
        _tail = tail;
    }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <param name="output">Called with each line the process writes to stdout or stderr; by default they are dropped.</param>
    public static ChildProcess Start(string file, IEnumerable<string> args, IReadOnlyDictionary<string, string?>? environment = null, string? workingDirectory = null,
        Action<string>? output = null)
    {
        var start = new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true };
        if (workingDirectory is not null)
        {
            start.WorkingDirectory = workingDirectory;
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
        {
            start.Environment[key] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"{file} did not start");
        var tail = new Queue<string>();
        process.OutputDataReceived += (_, e) => Forward(e.Data);
        process.ErrorDataReceived += (_, e) => Forward(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new ChildProcess(process, tail);

        void Forward(string? line)
        {
            if (line is not null)
            {
                lock (tail)
                {
                    tail.Enqueue(line);
                    while (tail.Count > TailLines)
                    {
                        tail.Dequeue();
                    }
                }

                output?.Invoke(line);
            }
        }
    }

    public Task WaitForExitAsync(CancellationToken cancellationToken = default) => _process.WaitForExitAsync(cancellationToken);

    /// <summary>SIGKILL, with its children: no cleanup, as a crash.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync().ConfigureAwait(false);
        }
    }

    /// <summary>SIGTERM, as ECS stops a task; returns once the process has exited.</summary>
    public async Task TerminateAsync(TimeSpan timeout)
    {
        using var kill = Process.Start("kill", ["-TERM", $"{_process.Id}"])!;
        await kill.WaitForExitAsync().ConfigureAwait(false);
        await _process.WaitForExitAsync().WaitAsync(timeout).ConfigureAwait(false);
    }

    /// <summary>Polls <paramref name="url"/> until it answers 2xx; fails early if this process exits.</summary>
    public async Task WaitUntilOkAsync(Uri url, TimeSpan timeout)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                // The last of its output is read once the pipes close (bounded: a child could hold them open).
                using (var drained = new CancellationTokenSource(TimeSpan.FromSeconds(5)))
                {
                    try
                    {
                        await _process.WaitForExitAsync(drained.Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException)
                    {
                    }
                }

                string said;
                lock (_tail)
                {
                    said = string.Join('\n', _tail);
                }

                throw new InvalidOperationException($"the process behind {url} exited with {_process.ExitCode}; its last lines:\n{said}");
            }

            try
            {
                if ((await http.GetAsync(url).ConfigureAwait(false)).IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
            }

            await Task.Delay(100).ConfigureAwait(false);
        }

        throw new TimeoutException($"{url} never answered 2xx");
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync().ConfigureAwait(false);
        _process.Dispose();
    }
}
