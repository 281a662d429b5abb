using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Realtime.Server.Tests.Infrastructure;

/// <summary>Signs test JWTs the way a backend or identity provider would.</summary>
public static class Tokens
{
    public const string SigningKey = "test-signing-key-0123456789-abcdefghijklmnop";
    public const string Issuer = "https://issuer.test";
    public const string Audience = "realtime-tests";

    /// <summary>Node settings that check tokens signed by <see cref="Create"/>.</summary>
    public static Dictionary<string, string?> Settings(bool allowAnonymous = true) => new()
    {
        ["Realtime:Auth:SigningKey"] = SigningKey,
        ["Realtime:Auth:Issuer"] = Issuer,
        ["Realtime:Auth:Audience"] = Audience,
        ["Realtime:Auth:AllowAnonymous"] = allowAnonymous ? "true" : "false",
        ["Realtime:Auth:ClockSkewSeconds"] = "0",
    };

    public static string Create(string user, TimeSpan? lifetime = null, string audience = Audience, string key = SigningKey, DateTime? notBefore = null)
    {
        var now = DateTime.UtcNow;
        var start = notBefore ?? now.AddMinutes(-1);
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = audience,
            Claims = new Dictionary<string, object> { ["sub"] = user },
            NotBefore = start,
            IssuedAt = start,
            Expires = now + (lifetime ?? TimeSpan.FromMinutes(10)),
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(key)), SecurityAlgorithms.HmacSha256),
        });
    }

    public static Uri With(Uri ws, string token) => new($"{ws}?access_token={Uri.EscapeDataString(token)}");
}
