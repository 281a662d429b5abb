namespace Realtime.AspNetCore.Identity;

/// <summary>The credential of an <c>Authorization: Bearer …</c> header: a user's token on an upgrade, a key on the server API.</summary>
public static class BearerToken
{
    /// <summary>The authentication scheme, as a <c>WWW-Authenticate</c> challenge names it.</summary>
    public const string Scheme = "Bearer";

    /// <summary>What follows <c>Bearer </c> (the scheme in any case), trimmed; null when the header is absent, empty or of another scheme.</summary>
    public static string? From(string? authorization) =>
        authorization is { Length: > 7 } header && header.StartsWith(Scheme + " ", StringComparison.OrdinalIgnoreCase) && header[7..].Trim() is { Length: > 0 } credential
            ? credential
            : null;
}
