using System.Security.Cryptography;
using CallCenter.Routing.Host.Identity;
using Grpc.Core;
using Microsoft.IdentityModel.Tokens;

namespace CallCenter.Routing.Tests.Edge;

/// <summary>A signing key of a test's own, the server setting that gives it to the server, and the headers of calls carrying its tokens.</summary>
public sealed class TestTokens
{
    public string Key { get; } = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    public IdentitySettings Settings => new() { SigningKey = Key };

    /// <summary>The setting for <see cref="EdgeHost.Start"/>.</summary>
    public string ServerSetting => $"Routing:Identity:SigningKey={Key}";

    /// <summary>A token signed with this key (or <paramref name="key"/>), for the server's issuer and audience unless <paramref name="settings"/> says otherwise.</summary>
    public string Token(EdgeRole role, string subject, string? domain = null, TimeSpan? lifetime = null, DateTimeOffset? now = null,
        IdentitySettings? settings = null, string? key = null, bool emergency = false) =>
        EdgeTokens.Issue(settings ?? Settings, new SymmetricSecurityKey(Convert.FromBase64String(key ?? Key)), role, subject, domain,
            lifetime ?? TimeSpan.FromHours(1), now ?? DateTimeOffset.UtcNow, emergency);

    /// <summary>The headers of a call carrying <paramref name="token"/>, and a routing domain when named.</summary>
    public static Metadata Bearer(string token, string? domain = null)
    {
        var headers = new Metadata { { "authorization", $"Bearer {token}" } };
        if (domain is not null)
        {
            headers.Add("routing-domain", domain);
        }

        return headers;
    }

    /// <summary>The headers of a call with a fresh token for <paramref name="subject"/> in <paramref name="role"/>.</summary>
    public Metadata For(EdgeRole role, string subject) => Bearer(Token(role, subject));
}
