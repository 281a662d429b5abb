using System.Text;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Realtime.AspNetCore.Identity;

/// <summary>Who a token says the caller is, until when.</summary>
public sealed record Identity(string User, DateTimeOffset ExpiresAt);

/// <summary>The outcome of checking a token: an identity, or why there is none.</summary>
public readonly record struct TokenCheck(Identity? Identity, string? Error);

/// <summary>
/// Validates JWT bearer tokens with the JwtBearer options the app configured (issuer, audience,
/// lifetime, and the signing key or the authority's JWKS), for the upgrade and for <c>refresh</c>
/// alike. Tokens are never logged.
/// </summary>
public sealed class TokenValidator(IOptionsMonitor<JwtBearerOptions> bearer, IOptions<AuthOptions> options)
{
    private readonly AuthOptions _auth = options.Value;
    private readonly JsonWebTokenHandler _handler = new() { MapInboundClaims = false };

    public bool Enabled => _auth.Enabled;

    public async Task<TokenCheck> ValidateAsync(string token, CancellationToken cancellationToken)
    {
        var settings = bearer.Get(JwtBearerDefaults.AuthenticationScheme);
        var (result, error) = await ValidateOnceAsync(token, settings, cancellationToken).ConfigureAwait(false);
        if (result?.Exception is SecurityTokenSignatureKeyNotFoundException && settings.ConfigurationManager is { } configuration)
        {
            // A key the cached JWKS does not have: the provider may have rotated its signing key.
            // Ask for the JWKS again (the configuration manager allows that once per RefreshInterval,
            // 5 minutes, so a flood of forged kids cannot hammer the provider) and check once more.
            if (await RefreshedAsync(configuration, cancellationToken).ConfigureAwait(false))
            {
                (result, error) = await ValidateOnceAsync(token, settings, cancellationToken).ConfigureAwait(false);
            }
        }

        if (error is not null)
        {
            return new TokenCheck(null, error);
        }

        if (!result!.IsValid)
        {
            return new TokenCheck(null, Describe(result.Exception));
        }

        if (!result.Claims.TryGetValue(_auth.UserClaim, out var user) || user?.ToString() is not { Length: > 0 } id)
        {
            return new TokenCheck(null, $"the token has no '{_auth.UserClaim}' claim");
        }

        return new TokenCheck(new Identity(id, new DateTimeOffset(result.SecurityToken.ValidTo, TimeSpan.Zero)), null);
    }

    /// <summary>
    /// Requests a refresh and waits up to a second for it (the manager fetches in the background);
    /// false when none came (refused by its rate limit, or the provider is slow).
    /// </summary>
    private static async Task<bool> RefreshedAsync(Microsoft.IdentityModel.Protocols.IConfigurationManager<Microsoft.IdentityModel.Protocols.OpenIdConnect.OpenIdConnectConfiguration> configuration, CancellationToken cancellationToken)
    {
        try
        {
            var before = await configuration.GetConfigurationAsync(cancellationToken).ConfigureAwait(false);
            configuration.RequestRefresh();
            for (var wait = 0; wait < 20; wait++)
            {
                if (!ReferenceEquals(before, await configuration.GetConfigurationAsync(cancellationToken).ConfigureAwait(false)))
                {
                    return true;
                }

                await Task.Delay(50, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is InvalidOperationException or IOException or HttpRequestException)
        {
            // Unreachable: the caller refuses the token as it stands.
        }

        return false;
    }

    private async Task<(TokenValidationResult? Result, string? Error)> ValidateOnceAsync(string token, JwtBearerOptions settings, CancellationToken cancellationToken)
    {
        var parameters = settings.TokenValidationParameters.Clone();
        if (settings.ConfigurationManager is { } configuration)
        {
            try
            {
                var discovered = await configuration.GetConfigurationAsync(cancellationToken).ConfigureAwait(false);
                parameters.IssuerSigningKeys = discovered.SigningKeys;
                parameters.ValidIssuer ??= discovered.Issuer;
            }
            catch (Exception e) when (e is InvalidOperationException or IOException or HttpRequestException)
            {
                return (null, "the identity provider could not be reached");
            }
        }

        return (await _handler.ValidateTokenAsync(token, parameters).ConfigureAwait(false), null);
    }

    /// <summary>A reason safe to show the client: the kind of failure, never the token.</summary>
    private static string Describe(Exception? e) => e switch
    {
        SecurityTokenExpiredException => "the token has expired",
        SecurityTokenInvalidAudienceException => "the token is for another audience",
        SecurityTokenInvalidIssuerException => "the token is from another issuer",
        SecurityTokenSignatureKeyNotFoundException or SecurityTokenInvalidSignatureException => "the token's signature is not valid",
        SecurityTokenNotYetValidException => "the token is not valid yet",
        _ => "the token is not valid",
    };

    /// <summary>JwtBearer settings from the <c>Realtime:Auth</c> section.</summary>
    public static void Configure(JwtBearerOptions bearerOptions, AuthOptions auth)
    {
        bearerOptions.MapInboundClaims = false;
        bearerOptions.RequireHttpsMetadata = auth.Authority?.StartsWith("https://", StringComparison.OrdinalIgnoreCase) ?? true;
        if (!string.IsNullOrEmpty(auth.Authority))
        {
            bearerOptions.Authority = auth.Authority;
        }

        bearerOptions.TokenValidationParameters = new TokenValidationParameters
        {
            ValidateIssuer = true,
            ValidIssuer = auth.Issuer ?? auth.Authority,
            ValidateAudience = true,
            ValidAudience = auth.Audience,
            ValidateLifetime = true,
            RequireExpirationTime = true,
            ClockSkew = TimeSpan.FromSeconds(auth.ClockSkewSeconds),
            ValidateIssuerSigningKey = true,
            IssuerSigningKey = string.IsNullOrEmpty(auth.SigningKey) ? null : new SymmetricSecurityKey(Encoding.UTF8.GetBytes(auth.SigningKey)),
        };
    }
}
