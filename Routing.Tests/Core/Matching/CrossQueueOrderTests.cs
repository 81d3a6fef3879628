using CallCenter.Routing.Configuration;
using CallCenter.Routing.Model;
using static CallCenter.Routing.Tests.Core.Matching.EngineFixture;

namespace CallCenter.Routing.Tests.Core.Matching;

/// <summary>An agent serving several queues takes the best call across them: tier, then wait (with each queue's head start), then queue priority.</summary>
public sealed class CrossQueueOrderTests
{
    private static readonly QueueId Sales = new("sales");
    private static readonly QueueId Support = new("support");

    [TestCase(0, 0, "support-call", TestName = "Without head starts the longest wait goes first, whatever its queue")]
    [TestCase(5, 0, "sales-call", TestName = "A head start longer than the gap puts the later call of its queue first")]
    [TestCase(3, 0, "support-call", TestName = "A head start shorter than the gap does not")]
    [TestCase(0, 10, "support-call", TestName = "Priority only breaks ties: it does not overtake a longer wait")]
    public void The_agent_takes_the_best_call_across_its_queues(double salesHeadStart, int salesPriority, string expected)
    {
        var fixture = Centre(TimeSpan.FromSeconds(salesHeadStart), salesPriority);
        fixture.Arrive("support-call", queue: Support);
        fixture.WaitSeconds(4);
        fixture.Arrive("sales-call", queue: Sales);

        fixture.LogIn("both", (Billing, 5));
        Assert.That(fixture.Free("both")?.Call.Value, Is.EqualTo(expected));
    }

    [TestCase(0, "support-call", TestName = "Equal waits and priorities: the call that reached the server first")]
    [TestCase(1, "sales-call", TestName = "Equal waits: the queue with the higher priority")]
    [TestCase(-1, "support-call", TestName = "Equal waits: a lower priority goes after")]
    public void Ties_go_by_queue_priority_then_by_arrival(int salesPriority, string expected)
    {
        var fixture = Centre(TimeSpan.Zero, salesPriority);
        fixture.Arrive("support-call", queue: Support);
        fixture.Arrive("sales-call", queue: Sales);

        fixture.LogIn("both", (Billing, 5));
        Assert.That(fixture.Free("both")?.Call.Value, Is.EqualTo(expected));
    }

    [Test]
    public void A_head_start_does_not_lift_a_call_above_a_higher_tier()
    {
        var fixture = Centre(TimeSpan.FromMinutes(10), 1_000);
        fixture.Arrive("vip-support", tier: "VIP", queue: Support);
        fixture.Arrive("standard-sales", queue: Sales);

        fixture.LogIn("both", (Billing, 5));
        Assert.That(fixture.Free("both")?.Call.Value, Is.EqualTo("vip-support"));
    }

    [TestCase(-1, 0, "queues[sales].headStart")]
    [TestCase(0, 1_001, "queues[sales].priority")]
    public void Out_of_range_settings_are_refused_naming_the_field(double headStartSeconds, int priority, string field)
    {
        var configuration = EngineFixture.Configuration(AntiStarvationMode.None,
            new QueueConfig { Id = Sales, HeadStart = TimeSpan.FromSeconds(headStartSeconds), Priority = priority });
        Assert.That(configuration.Validate().Select(e => e.Field), Is.EqualTo(new[] { field }));
    }

    private static EngineFixture Centre(TimeSpan salesHeadStart, int salesPriority) => new(AntiStarvationMode.None,
        new QueueConfig { Id = Sales, RequiredSkills = [new SkillRequirement(Billing, 1)], HeadStart = salesHeadStart, Priority = salesPriority },
        new QueueConfig { Id = Support, RequiredSkills = [new SkillRequirement(Billing, 1)] });
}
