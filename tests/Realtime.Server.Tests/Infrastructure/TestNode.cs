using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Realtime.AspNetCore.Hosting;
using Realtime.AspNetCore.Diagnostics;
using Realtime.AspNetCore;
using Realtime.Testing;

namespace Realtime.Server.Tests.Infrastructure;

/// <summary>
/// A real node: the app's own <c>AddRealtimeServer</c> / <c>UseRealtime</c> on Kestrel, bound to
/// 127.0.0.1 on a port the OS picks, configured through the same <c>Realtime:*</c> keys.
/// </summary>
public sealed class TestNode : IAsyncDisposable
{
    private readonly WebApplication _app;
    private bool _stopped;

    private TestNode(WebApplication app, Uri http)
    {
        _app = app;
        Http = http;
    }

    public Uri Http { get; }

    public Uri WebSocket => new UriBuilder(Http) { Scheme = "ws", Path = "/ws" }.Uri;

    public IServiceProvider Services => _app.Services;

    public RealtimeMetrics Metrics => Services.GetRequiredService<RealtimeMetrics>();

    public string Id => Services.GetRequiredService<NodeIdentity>().Id;

    /// <param name="port">A port chosen beforehand (a node that joins later at an address its clients already know); any free one otherwise.</param>
    /// <param name="services">The app's own registrations (its hooks), as its Program.cs would add them.</param>
    public static async Task<TestNode> StartAsync(string? redis, Dictionary<string, string?>? settings = null, string? nodeId = null, LogCapture? logs = null, int port = 0, Action<IServiceCollection>? services = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Testing" });
        var configuration = new Dictionary<string, string?>
        {
            ["Realtime:NodeId"] = nodeId ?? $"test-{Guid.NewGuid().ToString("N")[..6]}",
            ["Realtime:Redis:ConnectionString"] = redis ?? "",
            ["Realtime:DrainSeconds"] = "2",
            // Nodes of unrelated tests share one Redis, and so one fleet: they must not balance each
            // other. RebalanceTests switches it on with a key prefix of their own.
            ["Realtime:Rebalance:Enabled"] = "false",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        if (logs is not null)
        {
            configuration["Logging:LogLevel:Default"] = "Trace"; // everything the app might ever write
        }

        foreach (var (key, value) in settings ?? [])
        {
            configuration[key] = value;
        }

        builder.Configuration.AddInMemoryCollection(configuration);
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.AddRealtimeServer();
        services?.Invoke(builder.Services);
        // Kept, not printed: a passing run stays quiet, and a test can still read what its node said.
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(logs ?? new LogCapture());
        if (logs is not null)
        {
            builder.Logging.SetMinimumLevel(Microsoft.Extensions.Logging.LogLevel.Trace);
        }

        var app = builder.Build();
        app.UseRealtime();
        await app.StartAsync();

        return new TestNode(app, LoopbackHttp.AddressOf(app));
    }

    /// <summary>
    /// The shutdown a SIGTERM starts: the console lifetime fires <c>ApplicationStopping</c> first,
    /// then the host stops (drain, then server). Calling only <c>StopAsync</c> would fire the token
    /// after the drain, and hide whatever the drain must survive.
    /// </summary>
    public async Task StopAsync()
    {
        if (!_stopped)
        {
            _stopped = true;
            Services.GetRequiredService<IHostApplicationLifetime>().StopApplication();
            await _app.StopAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        await _app.DisposeAsync();
    }
}
