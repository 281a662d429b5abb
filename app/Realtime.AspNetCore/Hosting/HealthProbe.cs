namespace Realtime.AspNetCore.Hosting;

/// <summary>
/// Asks the running server for <c>/healthz</c> on loopback and turns the answer into an exit
/// code, so the container's health check needs no shell or curl in the image.
/// </summary>
public static class HealthProbe
{
    public const string Flag = "--health";

    public static async Task<int> RunAsync(string[] args)
    {
        var port = Environment.GetEnvironmentVariable("ASPNETCORE_HTTP_PORTS")?.Split(',', ';')[0] ?? "8080";
        var url = args.SkipWhile(a => a != Flag).Skip(1).FirstOrDefault() ?? $"http://127.0.0.1:{port}/healthz";
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(3) };
        try
        {
            using var response = await http.GetAsync(new Uri(url)).ConfigureAwait(false);
            return response.IsSuccessStatusCode ? 0 : 1;
        }
        catch (HttpRequestException)
        {
            return 1;
        }
        catch (TaskCanceledException)
        {
            return 1;
        }
    }
}
