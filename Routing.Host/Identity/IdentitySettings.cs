using CallCenter.Routing.Configuration;
using CallCenter.Routing.Host.Configuration;

namespace CallCenter.Routing.Host.Identity;

/// <summary>
/// The "Routing:Identity" section: how clients prove who they are. Tokens are JWTs signed with a
/// symmetric key (<see cref="SigningKey"/>, or the file <see cref="SigningKeyFile"/>, or, with
/// neither, a development key the server makes on its first start in its data folder), or by an
/// issuer whose published keys are read from <see cref="Authority"/>.
/// </summary>
public sealed class IdentitySettings
{
    public const string Section = "Routing:Identity";

    /// <summary>The <c>iss</c> every token must carry (with an <see cref="Authority"/>, the authority's own).</summary>
    public string Issuer { get; set; } = "callcenter";

    /// <summary>The <c>aud</c> every token must carry.</summary>
    public string Audience { get; set; } = "callcenter";

    /// <summary>A symmetric signing key, base64, of at least 32 bytes.</summary>
    public string? SigningKey { get; set; }

    /// <summary>A file holding the symmetric signing key, base64.</summary>
    public string? SigningKeyFile { get; set; }

    /// <summary>An OpenID Connect issuer whose published keys (JWKS) sign the tokens, for production.</summary>
    public string? Authority { get; set; }

    /// <summary>
    /// Whether a call without a token is refused (UNAUTHENTICATED). Without, a call that carries no
    /// token is served as before; a call that carries one is always checked, and refused when the
    /// token is bad or does not allow what the call does.
    /// </summary>
    public bool RequireTokens { get; set; }

    /// <summary>
    /// For development only: a softphone with a token may name its own skills at log-in. Without, its
    /// skills are the stored profile's, which supervisors and admins assign.
    /// </summary>
    public bool AllowDeclaredSkills { get; set; }

    /// <summary>Calls a second each client (a token's role and subject) may make on average; beyond, RESOURCE_EXHAUSTED.</summary>
    public double ClientCallsPerSecond { get; set; } = 200;

    /// <summary>Calls a client may make at once, above its average.</summary>
    public int ClientCallBurst { get; set; } = 400;

    /// <summary>How far a token's times may be off the server's clock.</summary>
    public double ClockSkewSeconds { get; set; } = 30;

    public const int MinimumKeyBytes = 32;

    public static IdentitySettings Load(IConfiguration configuration)
    {
        var settings = SettingsBinding.Read<IdentitySettings>(configuration, Section);
        var errors = settings.Errors().ToList();
        return errors.Count == 0 ? settings : throw new InvalidConfigurationException(errors);
    }

    private IEnumerable<ConfigurationError> Errors()
    {
        if (string.IsNullOrWhiteSpace(Issuer))
        {
            yield return new ConfigurationError($"{Section}:Issuer", "must name the tokens' issuer");
        }

        if (string.IsNullOrWhiteSpace(Audience))
        {
            yield return new ConfigurationError($"{Section}:Audience", "must name the tokens' audience");
        }

        if (SigningKey is not null && SigningKeyFile is not null)
        {
            yield return new ConfigurationError($"{Section}:SigningKeyFile", "set either SigningKey or SigningKeyFile, not both");
        }

        if (SigningKey is { } key && SigningKeys.Decode(key) is null)
        {
            yield return new ConfigurationError($"{Section}:SigningKey", $"must be base64 of at least {MinimumKeyBytes} bytes");
        }

        if (Authority is { } authority && (!Uri.TryCreate(authority, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttps))
        {
            yield return new ConfigurationError($"{Section}:Authority", "must be an https address");
        }

        if (ClientCallsPerSecond is <= 0 or > 1_000_000 || double.IsNaN(ClientCallsPerSecond))
        {
            yield return new ConfigurationError($"{Section}:ClientCallsPerSecond", "must be above 0 and at most 1000000");
        }

        if (ClientCallBurst < 1)
        {
            yield return new ConfigurationError($"{Section}:ClientCallBurst", "must be at least 1");
        }

        if (ClockSkewSeconds is < 0 or > 600)
        {
            yield return new ConfigurationError($"{Section}:ClockSkewSeconds", "must be between 0 and 600");
        }
    }
}
