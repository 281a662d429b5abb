using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Realtime.Server.Tests.Infrastructure;

namespace Realtime.Server.Tests.Integration;

/// <summary>
/// Tokens signed by an OIDC provider (as Cognito does): the node reads the authority's discovery
/// document and JWKS, here served by a real Kestrel on loopback, and checks RS256 signatures with them.
/// </summary>
public sealed class OidcAuthorityTests : IAsyncLifetime
{
    private readonly RSA _key = RSA.Create(2048);
    private WebApplication _provider = null!;
    private string _authority = "";

    public async Task InitializeAsync()
    {
        var port = FreePort.Next();
        _authority = $"http://127.0.0.1:{port}";
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(_authority);
        _provider = builder.Build();
        var publicKey = _key.ExportParameters(includePrivateParameters: false);
        _provider.MapGet("/.well-known/openid-configuration", () => Results.Text(
            $$"""{"issuer":"{{_authority}}","jwks_uri":"{{_authority}}/jwks","id_token_signing_alg_values_supported":["RS256"]}""", "application/json"));
        _provider.MapGet("/jwks", () => Results.Text(
            $$"""{"keys":[{"kty":"RSA","use":"sig","alg":"RS256","kid":"k1","n":"{{Base64UrlEncoder.Encode(publicKey.Modulus)}}","e":"{{Base64UrlEncoder.Encode(publicKey.Exponent)}}"}]}""", "application/json"));
        await _provider.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _provider.DisposeAsync();
        _key.Dispose();
    }

    private string Token(string user, RSA key) => new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
    {
        Issuer = _authority,
        Audience = "realtime-oidc",
        Claims = new Dictionary<string, object> { ["sub"] = user },
        Expires = DateTime.UtcNow.AddMinutes(5),
        SigningCredentials = new SigningCredentials(new RsaSecurityKey(key) { KeyId = "k1" }, SecurityAlgorithms.RsaSha256),
    });

    [Fact]
    public async Task A_token_signed_by_the_authoritys_key_is_accepted_and_a_forged_one_refused()
    {
        await using var node = await TestNode.StartAsync(redis: null, new()
        {
            ["Realtime:Auth:Authority"] = _authority,
            ["Realtime:Auth:Audience"] = "realtime-oidc",
            ["Realtime:Auth:AllowAnonymous"] = "false",
        });

        await using var client = await TestClient.ConnectAsync(Tokens.With(node.WebSocket, Token("oidc-user", _key)));
        Assert.Equal("oidc-user", (await client.NextOfTypeAsync("welcome")).Json.GetProperty("user").GetString());

        using var forger = RSA.Create(2048);
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, await TestClient.RefusedStatusAsync(Tokens.With(node.WebSocket, Token("oidc-user", forger))));
    }
}
