using CallCenter.Routing.Configuration;
using CallCenter.Routing.Matching;
using CallCenter.Routing.Model;
using static CallCenter.Routing.Tests.Core.Matching.EngineFixture;

namespace CallCenter.Routing.Tests.Core.Matching;

/// <summary>
/// Every offer says what it was weighed against: how many candidates the deciding order held,
/// the chosen one and the runner-up with their standings, and the part of the order that decided.
/// </summary>
[TestFixture]
public sealed class OfferTraceTests
{
    private static readonly QueueId Sales = new("sales");
    private static readonly QueueId Support = new("support");

    // Three idle agents: (idle since, calls today, billing level).
    //   ann: idle 300 s, 9 calls, level 3
    //   ben: idle 200 s, 2 calls, level 9
    //   cat: idle 100 s, 2 calls, level 6
    [TestCase(AgentSelection.LongestIdle, "ann", "ben", DecidingFactor.IdleTime)]
    [TestCase(AgentSelection.FewestCallsToday, "ben", "cat", DecidingFactor.IdleTime, TestName = "Fewest calls: equal counts fall to idle time")]
    [TestCase(AgentSelection.BestProficiency, "ben", "cat", DecidingFactor.Proficiency)]
    public void A_call_choosing_among_idle_agents_names_the_runner_up_and_what_decided(
        AgentSelection selection, string chosen, string runnerUp, DecidingFactor decidedBy)
    {
        var fixture = new EngineFixture(AntiStarvationMode.None,
            new QueueConfig { Id = Main, RequiredSkills = [new(Billing, 1)], AgentSelection = selection });
        fixture.LogIn("ann", (Billing, 3));
        fixture.LogIn("ben", (Billing, 9));
        fixture.LogIn("cat", (Billing, 6));
        fixture.Free("ann", Start.AddSeconds(-300), callsToday: 9);
        fixture.Free("ben", Start.AddSeconds(-200), callsToday: 2);
        fixture.Free("cat", Start.AddSeconds(-100), callsToday: 2);

        fixture.Arrive("call");

        var trace = (AgentChosen)fixture.OfferOf("call")!.Trace!;
        using (Assert.EnterMultipleScope())
        {
            Assert.That((trace.Chosen.Agent.Value, trace.RunnerUp?.Agent.Value), Is.EqualTo((chosen, runnerUp)));
            Assert.That(trace.DecidedBy, Is.EqualTo(decidedBy));
            Assert.That((trace.Considered, trace.Selection), Is.EqualTo((3, selection)));
        }
    }

    [Test]
    public void An_agents_standing_holds_its_figures_as_the_order_read_them()
    {
        var fixture = new EngineFixture(AntiStarvationMode.None,
            new QueueConfig { Id = Main, RequiredSkills = [new(Billing, 1), new(English, 2)], AgentSelection = AgentSelection.BestProficiency });
        fixture.LogIn("first", (Billing, 4), (English, 5), (French, 9));
        fixture.LogIn("second", (Billing, 2), (English, 3));
        fixture.Free("first", Start.AddSeconds(-20), callsToday: 7);
        fixture.Free("second", Start.AddSeconds(-50), callsToday: 1);

        fixture.Arrive("call");

        var trace = (AgentChosen)fixture.OfferOf("call")!.Trace!;
        Assert.That(trace.Chosen, Is.EqualTo(new AgentStanding(new("first"), Start.AddSeconds(-20), 7, 9, 0)), "proficiency counts the required skills only");
        Assert.That(trace.RunnerUp, Is.EqualTo(new AgentStanding(new("second"), Start.AddSeconds(-50), 1, 5, 1)));
    }

    [Test]
    public void Agents_equal_in_everything_are_told_apart_by_login_order()
    {
        var fixture = new EngineFixture();
        fixture.LogIn("early");
        fixture.LogIn("late");
        fixture.Free("late", Start.AddSeconds(-10));
        fixture.Free("early", Start.AddSeconds(-10));

        fixture.Arrive("call");

        var trace = fixture.OfferOf("call")!.Trace!;
        Assert.That((fixture.OfferOf("call")!.Agent.Value, trace.DecidedBy), Is.EqualTo(("early", DecidingFactor.LoginOrder)));
    }

    [Test]
    public void The_only_idle_agent_has_no_runner_up()
    {
        var fixture = new EngineFixture();
        fixture.LogIn("alone");
        fixture.Free("alone");

        fixture.Arrive("call");

        var trace = (AgentChosen)fixture.OfferOf("call")!.Trace!;
        Assert.That((trace.Considered, trace.RunnerUp, trace.DecidedBy), Is.EqualTo((1, (AgentStanding?)null, DecidingFactor.OnlyCandidate)));
    }

    [Test]
    public void An_agent_who_declined_the_call_is_never_its_runner_up()
    {
        var fixture = new EngineFixture();
        fixture.LogIn("first");
        fixture.LogIn("second");
        fixture.LogIn("third");
        fixture.Free("first", Start.AddSeconds(-30));
        fixture.Free("second", Start.AddSeconds(-20));
        fixture.Arrive("call");
        fixture.Decline("call"); // first declines; the call goes to second
        fixture.Free("first", Start.AddSeconds(-30));
        fixture.Free("third", Start.AddSeconds(-10));
        fixture.Decline("call"); // second declines; first and third are idle

        var offer = fixture.OfferOf("call")!;
        var trace = (AgentChosen)offer.Trace!;
        Assert.That((offer.Agent.Value, trace.RunnerUp, trace.Considered), Is.EqualTo(("third", (AgentStanding?)null, 2)));
    }

    [Test]
    public void A_preferred_agent_is_the_only_candidate_of_its_call()
    {
        var fixture = new EngineFixture();
        fixture.LogIn("longest");
        fixture.LogIn("adviser");
        fixture.Free("longest", Start.AddHours(-1));
        fixture.Free("adviser");

        fixture.Arrive("call", "VIP", preferred: "adviser");

        var offer = fixture.OfferOf("call")!;
        var trace = (AgentChosen)offer.Trace!;
        Assert.That((offer.Rule, trace.Chosen.Agent.Value, trace.Considered, trace.RunnerUp), Is.EqualTo((MatchRule.PreferredAgent, "adviser", 1, (AgentStanding?)null)));
    }

    [TestCase("VIP", 0, 0, 0, DecidingFactor.Band, TestName = "A VIP beats a Standard call on band")]
    [TestCase("Standard", 5, 0, 0, DecidingFactor.Wait, TestName = "The longer wait beats a later call of the same tier")]
    [TestCase("Standard", 0, 0, 3, DecidingFactor.QueuePriority, TestName = "At the same wait the higher queue priority decides")]
    [TestCase("Standard", 0, 0, 0, DecidingFactor.ArrivalOrder, TestName = "Equal in all else, the call that reached the server first")]
    [TestCase("Standard", 0, 4, 0, DecidingFactor.Wait, TestName = "A head start counts as time waited")]
    public void A_freed_agent_choosing_among_calls_names_the_runner_up_and_what_decided(
        string firstTier, double gapSeconds, double firstHeadStartSeconds, int firstPriority, DecidingFactor decidedBy)
    {
        var fixture = new EngineFixture(AntiStarvationMode.None,
            new QueueConfig
            {
                Id = Sales, RequiredSkills = [new(Billing, 1)], HeadStart = TimeSpan.FromSeconds(firstHeadStartSeconds), Priority = firstPriority,
            },
            new QueueConfig { Id = Support, RequiredSkills = [new(Billing, 1)] });
        fixture.Arrive("first", firstTier, Sales);
        fixture.WaitSeconds(gapSeconds);
        fixture.Arrive("second", queue: Support);
        fixture.Arrive("third", "Basic", Support);
        fixture.LogIn("agent", (Billing, 5));

        var offer = fixture.Free("agent")!;

        var trace = (CallChosen)offer.Trace!;
        using (Assert.EnterMultipleScope())
        {
            Assert.That((trace.Chosen.Call.Value, trace.RunnerUp?.Call.Value), Is.EqualTo(("first", "second")));
            Assert.That(trace.DecidedBy, Is.EqualTo(decidedBy));
            Assert.That(trace.Considered, Is.EqualTo(3));
            Assert.That((trace.Chosen.Queue, trace.Chosen.Tier.Value, trace.RunnerUp?.Queue), Is.EqualTo((Sales, firstTier, (QueueId?)Support)));
        }
    }

    [TestCase(1, 2, "a2", TestName = "The runner-up may be the next call of the winner's own line")]
    [TestCase(2, 1, "b1", TestName = "The runner-up may be the head of another line")]
    public void The_runner_up_is_the_best_call_left_across_every_line(double secondOfSalesAt, double firstOfSupportAt, string runnerUp)
    {
        var fixture = new EngineFixture(AntiStarvationMode.None,
            new QueueConfig { Id = Sales, RequiredSkills = [new(Billing, 1)] },
            new QueueConfig { Id = Support, RequiredSkills = [new(Technical, 1)] });
        (double At, string Call, QueueId Queue)[] arrivals = [(0, "a1", Sales), (secondOfSalesAt, "a2", Sales), (firstOfSupportAt, "b1", Support), (3, "b2", Support)];
        foreach (var (at, call, queue) in arrivals.OrderBy(a => a.At))
        {
            fixture.WaitSeconds(at - (fixture.Now - Start).TotalSeconds);
            fixture.Arrive(call, queue: queue);
        }

        fixture.LogIn("both", (Billing, 5), (Technical, 5));
        var trace = (CallChosen)fixture.Free("both")!.Trace!;

        Assert.That((trace.Chosen.Call.Value, trace.RunnerUp?.Call.Value, trace.Considered), Is.EqualTo(("a1", runnerUp, 4)));
    }

    [Test]
    public void A_call_the_agent_declined_is_never_its_runner_up()
    {
        var fixture = new EngineFixture();
        fixture.LogIn("agent");
        fixture.Arrive("declined");
        fixture.WaitSeconds(1);
        fixture.Arrive("first");
        fixture.WaitSeconds(1);
        fixture.Arrive("second");
        fixture.Free("agent");
        fixture.Decline("declined");

        var trace = (CallChosen)fixture.Free("agent")!.Trace!;

        Assert.That((trace.Chosen.Call.Value, trace.RunnerUp?.Call.Value), Is.EqualTo(("first", "second")));
    }

    [Test]
    public void The_only_call_has_no_runner_up()
    {
        var fixture = new EngineFixture();
        fixture.Arrive("alone");
        fixture.LogIn("agent");

        var trace = (CallChosen)fixture.Free("agent")!.Trace!;

        Assert.That((trace.Considered, trace.RunnerUp, trace.DecidedBy), Is.EqualTo((1, (CallStanding?)null, DecidingFactor.OnlyCandidate)));
    }

    [Test]
    public void A_call_waiting_by_name_beats_a_better_call_and_says_so()
    {
        var fixture = new EngineFixture();
        fixture.LogIn("adviser");
        fixture.Engine.AgentBusy(new("adviser"));
        fixture.Arrive("vip", "VIP");
        fixture.Arrive("mine", "Basic", preferred: "adviser");

        var offer = fixture.Free("adviser")!;

        var trace = (CallChosen)offer.Trace!;
        Assert.That((offer.Call.Value, offer.Rule), Is.EqualTo(("mine", MatchRule.PreferredAgent)));
        Assert.That((trace.RunnerUp?.Call.Value, trace.ByName, trace.RunnerUpByName, trace.DecidedBy),
            Is.EqualTo(("vip", true, false, DecidingFactor.ByName)));
        Assert.That(trace.Considered, Is.EqualTo(2));
    }

    [Test]
    public void Between_two_calls_waiting_by_name_their_keys_decide()
    {
        var fixture = new EngineFixture();
        fixture.LogIn("adviser");
        fixture.Engine.AgentBusy(new("adviser"));
        fixture.Arrive("basic", "Basic", preferred: "adviser");
        fixture.Arrive("gold", "Gold", preferred: "adviser");

        var trace = (CallChosen)fixture.Free("adviser")!.Trace!;

        Assert.That((trace.Chosen.Call.Value, trace.RunnerUp?.Call.Value, trace.RunnerUpByName, trace.DecidedBy),
            Is.EqualTo(("gold", "basic", true, DecidingFactor.Band)));
    }

    [Test]
    public void An_overdue_call_beats_a_higher_tier_on_band()
    {
        var fixture = new EngineFixture(AntiStarvationMode.MaximumWait);
        fixture.Arrive("basic", "Basic");
        fixture.WaitSeconds(241); // Basic's maximum wait is 240 s
        fixture.Arrive("vip", "VIP");
        fixture.LogIn("agent");

        var trace = (CallChosen)fixture.Free("agent")!.Trace!;

        Assert.That((trace.Chosen.Call.Value, trace.Chosen.Key.Band, trace.RunnerUp?.Call.Value, trace.DecidedBy),
            Is.EqualTo(("basic", PriorityKey.OverdueBand, "vip", DecidingFactor.Band)));
    }
}
