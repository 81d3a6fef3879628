using System.Security.Cryptography;
using CallCenter.Routing.Configuration;
using CallCenter.Routing.Host;
using CallCenter.Routing.Host.Identity;
using Microsoft.Extensions.Configuration;

namespace CallCenter.Routing.Tests.Host;

/// <summary>The identity settings and the signing key: a setting that cannot work stops the start, naming its key; the development key is made once and kept.</summary>
public sealed class IdentitySettingsTests
{
    private static IConfiguration With(params (string Key, string Value)[] settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>($"Routing:Identity:{s.Key}", s.Value))).Build();

    private static readonly string GoodKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    [Test]
    public void With_nothing_set_tokens_are_optional_and_checked_for_the_servers_own_issuer_and_audience()
    {
        var settings = IdentitySettings.Load(With());

        Assert.That((settings.Issuer, settings.Audience, settings.RequireTokens, settings.SigningKey, settings.Authority),
            Is.EqualTo(("callcenter", "callcenter", false, (string?)null, (string?)null)));
    }

    [TestCase("SigningKey", "c2hvcnQ=", "Routing:Identity:SigningKey", "must be base64 of at least 32 bytes")]
    [TestCase("SigningKey", "not base64!", "Routing:Identity:SigningKey", "must be base64 of at least 32 bytes")]
    [TestCase("Authority", "http://issuer.example", "Routing:Identity:Authority", "must be an https address")]
    [TestCase("Issuer", " ", "Routing:Identity:Issuer", "must name the tokens' issuer")]
    [TestCase("Audience", "", "Routing:Identity:Audience", "must name the tokens' audience")]
    [TestCase("ClockSkewSeconds", "-1", "Routing:Identity:ClockSkewSeconds", "must be between 0 and 600")]
    public void A_setting_that_cannot_work_is_refused_by_its_key(string key, string value, string field, string message)
    {
        var error = Assert.Throws<InvalidConfigurationException>(() => IdentitySettings.Load(With((key, value))));

        Assert.That(error!.Errors, Does.Contain(new ConfigurationError(field, message)));
    }

    [Test]
    public void A_key_and_a_key_file_together_are_refused()
    {
        var error = Assert.Throws<InvalidConfigurationException>(() => IdentitySettings.Load(With(("SigningKey", GoodKey), ("SigningKeyFile", "/tmp/key"))));

        Assert.That(error!.Errors.Select(e => e.Field), Does.Contain("Routing:Identity:SigningKeyFile"));
    }

    [Test]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void The_development_key_is_made_once_for_its_owner_alone_and_kept()
    {
        var folder = Path.Combine(Path.GetTempPath(), $"callcenter-identity-{Guid.NewGuid():N}");
        try
        {
            var first = SigningKeys.Resolve(new IdentitySettings(), folder)!;
            var second = SigningKeys.Resolve(new IdentitySettings(), folder)!;

            Assert.That(second.Key, Is.EqualTo(first.Key), "the same key after a restart: tokens issued before it still work");
            Assert.That(first.Key, Has.Length.EqualTo(32));
            Assert.That(File.GetUnixFileMode(Path.Combine(folder, SigningKeys.DevelopmentKeyFileName)),
                Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Test]
    public void Servers_starting_together_all_take_the_one_development_key()
    {
        var folder = Path.Combine(Path.GetTempPath(), $"callcenter-identity-{Guid.NewGuid():N}");
        try
        {
            var keys = new byte[16][];
            Parallel.For(0, keys.Length, new ParallelOptions { MaxDegreeOfParallelism = 16 }, i => keys[i] = SigningKeys.Development(folder));

            Assert.That(keys.Select(Convert.ToBase64String).Distinct().Count(), Is.EqualTo(1));
            Assert.That(Directory.GetFiles(folder).Select(Path.GetFileName), Is.EqualTo(new[] { SigningKeys.DevelopmentKeyFileName }), "no file left half made");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Test]
    public void A_configured_key_is_taken_and_no_key_is_made_when_an_authority_signs()
    {
        var folder = Path.Combine(Path.GetTempPath(), $"callcenter-identity-{Guid.NewGuid():N}");

        Assert.That(SigningKeys.Resolve(new IdentitySettings { SigningKey = GoodKey }, folder)!.Key, Is.EqualTo(Convert.FromBase64String(GoodKey)));
        Assert.That(SigningKeys.Resolve(new IdentitySettings { Authority = "https://issuer.example" }, folder), Is.Null);
        Assert.That(Directory.Exists(folder), Is.False, "no development key where another is configured");
    }

    [Test]
    public void A_key_file_that_holds_no_key_stops_the_start_naming_the_setting_and_the_file()
    {
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, "too short");

            var error = Assert.Throws<ServerStartException>(() => SigningKeys.Resolve(new IdentitySettings { SigningKeyFile = file }));

            Assert.That(error!.Message, Does.StartWith($"Routing:Identity:SigningKeyFile: {file} does not hold a signing key"));
        }
        finally
        {
            File.Delete(file);
        }
    }
}
