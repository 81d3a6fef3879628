using CallCenter.Protos.V1;
using CallCenter.Routing.Configuration;
using CallCenter.Routing.Host.Edge;
using CallCenter.Routing.Host.InteractionLog;
using CallCenter.Routing.Model;
using SkillRequirement = CallCenter.Routing.Model.SkillRequirement;
using QueueStatus = CallCenter.Routing.Configuration.QueueStatus;
using RelaxationStep = CallCenter.Routing.Configuration.RelaxationStep;
using AgentSkill = CallCenter.Routing.Model.AgentSkill;

namespace CallCenter.Routing.Tests.Host;

/// <summary>
/// The recorded run-time changes, applied on top of the configuration file at start, give the
/// configuration the server ran with before it stopped.
/// </summary>
public sealed class ConfigurationReplayTests
{
    private static readonly RoutingConfiguration File = new()
    {
        Skills = [new SkillId("billing")],
        Queues = [new QueueConfig { Id = new QueueId("billing"), RequiredSkills = [new SkillRequirement(new SkillId("billing"), 3)] }],
    };

    [Test]
    public void A_queue_as_the_operators_api_spells_it_gives_back_every_setting()
    {
        var queue = new QueueConfig
        {
            Id = new QueueId("latam"),
            RequiredSkills = [new SkillRequirement(new SkillId("spanish"), 4)],
            ServiceLevelThreshold = TimeSpan.FromSeconds(25),
            ExpectedHandleTime = TimeSpan.FromSeconds(240),
            MaximumSize = 40,
            WhenFull = QueueExitAction.Overflow,
            MaximumWait = TimeSpan.FromSeconds(600),
            WhenMaximumWait = QueueExitAction.OfferCallback,
            Status = QueueStatus.Draining,
            WhenClosed = QueueExitAction.Overflow,
            OverflowQueue = new QueueId("billing"),
            Relaxation = [new RelaxationStep { After = TimeSpan.FromSeconds(90), RequiredSkills = [new SkillRequirement(new SkillId("spanish"), 2)] }],
            AgentSelection = AgentSelection.BestProficiency,
            PreferredAgentTimeout = TimeSpan.FromSeconds(12.5),
            HeadStart = TimeSpan.FromSeconds(30),
            Priority = -7,
        };

        var back = ConfigurationAdmin.ToQueueConfig(ConfigurationAdmin.ToQueueDefinition(queue));

        Assert.That(back with { RequiredSkills = queue.RequiredSkills, Relaxation = queue.Relaxation }, Is.EqualTo(queue));
        Assert.That(back.RequiredSkills, Is.EqualTo(queue.RequiredSkills));
        Assert.That(back.Relaxation.Select(s => (s.After, s.RequiredSkills.Single())),
            Is.EqualTo(queue.Relaxation.Select(s => (s.After, s.RequiredSkills.Single()))));
    }

    [Test]
    public void Changes_apply_in_version_order_on_top_of_the_file()
    {
        var latam = new QueueDefinition { QueueId = "latam", Priority = 3 };
        latam.RequiredSkills.Add(new Protos.V1.SkillRequirement { SkillId = "spanish", MinimumLevel = 4 });
        var stricterBilling = new QueueDefinition { QueueId = "billing", MaximumWaitSeconds = 120 };
        stricterBilling.RequiredSkills.Add(new Protos.V1.SkillRequirement { SkillId = "billing", MinimumLevel = 8 });
        var ana = new Protos.V1.AgentProfile { AgentId = "ana", BackupAgentId = "bea" };
        ana.Skills.Add(new Protos.V1.AgentSkill { SkillId = "spanish", Level = 9 });

        var effective = ConfigurationJournal.Replay(File,
        [
            Change(2, new ConfigurationItem { SkillId = "spanish" }),
            Change(3, new ConfigurationItem { Queue = latam }),
            Change(4, new ConfigurationItem { Queue = stricterBilling }),
            Change(5, new ConfigurationItem { AgentProfile = ana }),
        ]);

        Assert.That(effective.Version, Is.EqualTo(5));
        Assert.That(effective.Routing.Version, Is.EqualTo(4), "the routing's version is the last change that touched it");
        Assert.That(effective.Routing.Skills, Is.EqualTo(new[] { new SkillId("billing"), new SkillId("spanish") }));
        Assert.That(effective.Routing.Queues.Select(q => (q.Id.Value, q.RequiredSkills.Single().MinimumLevel, q.MaximumWait, q.Priority)),
            Is.EqualTo(new[] { ("billing", 8, (TimeSpan?)TimeSpan.FromSeconds(120), 0), ("latam", 4, (TimeSpan?)null, 3) }),
            "a changed queue keeps its place; a new one comes last");
        var profile = effective.ProfileChanges.Single();
        Assert.That((profile.Agent, profile.Backup, profile.Skills.Single()),
            Is.EqualTo((new AgentId("ana"), (AgentId?)new AgentId("bea"), new AgentSkill(new SkillId("spanish"), 9))));
    }

    [Test]
    public void No_changes_leave_the_file_as_it_is()
    {
        var effective = ConfigurationJournal.Replay(File, []);
        Assert.That((effective.Routing, effective.Version, effective.ProfileChanges.Count), Is.EqualTo((File, File.Version, 0)));
    }

    [Test]
    public void A_change_the_file_no_longer_allows_stops_the_start_naming_it()
    {
        // Recorded when the file knew a skill it has since dropped.
        var queue = new QueueDefinition { QueueId = "latam" };
        queue.RequiredSkills.Add(new Protos.V1.SkillRequirement { SkillId = "spanish", MinimumLevel = 4 });

        var error = Assert.Throws<InvalidConfigurationException>(() => ConfigurationJournal.Replay(File, [Change(7, new ConfigurationItem { Queue = queue })]))!;

        Assert.That(error.Message, Does.Contain("version 7").And.Contain("spanish"));
    }

    private static ConfigurationChange Change(long version, ConfigurationItem after) =>
        new() { Version = version, ChangedAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(DateTimeOffset.UnixEpoch), After = after };
}
