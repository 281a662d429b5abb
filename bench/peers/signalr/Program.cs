// The benchmark's SignalR peer: the idiomatic minimum with the Redis backplane. A channel is a
// group: Subscribe(channel) joins it, Publish(channel, payload) sends to it.
using System.Text.Json;
using Microsoft.AspNetCore.SignalR;

var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.Services.AddSignalR().AddStackExchangeRedis(builder.Configuration["Redis"] ?? "127.0.0.1:6379");

var app = builder.Build();
app.MapHub<ChannelHub>("/hub");
app.MapGet("/healthz", () => "ok");
app.Run();

internal sealed class ChannelHub : Hub
{
    public Task Subscribe(string channel) => Groups.AddToGroupAsync(Context.ConnectionId, channel);

    public Task Publish(string channel, JsonElement payload) => Clients.Group(channel).SendAsync("message", channel, payload);
}
