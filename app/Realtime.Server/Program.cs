using Realtime.Server.Hosting;

// `--health`: the container health check. The runtime image has no shell or curl.
if (args.Contains(HealthProbe.Flag))
{
    return await HealthProbe.RunAsync(args);
}

var builder = WebApplication.CreateBuilder(args);
builder.AddRealtimeServer();

var app = builder.Build();
app.UseRealtime();
await app.RunAsync();
return 0;
