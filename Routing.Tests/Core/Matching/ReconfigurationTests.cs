using CallCenter.Routing.Configuration;
using CallCenter.Routing.Matching;
using CallCenter.Routing.Model;
using static CallCenter.Routing.Tests.Core.Matching.EngineFixture;

namespace CallCenter.Routing.Tests.Core.Matching;

public sealed class ReconfigurationTests
{
    private static readonly QueueConfig Strict = new() { Id = Main, RequiredSkills = [new SkillRequirement(Billing, 5)] };

    [Test]
    public void A_changed_queue_applies_to_new_calls_and_waiting_calls_keep_their_settings_and_their_place()
    {
        var fixture = new EngineFixture(AntiStarvationMode.None, Strict);
        fixture.Arrive("before");
        fixture.WaitSeconds(1);

        var relaxed = fixture.Engine.Configuration with
        {
            Version = 2,
            Queues = [Strict with { RequiredSkills = [new SkillRequirement(Billing, 2)] }],
        };
        Assert.That(fixture.Engine.Reconfigure(relaxed), Is.EqualTo(Outcome.Ok));
        var after = fixture.Arrive("after");
        Assert.That(after.Events.OfType<CallQueued>().Single().Position, Is.EqualTo(2), "one line for calls under either settings");

        fixture.LogIn("junior", (Billing, 3));
        Assert.That(fixture.Free("junior")?.Call.Value, Is.EqualTo("after"), "the waiting call still needs billing 5");

        fixture.LogIn("senior", (Billing, 6));
        Assert.That(fixture.Free("senior")?.Call.Value, Is.EqualTo("before"));
        Assert.That(fixture.Engine.Configuration.Version, Is.EqualTo(2));
    }

    [Test]
    public void A_new_queue_and_a_new_skill_can_be_used_once_added()
    {
        var fixture = new EngineFixture(AntiStarvationMode.None, Strict);
        var spanish = new SkillId("spanish");
        var latam = new QueueId("latam");
        Assert.That(fixture.Arrive("early", queue: latam).Outcome.Code, Is.EqualTo(OutcomeCode.NotFound));

        var next = fixture.Engine.Configuration with
        {
            Skills = [.. fixture.Engine.Configuration.Skills, spanish],
            Queues = [Strict, new QueueConfig { Id = latam, RequiredSkills = [new SkillRequirement(spanish, 4)] }],
        };
        Assert.That(fixture.Engine.Reconfigure(next), Is.EqualTo(Outcome.Ok));

        fixture.Arrive("late", queue: latam);
        fixture.LogIn("ana", (spanish, 7));
        Assert.That(fixture.Free("ana")?.Call.Value, Is.EqualTo("late"));
    }

    [Test]
    public void The_same_ladder_in_other_lists_is_no_change_of_the_tiers()
    {
        var fixture = new EngineFixture(AntiStarvationMode.None, Strict);
        // As a configuration read back from the journal or sent from another node comes: equal items, new lists.
        var copied = fixture.Engine.Configuration.Tiers.Select(t => t with { LongWaitThresholds = [.. t.LongWaitThresholds] }).ToList();
        var next = fixture.Engine.Configuration with { Version = 2, Tiers = copied, Skills = [.. fixture.Engine.Configuration.Skills, new SkillId("spanish")] };

        Assert.That(fixture.Engine.Reconfigure(next), Is.EqualTo(Outcome.Ok));
        Assert.That(copied[0] with { LongWaitThresholds = [TimeSpan.FromSeconds(1)] }, Is.Not.EqualTo(copied[0]), "another threshold is another tier");
    }

    private static IEnumerable<TestCaseData> Refusals()
    {
        var start = EngineFixture.Configuration(AntiStarvationMode.None, Strict);
        yield return new TestCaseData(start with { Tiers = [.. DefaultTiers.Ladder.Reverse()] }, OutcomeCode.Conflict, "tiers")
            .SetName("A changed tier ladder is refused: it orders the calls already waiting");
        yield return new TestCaseData(start with { AntiStarvation = AntiStarvationMode.Aging }, OutcomeCode.Conflict, "tiers")
            .SetName("A changed anti-starvation rule is refused");
        yield return new TestCaseData(start with { Queues = [] }, OutcomeCode.Conflict, "queues")
            .SetName("A removed queue is refused");
        yield return new TestCaseData(start with { Skills = [Billing] }, OutcomeCode.Conflict, "skills")
            .SetName("A removed skill is refused");
        yield return new TestCaseData(start with { Queues = [Strict with { RequiredSkills = [new SkillRequirement(new SkillId("juggling"), 1)] }] },
                OutcomeCode.Invalid, "queues[main].requiredSkills[0].skill")
            .SetName("A queue naming an unknown skill is refused, naming the field");
    }

    [TestCaseSource(nameof(Refusals))]
    public void Refused_changes_leave_the_engine_as_it_was(RoutingConfiguration next, OutcomeCode code, string field)
    {
        var fixture = new EngineFixture(AntiStarvationMode.None, Strict);
        fixture.Arrive("waiting");
        var before = fixture.Engine.Configuration;

        var outcome = fixture.Engine.Reconfigure(next);

        Assert.That((outcome.Code, outcome.Field), Is.EqualTo((code, field)), outcome.Message);
        Assert.That(fixture.Engine.Configuration, Is.SameAs(before));
        fixture.LogIn("senior", (Billing, 6));
        Assert.That(fixture.Free("senior")?.Call.Value, Is.EqualTo("waiting"));
    }
}
