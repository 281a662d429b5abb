using System.Text.Json;
using Amazon.Runtime;
using Amazon.SimpleSystemsManagement;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Realtime.AspNetCore.Backplane.Redis;

namespace Realtime.Server.Tests.Backplane;

/// <summary>
/// The source a task reads a rotated AUTH token from, through the real AWS SDK against a stand-in of
/// Parameter Store's API on loopback (no AWS runs here): it asks for the secret's reference by name
/// with decryption on, and passes Parameter Store's refusal on as an exception (the refresher then
/// keeps the token it holds).
/// </summary>
public sealed class SecretsManagerPasswordSourceTests : IAsyncLifetime
{
    private const string SecretArn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:BackplaneAuthTokenF42B6751-c0nJ8C2ZtDcG-AbCdEf";
    private const string Token = "rotated-token-0123456789abcdefABCDEF";
    private readonly List<(string? Target, JsonElement Body)> _requests = [];
    private WebApplication _parameterStore = null!;
    private string _url = "";

    public async Task InitializeAsync()
    {
        _parameterStore = LoopbackHttp.Create();
        _parameterStore.MapPost("/", async (HttpContext context) =>
        {
            using var body = await JsonDocument.ParseAsync(context.Request.Body);
            var target = context.Request.Headers["X-Amz-Target"].ToString();
            lock (_requests)
            {
                _requests.Add((target, body.RootElement.Clone()));
            }

            context.Response.ContentType = "application/x-amz-json-1.1";
            var name = body.RootElement.GetProperty("Name").GetString();
            if (name != SecretsManagerPasswordSource.ReferencePrefix + "BackplaneAuthTokenF42B6751-c0nJ8C2ZtDcG")
            {
                context.Response.StatusCode = 400;
                await context.Response.WriteAsync("""{"__type":"ParameterNotFound","message":"no such parameter"}""");
                return;
            }

            await context.Response.WriteAsync(JsonSerializer.Serialize(new { Parameter = new { Name = name, Type = "SecureString", Value = Token, Version = 1 } }));
        });
        await _parameterStore.StartAsync();
        _url = LoopbackHttp.AddressOf(_parameterStore).ToString();
    }

    public async Task DisposeAsync() => await _parameterStore.DisposeAsync();

    private AmazonSimpleSystemsManagementClient Client() =>
        new(new BasicAWSCredentials("test-access-key", "test-secret-key"), new AmazonSimpleSystemsManagementConfig { ServiceURL = _url, AuthenticationRegion = "eu-west-1" });

    [Fact]
    public async Task Reads_the_secret_through_its_parameter_store_reference_with_decryption()
    {
        using var client = Client();
        var source = new SecretsManagerPasswordSource(SecretArn, client);

        Assert.Equal(Token, await source.ReadAsync(CancellationToken.None));
        var (target, body) = Assert.Single(_requests);
        Assert.Equal("AmazonSSM.GetParameter", target);
        Assert.True(body.GetProperty("WithDecryption").GetBoolean());
    }

    [Fact]
    public async Task A_refusal_is_an_exception_never_an_empty_token()
    {
        using var client = Client();
        var source = new SecretsManagerPasswordSource("realtime/no-such-secret", client);
        await Assert.ThrowsAsync<Amazon.SimpleSystemsManagement.Model.ParameterNotFoundException>(() => source.ReadAsync(CancellationToken.None));
    }
}
