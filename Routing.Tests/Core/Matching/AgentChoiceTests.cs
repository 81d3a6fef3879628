using CallCenter.Routing.Configuration;
using CallCenter.Routing.Matching;
using CallCenter.Routing.Model;
using static CallCenter.Routing.Tests.Core.Matching.EngineFixture;

namespace CallCenter.Routing.Tests.Core.Matching;

/// <summary>Which idle agent an arriving call goes to: skills, strategy, preferred and backup agents.</summary>
[TestFixture]
public sealed class AgentChoiceTests
{
    // Three idle agents: (idle since, calls today, billing level).
    //   ann: idle 300 s, 9 calls, level 3
    //   ben: idle 200 s, 2 calls, level 9
    //   cat: idle 100 s, 2 calls, level 6
    [TestCase(AgentSelection.LongestIdle, "ann")]
    [TestCase(AgentSelection.FewestCallsToday, "ben")]
    [TestCase(AgentSelection.BestProficiency, "ben")]
    public void The_strategy_picks_among_suitable_idle_agents(AgentSelection selection, string expected)
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

        Assert.That(fixture.OfferOf("call")!.Agent.Value, Is.EqualTo(expected));
    }

    [Test]
    public void Fewest_calls_breaks_ties_by_longest_idle()
    {
        var fixture = new EngineFixture(AntiStarvationMode.None,
            new QueueConfig { Id = Main, AgentSelection = AgentSelection.FewestCallsToday });
        fixture.LogIn("recent");
        fixture.LogIn("longer");
        fixture.Free("recent", Start.AddSeconds(-10), callsToday: 4);
        fixture.Free("longer", Start.AddSeconds(-50), callsToday: 4);

        fixture.Arrive("call");

        Assert.That(fixture.OfferOf("call")!.Agent.Value, Is.EqualTo("longer"));
    }

    [TestCase(0, 0, false, TestName = "An agent without the skill is not offered the call")]
    [TestCase(4, 0, false, TestName = "An agent below the minimum level is not offered the call")]
    [TestCase(5, 0, false, TestName = "An agent without the call's language is not offered the call")]
    [TestCase(5, 1, true, TestName = "An agent with the skill at the level and the language is offered the call")]
    public void Skills_and_levels_decide_who_may_take_a_call(int billingLevel, int frenchLevel, bool offered)
    {
        var fixture = new EngineFixture(AntiStarvationMode.None,
            new QueueConfig { Id = Main, RequiredSkills = [new(Billing, 5)] });
        var skills = new List<(Routing.Model.SkillId, int)>();
        if (billingLevel > 0)
        {
            skills.Add((Billing, billingLevel));
        }

        if (frenchLevel > 0)
        {
            skills.Add((French, frenchLevel));
        }

        fixture.LogIn("agent", [.. skills]);
        fixture.Free("agent");

        fixture.Arrive("call", extraSkills: (French, 1));

        Assert.That(fixture.OfferOf("call") is not null, Is.EqualTo(offered));
        Assert.That(fixture.Engine.IsWaiting(new("call")), Is.EqualTo(!offered));
    }

    [Test]
    public void The_preferred_agent_gets_the_call_before_an_agent_idle_longer()
    {
        var fixture = new EngineFixture();
        fixture.LogIn("longest");
        fixture.LogIn("adviser");
        fixture.Free("longest", Start.AddHours(-1));
        fixture.Free("adviser");

        fixture.Arrive("call", "VIP", preferred: "adviser");

        var offer = fixture.OfferOf("call")!;
        Assert.That(offer.Agent.Value, Is.EqualTo("adviser"));
        Assert.That(offer.Rule, Is.EqualTo(MatchRule.PreferredAgent));
    }

    [Test]
    public void A_call_waits_for_its_busy_preferred_agent_until_the_timeout_then_goes_to_anyone()
    {
        var fixture = new EngineFixture(AntiStarvationMode.None,
            new QueueConfig { Id = Main, PreferredAgentTimeout = TimeSpan.FromSeconds(30) });
        fixture.LogIn("adviser");
        fixture.LogIn("other");
        fixture.Engine.AgentBusy(new("adviser"));
        fixture.Free("other");

        fixture.Arrive("call", preferred: "adviser");
        Assert.That(fixture.OfferOf("call"), Is.Null, "the call waits for its adviser");

        fixture.WaitSeconds(29);
        Assert.That(fixture.OfferOf("call"), Is.Null);

        fixture.WaitSeconds(1);
        Assert.That(fixture.Events.OfType<PreferenceExpired>().Single().Agent.Value, Is.EqualTo("adviser"));
        Assert.That(fixture.OfferOf("call")!.Agent.Value, Is.EqualTo("other"));
        Assert.That(fixture.OfferOf("call")!.Rule, Is.EqualTo(MatchRule.AgentSelection));
    }

    [Test]
    public void A_preferred_agent_who_frees_up_in_time_takes_its_call_before_a_better_general_call()
    {
        var fixture = new EngineFixture();
        fixture.LogIn("adviser");
        fixture.Engine.AgentBusy(new("adviser"));
        fixture.Arrive("vip", "VIP");
        fixture.Arrive("mine", "Basic", preferred: "adviser");
        fixture.WaitSeconds(5);

        Assert.That(fixture.NextCallFor("adviser"), Is.EqualTo("mine"));
    }

    [Test]
    public void The_backup_agent_is_tried_first_when_the_preferred_agent_is_away()
    {
        var fixture = new EngineFixture();
        fixture.LogIn("adviser", backup: "deputy");
        fixture.LogIn("deputy");
        fixture.LogIn("longest");
        fixture.Free("longest", Start.AddHours(-1));
        fixture.Free("deputy");
        // the adviser is logged in but not ready (away)

        fixture.Arrive("call", preferred: "adviser");

        var offer = fixture.OfferOf("call")!;
        Assert.That(offer.Agent.Value, Is.EqualTo("deputy"));
        Assert.That(offer.Rule, Is.EqualTo(MatchRule.BackupAgent));
    }

    [Test]
    public void The_backup_of_an_agent_who_logged_out_still_takes_its_calls()
    {
        var fixture = new EngineFixture();
        fixture.LogIn("adviser", backup: "deputy");
        fixture.LogIn("deputy");
        fixture.Record(fixture.Engine.LogOut(new("adviser"), fixture.Now).Events);
        fixture.Free("deputy");

        fixture.Arrive("call", preferred: "adviser");

        Assert.That(fixture.OfferOf("call")!.Rule, Is.EqualTo(MatchRule.BackupAgent));
    }

    [Test]
    public void A_login_without_a_backup_leaves_the_agent_without_one()
    {
        var fixture = new EngineFixture();
        fixture.LogIn("adviser", backup: "deputy");
        fixture.LogIn("deputy");
        fixture.Record(fixture.Engine.LogOut(new("adviser"), fixture.Now).Events);
        fixture.LogIn("adviser");
        fixture.Free("deputy");

        fixture.Arrive("call", preferred: "adviser");

        Assert.That(fixture.OfferOf("call")!.Rule, Is.EqualTo(MatchRule.AgentSelection), "the backup of an earlier login is not kept");
    }

    [Test]
    public void A_backup_remembered_for_an_agent_logged_out_takes_its_calls()
    {
        var fixture = new EngineFixture();
        fixture.LogIn("deputy");
        Assert.That(fixture.Engine.RememberBackup(new("adviser"), new("deputy")), Is.EqualTo(Outcome.Ok));
        Assert.That(fixture.Engine.RememberBackup(new("deputy"), new("adviser")).Code, Is.EqualTo(OutcomeCode.Conflict), "a logged-in agent's backup is its login's");
        fixture.Free("deputy");

        fixture.Arrive("call", preferred: "adviser");

        Assert.That(fixture.OfferOf("call")!.Rule, Is.EqualTo(MatchRule.BackupAgent));
    }

    [Test]
    public void Calls_waiting_for_an_agent_who_goes_not_ready_go_to_anyone_suitable()
    {
        var fixture = new EngineFixture();
        fixture.LogIn("adviser");
        fixture.LogIn("other");
        fixture.Engine.AgentBusy(new("adviser"));
        fixture.Arrive("call", preferred: "adviser");
        fixture.Free("other");
        Assert.That(fixture.OfferOf("call"), Is.Null);

        fixture.Record(fixture.Engine.AgentAway(new("adviser"), fixture.Now).Events);

        Assert.That(fixture.OfferOf("call")!.Agent.Value, Is.EqualTo("other"));
    }

    [Test]
    public void Relaxation_lets_a_less_skilled_agent_take_the_call_after_the_set_time()
    {
        var queue = new QueueConfig
        {
            Id = Main,
            RequiredSkills = [new(Technical, 8)],
            Relaxation =
            [
                new RelaxationStep { After = TimeSpan.FromSeconds(30), RequiredSkills = [new(Technical, 5)] },
                new RelaxationStep { After = TimeSpan.FromSeconds(60), RequiredSkills = [new(Technical, 1)] },
            ],
        };
        var fixture = new EngineFixture(AntiStarvationMode.None, queue);
        fixture.LogIn("novice", (Technical, 2));
        fixture.Free("novice");
        fixture.Arrive("call");

        fixture.WaitSeconds(30);
        Assert.That(fixture.OfferOf("call"), Is.Null, "step 1 still needs level 5");
        Assert.That(fixture.Events.OfType<RequirementRelaxed>().Single().Step, Is.EqualTo(1));

        fixture.WaitSeconds(30);
        var offer = fixture.OfferOf("call")!;
        Assert.That(offer.Agent.Value, Is.EqualTo("novice"));
        Assert.That(offer.RelaxationStep, Is.EqualTo(2));
        Assert.That(offer.Waited, Is.EqualTo(TimeSpan.FromSeconds(60)));
    }

    [Test]
    public void An_agent_logging_in_later_can_take_calls_of_requirements_seen_before()
    {
        var fixture = new EngineFixture(AntiStarvationMode.None,
            new QueueConfig { Id = Main, RequiredSkills = [new(Billing, 2)] });
        fixture.Arrive("call", extraSkills: (English, 3));
        fixture.LogIn("late", (Billing, 2), (English, 3));

        Assert.That(fixture.NextCallFor("late"), Is.EqualTo("call"));
    }
}
