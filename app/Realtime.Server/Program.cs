using Realtime.AspNetCore.Hosting;

// `--health`: the container health check. The runtime image has no shell or curl.
if (args.Contains(HealthProbe.Flag))
{
    return await HealthProbe.RunAsync(args);
}

// The content root (wwwroot, appsettings.json) is the app's own directory, wherever it is started
// from: a systemd unit or `dotnet /path/to/Realtime.Server.dll` does not run in it.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.AddRealtimeServer();

var app = builder.Build();
app.UseRealtime();
await app.RunAsync();
return 0;
