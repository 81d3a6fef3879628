using CallCenter.Protos.V1;
using Grpc.Core;

namespace CallCenter.Routing.Tests.Edge;

/// <summary>
/// The administration RPCs record each change (version, when, before and after) before applying it:
/// a change that changes nothing takes no version, and one that cannot be recorded is not made.
/// </summary>
public sealed class ConfigurationChangesTests : ServerPerTest
{
    [Test]
    public async Task Every_change_is_listed_with_its_version_time_and_what_it_named_before_and_after()
    {
        var start = await Host.State.GetConfigurationAsync(new GetConfigurationRequest());
        var earliest = DateTimeOffset.UtcNow;

        await Host.State.PutSkillAsync(new PutSkillRequest { SkillId = "spanish" });
        var latam = Queue("latam", ("spanish", 4));
        await Host.State.PutQueueAsync(latam);
        var stricter = Queue("latam", ("spanish", 7));
        stricter.MaximumWaitSeconds = 300;
        stricter.Priority = 10;
        await Host.State.PutQueueAsync(stricter);
        var profile = new AgentProfile { AgentId = "ana", BackupAgentId = "alice" };
        profile.Skills.Add(new AgentSkill { SkillId = "spanish", Level = 8 });
        var end = await Host.State.PutAgentProfileAsync(profile);
        var latest = DateTimeOffset.UtcNow;

        Assert.That(end.Version, Is.EqualTo(start.Version + 4));
        var changes = (await Host.State.ListConfigurationChangesAsync(new ListConfigurationChangesRequest())).Changes;
        Assert.That(changes.Select(c => c.Version), Is.EqualTo(Enumerable.Range(1, 4).Select(i => start.Version + i)));
        Assert.That(changes.Select(c => c.ChangedAt.ToDateTimeOffset()), Has.All.InRange(earliest.AddSeconds(-1), latest.AddSeconds(1)));

        Assert.That((changes[0].Before, changes[0].After.SkillId), Is.EqualTo(((ConfigurationItem?)null, "spanish")), "a new skill");
        Assert.That(changes[1].Before, Is.Null, "a new queue");
        Assert.That(Requirements(changes[1].After.Queue), Is.EqualTo(new[] { ("spanish", 4) }));
        Assert.That(changes[2].Before, Is.EqualTo(changes[1].After), "a changed queue: before is what the last change left");
        Assert.That((Requirements(changes[2].After.Queue), changes[2].After.Queue.MaximumWaitSeconds, changes[2].After.Queue.Priority),
            Is.EqualTo((new[] { ("spanish", 7) }, 300.0, 10)));
        Assert.That(changes[3].After.AgentProfile, Is.EqualTo(profile));
        Assert.That(changes[3].Before, Is.Null, "ana had no profile");

        var page = await Host.State.ListConfigurationChangesAsync(new ListConfigurationChangesRequest { AfterVersion = start.Version + 1, Limit = 2 });
        Assert.That(page.Changes.Select(c => c.Version), Is.EqualTo(new[] { start.Version + 2, start.Version + 3 }));
    }

    [Test]
    public async Task A_change_that_changes_nothing_takes_no_version_and_is_not_recorded()
    {
        await Host.State.PutSkillAsync(new PutSkillRequest { SkillId = "spanish" });
        var queue = Queue("latam", ("spanish", 4));
        var first = await Host.State.PutQueueAsync(queue);

        // The same queue spelled with its defaults given, and a skill already known.
        var same = Queue("latam", ("spanish", 4));
        same.ExpectedHandleTimeSeconds = 180;
        same.WhenFull = "None";
        same.AgentSelection = "LongestIdle";
        Assert.That((await Host.State.PutQueueAsync(same)).Version, Is.EqualTo(first.Version));
        Assert.That((await Host.State.PutSkillAsync(new PutSkillRequest { SkillId = "spanish" })).Version, Is.EqualTo(first.Version));

        var changes = (await Host.State.ListConfigurationChangesAsync(new ListConfigurationChangesRequest())).Changes;
        Assert.That(changes.Select(c => c.Version).Last(), Is.EqualTo(first.Version));
        Assert.That(changes, Has.Count.EqualTo(2));
    }

    [Test]
    public async Task A_change_that_cannot_be_recorded_is_refused_unavailable_and_not_made()
    {
        var before = await Host.State.GetConfigurationAsync(new GetConfigurationRequest());
        await PostgresSetUp.SetConnectionsAllowedAsync(Host.DatabaseName, false);
        try
        {
            var error = (await Assert.ThrowsAsync<RpcException>(() => Host.State.PutQueueAsync(Queue("latam", ("billing", 4))).ResponseAsync))!;
            Assert.That(error.StatusCode, Is.EqualTo(StatusCode.Unavailable), error.Status.Detail);
            Assert.That(error.Status.Detail, Does.Contain("nothing was changed"));
            var during = await Host.State.GetConfigurationAsync(new GetConfigurationRequest());
            Assert.That((during.Version, during.QueueIds), Is.EqualTo((before.Version, before.QueueIds)), "the queue was not added");
        }
        finally
        {
            await PostgresSetUp.SetConnectionsAllowedAsync(Host.DatabaseName, true);
        }

        // Retried once the database is back, it takes the version the refused attempt did not.
        var after = await Host.State.PutQueueAsync(Queue("latam", ("billing", 4)));
        Assert.That((after.Version, after.QueueIds.Contains("latam")), Is.EqualTo((before.Version + 1, true)));
    }

    private static IEnumerable<TestCaseData> BadListings()
    {
        yield return new TestCaseData(new ListConfigurationChangesRequest { Limit = -1 }, "limit").SetName("A negative limit is refused naming limit");
        yield return new TestCaseData(new ListConfigurationChangesRequest { Limit = 1001 }, "limit").SetName("A limit above 1000 is refused naming limit");
        yield return new TestCaseData(new ListConfigurationChangesRequest { AfterVersion = -1 }, "after_version")
            .SetName("A negative after_version is refused naming after_version");
    }

    [TestCaseSource(nameof(BadListings))]
    public async Task Bad_listing_requests_are_refused_naming_the_field(ListConfigurationChangesRequest request, string field)
    {
        var error = (await Assert.ThrowsAsync<RpcException>(() => Host.State.ListConfigurationChangesAsync(request).ResponseAsync))!;
        Assert.That(error.StatusCode, Is.EqualTo(StatusCode.InvalidArgument));
        Assert.That(error.Status.Detail, Does.StartWith(field + ":"));
    }

    private static QueueDefinition Queue(string id, params (string Skill, int Level)[] requirements)
    {
        var queue = new QueueDefinition { QueueId = id };
        queue.RequiredSkills.AddRange(requirements.Select(r => new SkillRequirement { SkillId = r.Skill, MinimumLevel = r.Level }));
        return queue;
    }

    private static (string, int)[] Requirements(QueueDefinition queue) =>
        queue.RequiredSkills.Select(r => (r.SkillId, r.MinimumLevel)).ToArray();
}
