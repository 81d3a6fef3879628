using CallCenter.Routing.Host.InteractionLog;

namespace CallCenter.Routing.Tests.InteractionLog;

public sealed class CallExplanationsTests
{
    private static readonly DateTime T0 = new(2026, 3, 2, 9, 0, 0, DateTimeKind.Utc);
    private static readonly DateTimeOffset At0 = new(T0);

    [TestCase("AgentSelection", 0, "Offered to bob as the best suitable idle agent by sales's agent selection, under its queue's full skill requirement, after waiting 12.5 s, by configuration version 4.")]
    [TestCase("PreferredAgent", 0, "Offered to bob as the customer's preferred agent, under its queue's full skill requirement, after waiting 12.5 s, by configuration version 4.")]
    [TestCase("BackupAgent", 2, "Offered to bob as the backup of the customer's preferred agent, under relaxation step 2, after waiting 12.5 s, by configuration version 4.")]
    public void The_last_decision_says_who_by_which_rule_at_which_step_and_under_which_rules(string rule, int step, string expected)
    {
        var decision = new LoggedDecision(7, T0, "sales", "bob", rule, step, TimeSpan.FromSeconds(12.5), 4);
        Assert.That(CallExplanations.Summarize([decision], []), Is.EqualTo(expected));
    }

    [TestCase("null", "no agent with the skills it needs was staffed")]
    [TestCase("0", "every suitable idle agent had declined it")]
    [TestCase("120", "every suitable agent was busy (estimated wait 120 s)")]
    public void A_call_never_offered_says_where_it_waited_and_why(string estimate, string why)
    {
        LoggedEvent[] events =
        [
            new(1, T0, "Arrived", "sales", null, null),
            new(2, T0, "Queued", "sales", null, $$"""{"position": 3, "estimatedWaitSeconds": {{estimate}}}"""),
            new(3, T0.AddSeconds(40), "Ended", null, null, """{"outcome": "AbandonedWhileWaiting"}"""),
        ];
        Assert.That(CallExplanations.Summarize([], events), Is.EqualTo(
            $"Never offered to an agent: it waited in sales (position 3 at 09:00:00, while {why}). " +
            "The call ended: {\"outcome\": \"AbandonedWhileWaiting\"}."));
    }

    [Test]
    public void A_call_that_names_an_agent_may_have_waited_for_that_agent()
    {
        LoggedEvent[] events =
        [
            new(1, T0, "Arrived", "sales", "adviser", null),
            new(2, T0, "Queued", "sales", null, """{"position": 1, "estimatedWaitSeconds": 30}"""),
        ];
        Assert.That(CallExplanations.Summarize([], events), Does.Contain("every suitable agent was busy, or it was kept for its preferred agent adviser"));
    }

    [Test]
    public void Earlier_unanswered_offers_are_counted()
    {
        var first = new LoggedDecision(1, T0, "sales", "ann", "AgentSelection", 0, TimeSpan.FromSeconds(2), 1);
        var second = first with { Epoch = 2, AgentId = "bob", Waited = TimeSpan.FromSeconds(24) };
        Assert.That(CallExplanations.Summarize([first, second], []), Does.Contain("Offered to bob").And.Contain("1 earlier offer(s) went unanswered."));
    }

    private static LoggedCandidate Agent(string id, bool chosen, int proficiency = 5, int calls = 0, double idleSeconds = 0, int login = 0) => new()
    {
        Chosen = chosen, Agent = id, Proficiency = proficiency, CallsToday = calls, IdleSince = At0.AddSeconds(idleSeconds), LoginOrder = login,
    };

    private static LoggedCandidate Call(string id, bool chosen, string tier = "Standard", string band = "tier", double since = 0, int priority = 0, long order = 0,
        string queue = "sales") => new()
    {
        Chosen = chosen, Call = id, Queue = queue, Tier = tier, Band = band, QueuePriority = priority, ArrivalOrder = order,
        WaitingSince = band == "overdue" ? null : At0.AddSeconds(since), OverdueSince = band == "overdue" ? At0.AddSeconds(since) : null,
    };

    private static IEnumerable<TestCaseData> AgentReasons()
    {
        yield return new TestCaseData("proficiency", Agent("ann", true, proficiency: 9), Agent("bob", false, proficiency: 6),
            "ann was chosen over 2 other suitable idle agent(s); the closest, bob, came second on proficiency (9 against 6 in the required skills)."
        ).SetName("Proficiency: the chosen agent's level against the runner-up's");
        yield return new TestCaseData("idle-time", Agent("ann", true, idleSeconds: -90), Agent("bob", false, idleSeconds: -12.5),
            "ann was chosen over 2 other suitable idle agent(s); the closest, bob, came second on idle time (idle since 08:58:30 against 08:59:47.5)."
        ).SetName("Idle time: when each became idle");
        yield return new TestCaseData("calls-today", Agent("ann", true, calls: 2), Agent("bob", false, calls: 7),
            "ann was chosen over 2 other suitable idle agent(s); the closest, bob, came second on calls handled today (2 against 7)."
        ).SetName("Calls today: the counts compared");
        yield return new TestCaseData("login-order", Agent("ann", true, login: 1), Agent("bob", false, login: 4),
            "ann was chosen over 2 other suitable idle agent(s); the closest, bob, came second on login order (equal in all else, ann logged in first)."
        ).SetName("Login order: the last tie-break between agents");
    }

    [TestCaseSource(nameof(AgentReasons))]
    public void A_call_choosing_among_agents_says_why_not_the_runner_up(string tieBreak, LoggedCandidate chosen, LoggedCandidate next, string expected)
    {
        var decision = new LoggedDecision(3, T0, "sales", "ann", "AgentSelection", 0, TimeSpan.Zero, 1)
        {
            Chose = "agent", Considered = 3, RunnerUp = next.Agent, TieBreak = tieBreak, Candidates = [chosen, next],
        };
        Assert.That(CallExplanations.Reason(decision), Is.EqualTo(expected));
    }

    private static IEnumerable<TestCaseData> CallReasons()
    {
        yield return new TestCaseData("band", Call("vip", true, tier: "VIP"), Call("std", false),
            "It came first of the 4 waiting calls bob could take; the next, std, came second on band (tier VIP before tier Standard)."
        ).SetName("Band: tiers compared");
        yield return new TestCaseData("band", Call("late", true, band: "overdue", since: 60), Call("vip", false, tier: "VIP"),
            "It came first of the 4 waiting calls bob could take; the next, vip, came second on band (overdue before tier VIP)."
        ).SetName("Band: an overdue call before any tier");
        yield return new TestCaseData("wait", Call("old", true, since: -30), Call("new", false, since: -5),
            "It came first of the 4 waiting calls bob could take; the next, new, came second on time waited (waiting since 08:59:30 against 08:59:55, head starts included)."
        ).SetName("Wait: since when each waited");
        yield return new TestCaseData("queue-priority", Call("sale", true, priority: 10, queue: "sales"), Call("help", false, queue: "support"),
            "It came first of the 4 waiting calls bob could take; the next, help, came second on queue priority (10 in sales against 0 in support)."
        ).SetName("Queue priority: the two queues' priorities");
        yield return new TestCaseData("arrival-order", Call("first", true, order: 4), Call("second", false, order: 5),
            "It came first of the 4 waiting calls bob could take; the next, second, came second on arrival order (equal in band, time waited and queue priority, first reached the server first)."
        ).SetName("Arrival order: the last tie-break between calls");
    }

    [TestCaseSource(nameof(CallReasons))]
    public void An_agent_choosing_among_calls_says_why_not_the_runner_up(string tieBreak, LoggedCandidate chosen, LoggedCandidate next, string expected)
    {
        var decision = new LoggedDecision(3, T0, "sales", "bob", "AgentSelection", 0, TimeSpan.Zero, 1)
        {
            CallId = chosen.Call!, Chose = "call", Considered = 4, RunnerUp = next.Call, TieBreak = tieBreak, Candidates = [chosen, next],
        };
        Assert.That(CallExplanations.Reason(decision), Is.EqualTo(expected));
    }

    [TestCase("agent", 1, "ann was the only suitable idle agent.")]
    [TestCase("agent", 3, "ann was the only one of the 3 suitable idle agents who had not declined the call.")]
    [TestCase("call", 1, "It was the only one of the waiting calls ann could take.")]
    [TestCase("call", 2, "It was the only one of the 2 waiting calls ann could take that ann had not declined.")]
    public void A_choice_without_a_runner_up_says_there_was_none(string chose, int considered, string expected)
    {
        var decision = new LoggedDecision(3, T0, "sales", "ann", "AgentSelection", 0, TimeSpan.Zero, 1)
        {
            Chose = chose, Considered = considered, TieBreak = "only-candidate",
            Candidates = [chose == "agent" ? Agent("ann", true) : Call("c", true)],
        };
        Assert.That(CallExplanations.Reason(decision), Is.EqualTo(expected));
    }

    [Test]
    public void The_offers_that_passed_a_call_over_are_told_oldest_first()
    {
        var vip = new LoggedDecision(5, T0.AddSeconds(5), "sales", "sam", "AgentSelection", 0, TimeSpan.FromSeconds(1), 1)
        {
            CallId = "vip", Chose = "call", Considered = 2, RunnerUp = "std", TieBreak = "band",
            Candidates = [Call("vip", true, tier: "VIP"), Call("std", false)],
        };
        LoggedEvent[] events = [new(1, T0, "Arrived", "sales", null, null), new(2, T0, "Queued", "sales", null, """{"position": 1, "estimatedWaitSeconds": null}""")];

        Assert.That(CallExplanations.Summarize([], events, [vip]), Does.EndWith(
            " While it waited, 1 call(s) went ahead of it: at 09:00:05 sam took vip, which came first on band (tier VIP before tier Standard)."));
    }
}
