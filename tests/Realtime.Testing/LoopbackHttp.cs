using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Realtime.Testing;

/// <summary>
/// A quiet Kestrel on 127.0.0.1 for a test's stand-in of another service (ECS task metadata, an app's
/// backend, an identity provider, an AWS API): the test maps its routes, starts it, and asks where it is.
/// </summary>
public static class LoopbackHttp
{
    /// <param name="port">0 for any free port (<see cref="AddressOf"/> tells which, once started).</param>
    public static WebApplication Create(int port = 0)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders(); // a test double: nothing it says is a finding
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        return builder.Build();
    }

    /// <summary>The started server's base address, e.g. <c>http://127.0.0.1:41234</c>.</summary>
    public static Uri AddressOf(WebApplication app) =>
        new(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
}
