using CallCenter.Routing.Configuration;
using CallCenter.Routing.Lifecycle;
using CallCenter.Routing.Matching;
using CallCenter.Routing.Model;
using static CallCenter.Routing.Tests.Core.Matching.EngineFixture;

namespace CallCenter.Routing.Tests.Core.Matching;

/// <summary>Offer epochs, races between hang-ups, offers and logouts, and refused input.</summary>
[TestFixture]
public sealed class OffersAndInputTests
{
    [Test]
    public void An_answer_naming_a_stale_offer_is_refused()
    {
        var fixture = new EngineFixture();
        fixture.LogIn("alice");
        fixture.LogIn("bob");
        fixture.Free("alice");
        fixture.Arrive("call");
        var first = fixture.OfferOf("call")!;
        fixture.Decline("call");
        fixture.Free("bob");
        var second = fixture.OfferOf("call")!;

        var stale = fixture.Engine.OfferAccepted(first.Call, first.Epoch);

        Assert.That(second.Epoch, Is.GreaterThan(first.Epoch));
        Assert.That((stale.Code, stale.Field), Is.EqualTo((OutcomeCode.Conflict, "epoch")));
        Assert.That(fixture.Engine.OfferAccepted(second.Call, second.Epoch).Code, Is.EqualTo(OutcomeCode.Ok));
    }

    [Test]
    public void A_returned_offer_is_reported_with_its_epoch_and_the_call_is_queued_again()
    {
        var fixture = new EngineFixture();
        fixture.LogIn("alice");
        fixture.Free("alice");
        fixture.Arrive("call");
        var offer = fixture.OfferOf("call")!;

        var events = fixture.Decline("call").Events;

        Assert.That(events[0], Is.EqualTo(new OfferReturned(offer.Call, fixture.Now, offer.Agent, offer.Epoch, OfferReturnReason.Declined)));
        Assert.That(events.OfType<CallQueued>().Single().Position, Is.EqualTo(1));
    }

    [Test]
    public void A_bounced_offer_is_not_held_against_the_agent()
    {
        var fixture = new EngineFixture();
        fixture.LogIn("alice");
        fixture.Free("alice");
        fixture.Arrive("call");
        var offer = fixture.OfferOf("call")!;

        fixture.Record(fixture.Engine.OfferDeclined(offer.Call, offer.Epoch, fixture.Now, OfferReturnReason.Bounced).Events);

        Assert.That(fixture.Free("alice")?.Call.Value, Is.EqualTo("call"));
    }

    [TestCase(OfferReturnReason.Declined, false)]
    [TestCase(OfferReturnReason.TimedOut, false)]
    [TestCase(OfferReturnReason.SoftphoneLost, false)]
    [TestCase(OfferReturnReason.Bounced, true)]
    [TestCase(OfferReturnReason.Voided, true)]
    public void A_returned_offer_is_offered_to_the_same_agent_again_only_when_it_was_no_decline(OfferReturnReason reason, bool offeredAgain)
    {
        var fixture = new EngineFixture();
        fixture.LogIn("alice");
        fixture.Free("alice");
        fixture.Arrive("call");
        var offer = fixture.OfferOf("call")!;

        var returned = fixture.Record(fixture.Engine.OfferDeclined(offer.Call, offer.Epoch, fixture.Now, reason).Events);

        Assert.That(returned.OfType<OfferReturned>().Single().Reason, Is.EqualTo(reason));
        Assert.That(fixture.Free("alice")?.Call.Value, offeredAgain ? Is.EqualTo("call") : Is.Null);
    }

    [Test]
    public void An_agent_who_logged_out_while_it_rang_is_not_offered_the_call_again_when_it_comes_back()
    {
        var fixture = new EngineFixture();
        fixture.LogIn("alice");
        fixture.Free("alice");
        fixture.Arrive("call");

        fixture.Record(fixture.Engine.LogOut(new("alice"), fixture.Now).Events);
        fixture.LogIn("alice");

        Assert.That(fixture.Free("alice"), Is.Null, "the call still waits, but not for alice");
        Assert.That(fixture.Engine.GetWaitEstimate(new("call"))!.Value.Position, Is.EqualTo(1));
    }

    [Test]
    public void A_repeated_decline_changes_nothing()
    {
        var fixture = new EngineFixture();
        fixture.LogIn("alice");
        fixture.Free("alice");
        fixture.Arrive("call");
        fixture.Decline("call");

        var again = fixture.Decline("call");

        Assert.That(again.Outcome.Code, Is.EqualTo(OutcomeCode.Conflict));
        Assert.That(fixture.Engine.GetWaitEstimate(new("call"))!.Value.Position, Is.EqualTo(1));
    }

    [Test]
    public void A_hang_up_while_ringing_withdraws_the_offer_and_the_late_answer_is_refused()
    {
        var fixture = new EngineFixture();
        fixture.LogIn("alice");
        fixture.Free("alice");
        fixture.Arrive("call");
        var offer = fixture.OfferOf("call")!;

        var hangUp = fixture.Engine.CallRemoved(offer.Call, fixture.Now);
        var lateAnswer = fixture.Engine.OfferAccepted(offer.Call, offer.Epoch);

        Assert.That(hangUp.Outcome.Code, Is.EqualTo(OutcomeCode.Ok));
        Assert.That(lateAnswer.Code, Is.EqualTo(OutcomeCode.NotFound));
        Assert.That(fixture.Free("alice"), Is.Null, "alice is free again and nothing is waiting");
        Assert.That(fixture.Engine.IsIdle(new("alice")), Is.True);
    }

    [Test]
    public void A_duplicate_hang_up_is_reported_and_harmless()
    {
        var fixture = new EngineFixture();
        fixture.Arrive("call");
        fixture.Engine.CallRemoved(new("call"), fixture.Now);

        var again = fixture.Engine.CallRemoved(new("call"), fixture.Now);

        Assert.That((again.Outcome.Code, again.Outcome.Field), Is.EqualTo((OutcomeCode.NotFound, "callId")));
        Assert.That(fixture.Engine.WaitingCount, Is.Zero);
    }

    [Test]
    public void An_agent_logging_out_while_ringing_sends_the_call_back_to_its_place()
    {
        var fixture = new EngineFixture();
        fixture.LogIn("alice");
        fixture.LogIn("bob");
        fixture.Free("alice");
        fixture.Arrive("first");
        fixture.Arrive("second");

        var events = fixture.Record(fixture.Engine.LogOut(new("alice"), fixture.Now).Events);

        Assert.That(events.OfType<OfferReturned>().Single().Reason, Is.EqualTo(OfferReturnReason.AgentLoggedOut));
        Assert.That(fixture.Engine.GetWaitEstimate(new("first"))!.Value.Position, Is.EqualTo(1));
        Assert.That(fixture.NextCallFor("bob"), Is.EqualTo("first"));
        Assert.That(fixture.Engine.AgentAvailable(new("alice"), new(fixture.Now, 0), fixture.Now).Outcome.Code, Is.EqualTo(OutcomeCode.NotFound));
    }

    [Test]
    public void An_agent_with_an_offer_ringing_cannot_be_made_available_again()
    {
        var fixture = new EngineFixture();
        fixture.LogIn("alice");
        fixture.Free("alice");
        fixture.Arrive("call");

        var result = fixture.Engine.AgentAvailable(new("alice"), new(fixture.Now, 0), fixture.Now);

        Assert.That(result.Outcome.Code, Is.EqualTo(OutcomeCode.Conflict));
    }

    [Test]
    public void Making_an_idle_agent_available_again_changes_nothing()
    {
        var fixture = new EngineFixture();
        fixture.LogIn("alice");
        fixture.Free("alice");

        var again = fixture.Engine.AgentAvailable(new("alice"), new(fixture.Now, 0), fixture.Now);

        Assert.That(again.Outcome.Code, Is.EqualTo(OutcomeCode.Unchanged));
    }

    private static IEnumerable<TestCaseData> BadArrivals()
    {
        yield return new TestCaseData(new CallRequest { Id = new(""), Queue = Main, Tier = new("VIP") }, OutcomeCode.Invalid, "callId")
            .SetName("A call without an id is refused");
        yield return new TestCaseData(new CallRequest { Id = new("x"), Queue = new("nowhere"), Tier = new("VIP") }, OutcomeCode.NotFound, "queue")
            .SetName("A call to an unknown queue is refused");
        yield return new TestCaseData(new CallRequest { Id = new("x"), Queue = Main, Tier = new("Diamond") }, OutcomeCode.NotFound, "tier")
            .SetName("A call of an unknown tier is refused");
        yield return new TestCaseData(new CallRequest { Id = new("x"), Queue = Main, Tier = new("VIP"), ExtraSkills = [new(new("klingon"), 1)] }, OutcomeCode.NotFound, "extraSkills[0].skill")
            .SetName("A call needing an unknown skill is refused");
        yield return new TestCaseData(new CallRequest { Id = new("x"), Queue = Main, Tier = new("VIP"), ExtraSkills = [new(English, 1), new(French, 11)] }, OutcomeCode.Invalid, "extraSkills[1].minimumLevel")
            .SetName("A call needing a level above 10 is refused");
    }

    [TestCaseSource(nameof(BadArrivals))]
    public void Bad_arrivals_are_refused_naming_the_field(CallRequest request, OutcomeCode code, string field)
    {
        var fixture = new EngineFixture();
        fixture.Arrive("kept");

        var result = fixture.Engine.CallArrived(request, fixture.Now);

        Assert.That((result.Outcome.Code, result.Outcome.Field), Is.EqualTo((code, field)));
        Assert.That(result.Events, Is.Empty);
        Assert.That(fixture.Engine.WaitingCount, Is.EqualTo(1), "what was accepted before is untouched");
    }

    [Test]
    public void A_refused_command_still_reports_what_fell_due_before_it()
    {
        var queue = new QueueConfig
        {
            Id = Main,
            RequiredSkills = [new(Billing, 8)],
            Relaxation = [new RelaxationStep { After = TimeSpan.FromSeconds(30), RequiredSkills = [new(Billing, 1)] }],
        };
        var fixture = new EngineFixture(AntiStarvationMode.None, queue);
        fixture.LogIn("novice", (Billing, 2));
        fixture.Free("novice");
        fixture.Arrive("call");

        var later = fixture.Now.AddSeconds(31);
        var refused = fixture.Engine.AgentAvailable(new AgentId("nobody"), new AgentFairness(later, 0), later);

        Assert.That(refused.Outcome.Code, Is.EqualTo(OutcomeCode.NotFound));
        var offer = refused.Events.OfType<CallOffered>().Single();
        Assert.That((offer.Call.Value, offer.Agent.Value), Is.EqualTo(("call", "novice")), "the offer the relaxation made is not lost");
    }

    [Test]
    public void A_call_id_already_being_routed_is_refused()
    {
        var fixture = new EngineFixture();
        fixture.Arrive("call", "Basic");

        var duplicate = fixture.Arrive("call", "VIP");

        Assert.That((duplicate.Outcome.Code, duplicate.Outcome.Field), Is.EqualTo((OutcomeCode.AlreadyExists, "callId")));
        Assert.That(fixture.Engine.WaitingCount, Is.EqualTo(1));
    }

    [TestCase("billing", 0, OutcomeCode.Invalid, "skills[0].level", TestName = "An agent skill level of 0 is refused")]
    [TestCase("cooking", 5, OutcomeCode.NotFound, "skills[0].skill", TestName = "An unknown agent skill is refused")]
    public void Bad_agent_profiles_are_refused_naming_the_field(string skill, int level, OutcomeCode code, string field)
    {
        var fixture = new EngineFixture();

        var outcome = fixture.Engine.LogIn(new AgentProfile { Id = new("agent"), Skills = [new(new(skill), level)] });

        Assert.That((outcome.Code, outcome.Field), Is.EqualTo((code, field)));
    }

    [Test]
    public void Logging_in_twice_is_refused()
    {
        var fixture = new EngineFixture();
        fixture.LogIn("alice");

        var again = fixture.Engine.LogIn(new AgentProfile { Id = new("alice"), Skills = [] });

        Assert.That(again.Code, Is.EqualTo(OutcomeCode.AlreadyExists));
    }

    [Test]
    public void The_engine_refuses_an_invalid_configuration()
    {
        var configuration = new RoutingConfiguration { Tiers = [] };

        Assert.That(() => new RoutingEngine(configuration),
            Throws.TypeOf<InvalidConfigurationException>().With.Message.Contains("tiers"));
    }
}
