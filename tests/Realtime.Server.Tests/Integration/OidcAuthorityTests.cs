using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
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
    private readonly RSA _next = RSA.Create(2048);
    private volatile bool _rotated;
    private WebApplication _provider = null!;
    private string _authority = "";

    public async Task InitializeAsync()
    {
        var port = FreePort.Next();
        _authority = $"http://127.0.0.1:{port}";
        _provider = LoopbackHttp.Create(port); // the issuer's address goes into its own documents

        var publicKey = _key.ExportParameters(includePrivateParameters: false);
        _provider.MapGet("/.well-known/openid-configuration", () => Results.Text(
            $$"""{"issuer":"{{_authority}}","jwks_uri":"{{_authority}}/jwks","id_token_signing_alg_values_supported":["RS256"]}""", "application/json"));
        var nextKey = _next.ExportParameters(includePrivateParameters: false);
        static string Jwk(string kid, RSAParameters key) =>
            $$"""{"kty":"RSA","use":"sig","alg":"RS256","kid":"{{kid}}","n":"{{Base64UrlEncoder.Encode(key.Modulus)}}","e":"{{Base64UrlEncoder.Encode(key.Exponent)}}"}""";
        _provider.MapGet("/jwks", () => Results.Text(
            _rotated ? $$"""{"keys":[{{Jwk("k1", publicKey)}},{{Jwk("k2", nextKey)}}]}""" : $$"""{"keys":[{{Jwk("k1", publicKey)}}]}""", "application/json"));
        await _provider.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _provider.DisposeAsync();
        _key.Dispose();
        _next.Dispose();
    }

    private string Token(string user, RSA key, string kid = "k1") => new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
    {
        Issuer = _authority,
        Audience = "realtime-oidc",
        Claims = new Dictionary<string, object> { ["sub"] = user },
        Expires = DateTime.UtcNow.AddMinutes(5),
        SigningCredentials = new SigningCredentials(new RsaSecurityKey(key) { KeyId = kid }, SecurityAlgorithms.RsaSha256),
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

    [Fact]
    public async Task A_token_signed_with_a_newly_rotated_key_is_accepted_without_waiting_for_the_cache()
    {
        await using var node = await TestNode.StartAsync(redis: null, new()
        {
            ["Realtime:Auth:Authority"] = _authority,
            ["Realtime:Auth:Audience"] = "realtime-oidc",
            ["Realtime:Auth:AllowAnonymous"] = "false",
        });
        await using (var first = await TestClient.ConnectAsync(Tokens.With(node.WebSocket, Token("before", _key))))
        {
            await first.NextOfTypeAsync("welcome"); // the JWKS (k1 only) is cached now
        }

        _rotated = true; // the provider signs with k2 from now on
        await using var client = await TestClient.ConnectAsync(Tokens.With(node.WebSocket, Token("after", _next, kid: "k2")));

        Assert.Equal("after", (await client.NextOfTypeAsync("welcome")).Json.GetProperty("user").GetString());
    }
}
