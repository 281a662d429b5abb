using Realtime.AspNetCore.Hosting;
using Realtime.Server.Booking;

// `--health`: the container health check. The runtime image has no shell or curl.
if (args.Contains(HealthProbe.Flag))
{
    return await HealthProbe.RunAsync(args);
}

// The content root (wwwroot) is the published app's own directory, wherever it is started from: a
// systemd unit or `dotnet /path/to/Realtime.Server.dll` does not run in it. `dotnet run` keeps its
// default (the project folder), since a build's output holds no wwwroot.
var published = Directory.Exists(Path.Combine(AppContext.BaseDirectory, "wwwroot"));
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = published ? AppContext.BaseDirectory : null });
builder.AddRealtimeServer();
// The demo restaurant's rules (Booking/): your app's hooks and RPCs go here (docs/extending.md).
builder.Services.AddBookingDemo();

var app = builder.Build();
app.UseRealtime();
await app.RunAsync();
return 0;
