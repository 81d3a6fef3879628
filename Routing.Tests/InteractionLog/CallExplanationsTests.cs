using CallCenter.Routing.Host.InteractionLog;

namespace CallCenter.Routing.Tests.InteractionLog;

public sealed class CallExplanationsTests
{
    private static readonly DateTime T0 = new(2026, 3, 2, 9, 0, 0, DateTimeKind.Utc);

    [TestCase("AgentSelection", 0, "Offered to bob as the best suitable idle agent by sales's agent selection, under its queue's full skill requirement, after waiting 12.5 s, by configuration version 4.")]
    [TestCase("PreferredAgent", 0, "Offered to bob as the customer's preferred agent, under its queue's full skill requirement, after waiting 12.5 s, by configuration version 4.")]
    [TestCase("BackupAgent", 2, "Offered to bob as the backup of the customer's preferred agent, under relaxation step 2, after waiting 12.5 s, by configuration version 4.")]
    public void The_last_decision_says_who_by_which_rule_at_which_step_and_under_which_rules(string rule, int step, string expected)
    {
        var decision = new LoggedDecision(7, T0, "sales", "bob", rule, step, TimeSpan.FromSeconds(12.5), 4);
        Assert.That(CallExplanations.Summarize([decision], []), Is.EqualTo(expected));
    }

    [Test]
    public void A_call_never_offered_says_where_it_waited()
    {
        LoggedEvent[] events =
        [
            new(1, T0, "Arrived", "sales", null, null),
            new(2, T0, "Queued", "sales", null, """{"position": 3}"""),
            new(3, T0.AddSeconds(40), "Ended", null, null, """{"outcome": "AbandonedWhileWaiting"}"""),
        ];
        Assert.That(CallExplanations.Summarize([], events), Does.StartWith("Never offered to an agent: it waited in sales ({\"position\": 3}")
            .And.EndWith("The call ended: {\"outcome\": \"AbandonedWhileWaiting\"}."));
    }

    [Test]
    public void Earlier_unanswered_offers_are_counted()
    {
        var first = new LoggedDecision(1, T0, "sales", "ann", "AgentSelection", 0, TimeSpan.FromSeconds(2), 1);
        var second = first with { Epoch = 2, AgentId = "bob", Waited = TimeSpan.FromSeconds(24) };
        Assert.That(CallExplanations.Summarize([first, second], []), Does.Contain("Offered to bob").And.Contain("1 earlier offer(s) went unanswered."));
    }
}
