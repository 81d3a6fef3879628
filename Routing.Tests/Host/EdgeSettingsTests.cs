using CallCenter.Routing.Configuration;
using CallCenter.Routing.Host.Configuration;
using Microsoft.Extensions.Configuration;

namespace CallCenter.Routing.Tests.Host;

/// <summary>Overload settings that would break the gate stop the server at start, naming the field.</summary>
public sealed class EdgeSettingsTests
{
    [TestCase("OverloadCut", "0", "must be more than 0 and less than 1")]
    [TestCase("OverloadCut", "1", "must be more than 0 and less than 1")]
    [TestCase("OverloadCut", "1.5", "must be more than 0 and less than 1")]
    [TestCase("OverloadRecovery", "0", "must be more than 0 and at most 1")]
    [TestCase("OverloadRecovery", "2", "must be more than 0 and at most 1")]
    [TestCase("OverloadLagMilliseconds", "0", "must be more than 0")]
    [TestCase("OverloadSeconds", "-1", "must be 0 or more")]
    [TestCase("OverloadProbeMilliseconds", "0", "must be more than 0")]
    public void A_bad_overload_setting_is_refused_by_name(string key, string value, string message)
    {
        var error = Assert.Throws<InvalidConfigurationException>(() => EdgeSettings.Load(With(key, value)));

        Assert.That(error!.Errors, Is.EqualTo(new[] { new ConfigurationError($"Edge:{key}", message) }));
    }

    [Test]
    public void The_overload_settings_reach_the_gate()
    {
        var settings = EdgeSettings.Load(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Edge:OverloadLagMilliseconds"] = "250",
            ["Edge:OverloadSeconds"] = "3",
            ["Edge:OverloadCut"] = "0.75",
            ["Edge:OverloadRecovery"] = "0.02",
        }).Build());

        Assert.That(settings.Overload, Is.EqualTo(new Admission.OverloadSettings(TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(3), 0.75, 0.02)));
    }

    [Test]
    public void With_nothing_set_the_defaults_hold() =>
        Assert.That(EdgeSettings.Load(new ConfigurationBuilder().Build()).Overload,
            Is.EqualTo(new Admission.OverloadSettings(TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(1), 0.5, 0.01)));

    private static IConfiguration With(string key, string value) =>
        new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { [$"Edge:{key}"] = value }).Build();
}
