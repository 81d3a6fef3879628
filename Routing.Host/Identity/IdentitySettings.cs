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

        if (ClockSkewSeconds is < 0 or > 600)
        {
            yield return new ConfigurationError($"{Section}:ClockSkewSeconds", "must be between 0 and 600");
        }
    }
}
