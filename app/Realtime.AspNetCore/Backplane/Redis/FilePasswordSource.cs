namespace Realtime.AspNetCore.Backplane.Redis;

/// <summary>The token in a file (a mounted secret: Kubernetes, Docker), trailing line break ignored.</summary>
public sealed class FilePasswordSource(string path) : IRedisPasswordSource
{
    public string Name => path;

    public async Task<string> ReadAsync(CancellationToken cancellationToken) =>
        (await File.ReadAllTextAsync(path, cancellationToken)).TrimEnd('\r', '\n');
}
