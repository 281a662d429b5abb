using System.Net;
using Realtime.Testing;

namespace Realtime.Bench.Scenarios;

/// <summary>
/// The app's backend for the proxy variant of H: answers every POST with 200 and no body (accept),
/// as quickly as it can, in the generator's process (on the generator's CPUs, like a real backend
/// on another machine would be).
/// </summary>
public sealed class HookBackend : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Task _serving;

    public HookBackend()
    {
        Url = new Uri($"http://127.0.0.1:{FreePort.Next()}/hook/");
        _listener.Prefixes.Add(Url.ToString());
        _listener.Start();
        _serving = Task.Run(ServeAsync);
    }

    public Uri Url { get; }

    public long Calls => Interlocked.Read(ref _calls);

    private long _calls;

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            Interlocked.Increment(ref _calls);
            _ = Task.Run(async () =>
            {
                await context.Request.InputStream.CopyToAsync(Stream.Null).ConfigureAwait(false);
                context.Response.StatusCode = 200;
                context.Response.ContentLength64 = 0;
                context.Response.Close();
            });
        }
    }

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        _serving.Wait(TimeSpan.FromSeconds(2));
    }
}
