using CallCenter.Routing.Configuration;
using CallCenter.Routing.Host.Configuration;
using CallCenter.Routing.Model;
using Microsoft.Extensions.Configuration;

namespace CallCenter.Routing.Tests.Host;

/// <summary>The routing domains as configured: the default domain from "Routing", the others from "Routing:Domains", each checked by its path.</summary>
public sealed class RoutingDomainsTests
{
    private static readonly Dictionary<string, string?> DefaultDomain = new()
    {
        ["Routing:Skills:0"] = "billing",
        ["Routing:Queues:0:Id"] = "billing",
        ["Routing:Queues:0:RequiredSkills:0:Skill"] = "billing",
        ["Routing:Timing:RingTimeoutSeconds"] = "12",
        ["Routing:Timing:WrapUpSeconds"] = "40",
    };

    private static RoutingDomains Load(Dictionary<string, string?> extra)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(DefaultDomain.Concat(extra)).Build();
        return RoutingDomains.Load(configuration, RoutingSettings.Load(configuration), (path, settings) =>
        {
            if (settings.Queues.Count == 0 && !settings.AllowNoQueues)
            {
                throw new InvalidOperationException($"{path} has no queues");
            }
        });
    }

    [Test]
    public void Each_domain_has_its_own_skills_and_queues_and_the_default_domains_timers_with_its_own_changes()
    {
        var domains = Load(new()
        {
            ["Routing:Domains:north:Skills:0"] = "support",
            ["Routing:Domains:north:Queues:0:Id"] = "help",
            ["Routing:Domains:north:Queues:0:RequiredSkills:0:Skill"] = "support",
            ["Routing:Domains:north:Timing:RingTimeoutSeconds"] = "25",
        });

        Assert.That(domains.Ids, Is.EqualTo(new[] { "default", "north" }));
        Assert.That(domains.Default.Routing.Queues.Select(q => q.Id), Is.EqualTo(new[] { new QueueId("billing") }));
        var north = domains["north"];
        Assert.That(north.Routing.Queues.Select(q => q.Id), Is.EqualTo(new[] { new QueueId("help") }));
        Assert.That(north.Routing.Skills, Is.EqualTo(new[] { new SkillId("support") }));
        Assert.That(north.Settings.Agents.RingTimeout, Is.EqualTo(TimeSpan.FromSeconds(25)), "its own ring timeout");
        Assert.That(north.Settings.Agents.Policy.WrapUpDuration, Is.EqualTo(TimeSpan.FromSeconds(40)), "the default domain's wrap-up");
        Assert.That(domains.Default.Settings.Agents.RingTimeout, Is.EqualTo(TimeSpan.FromSeconds(12)));
        Assert.That((north.Settings.Domain, north.Settings.Agents.Domain), Is.EqualTo(("north", "north")), "its actors mark what they publish with it");
        Assert.That(domains.TryGet("", out var named) ? named.Id : null, Is.EqualTo("default"), "no id names the default domain");
        Assert.That(domains.TryGet("south", out _), Is.False);
    }

    [TestCase("North")]
    [TestCase("default")]
    [TestCase("-north")]
    [TestCase("north_1")]
    public void A_bad_domain_id_is_refused_by_its_path(string id)
    {
        var error = Assert.Throws<InvalidConfigurationException>(() => Load(new()
        {
            [$"Routing:Domains:{id}:Queues:0:Id"] = "help",
        }));

        Assert.That(error!.Errors.Select(e => e.Field), Is.EqualTo(new[] { $"Routing:Domains:{id}" }));
    }

    [Test]
    public void A_domains_bad_settings_are_refused_under_its_path()
    {
        var error = Assert.Throws<InvalidConfigurationException>(() => Load(new()
        {
            ["Routing:Domains:north:Queues:0:Id"] = "help",
            ["Routing:Domains:north:Queues:0:RequiredSkills:0:Skill"] = "unknown",
            ["Routing:Domains:south:Queues:0:Id"] = "desk",
            ["Routing:Domains:south:Timing:RingTimeoutSeconds"] = "0",
        }));

        Assert.That(error!.Errors.Select(e => e.Field), Has.Some.StartsWith("Routing:Domains:north:"));
        Assert.That(error.Errors.Select(e => e.Field), Has.Some.EqualTo("Routing:Domains:south:Timing:RingTimeoutSeconds"));
    }

    [Test]
    public void A_domain_without_queues_is_refused_by_its_path() =>
        Assert.That(() => Load(new() { ["Routing:Domains:north:Skills:0"] = "support" }),
            Throws.InvalidOperationException.With.Message.EqualTo("Routing:Domains:north has no queues"));
}
