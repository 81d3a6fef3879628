using System.Security.Claims;
using CallCenter.Routing.Host.Edge;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace CallCenter.Routing.Host.Identity;

/// <summary>Issues and validates the edge's tokens: the <c>token</c> command's and the tests' tokens, checked as every client's are.</summary>
public static class EdgeTokens
{
    /// <summary>A token for <paramref name="subject"/> in <paramref name="role"/>, valid for <paramref name="lifetime"/> from <paramref name="now"/>.</summary>
    /// <param name="emergency">For a gateway: whether it may flag calls as emergencies.</param>
    public static string Issue(
        IdentitySettings settings, SecurityKey key, EdgeRole role, string subject, string? domain, TimeSpan lifetime, DateTimeOffset now,
        bool emergency = false)
    {
        var claims = new Dictionary<string, object>
        {
            [EdgeClaims.Subject] = subject,
            [EdgeClaims.Role] = EdgeClaims.Name(role),
        };
        if (domain is not null)
        {
            claims[EdgeClaims.Domain] = domain;
        }

        if (emergency)
        {
            claims[EdgeClaims.Emergency] = true;
        }

        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = settings.Issuer,
            Audience = settings.Audience,
            Claims = claims,
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = (now + lifetime).UtcDateTime,
            SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.HmacSha256),
        });
    }

    /// <summary>What a token must be to be taken: signed by the key (or the authority's), for the issuer and audience, in its time.</summary>
    public static TokenValidationParameters Validation(IdentitySettings settings, SecurityKey? key) => new()
    {
        ValidIssuer = settings.Issuer,
        ValidAudience = settings.Audience,
        ValidateIssuer = true,
        ValidateAudience = true,
        ValidateLifetime = true,
        RequireExpirationTime = true,
        ValidateIssuerSigningKey = true,
        IssuerSigningKey = key,
        ClockSkew = TimeSpan.FromSeconds(settings.ClockSkewSeconds),
        NameClaimType = EdgeClaims.Subject,
        RoleClaimType = EdgeClaims.Role,
    };

    /// <summary>Who a validated token speaks for, or null when its claims do not say (no subject, an unknown role).</summary>
    public static EdgeIdentity? IdentityOf(ClaimsPrincipal principal)
    {
        var subject = principal.FindFirst(EdgeClaims.Subject)?.Value;
        var role = EdgeClaims.Parse(principal.FindFirst(EdgeClaims.Role)?.Value);
        return string.IsNullOrEmpty(subject) || role is null
            ? null
            : new EdgeIdentity(role.Value, subject, principal.FindFirst(EdgeClaims.Domain)?.Value)
            {
                MayFlagEmergency = principal.FindFirst(EdgeClaims.Emergency)?.Value is { } flag && bool.TryParse(flag, out var may) && may,
            };
    }
}

/// <summary>Who a call's token speaks for: its role, its subject (a gateway or agent id, or a person), and the domain it is for (none: any).</summary>
public sealed record EdgeIdentity(EdgeRole Role, string Subject, string? Domain)
{
    /// <summary>A gateway whose token lets it flag calls as emergencies.</summary>
    public bool MayFlagEmergency { get; init; }

    /// <summary>A gateway or an agent acts only as itself: <paramref name="named"/>, in <paramref name="field"/>, must be the token's subject.</summary>
    /// <exception cref="BadRequestException">PERMISSION_DENIED naming the field.</exception>
    public void MustActAs(string named, string field)
    {
        if (named != Subject)
        {
            var role = EdgeClaims.Name(Role);
            throw RequestChecks.PermissionDenied(field, $"the token is {role} '{Subject}''s: it may not act as {role} '{named}'");
        }
    }

    /// <summary>A token for one routing domain reaches that domain alone.</summary>
    /// <exception cref="BadRequestException">PERMISSION_DENIED naming the field that named the domain.</exception>
    public void MustReach(string domainId, string field)
    {
        if (Domain is { } domain && domain != domainId)
        {
            throw RequestChecks.PermissionDenied(field, $"the token is for routing domain '{domain}' only");
        }
    }
}
