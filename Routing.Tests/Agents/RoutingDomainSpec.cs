using Akka.Actor;
using CallCenter.Routing.Agents.AgentActors;
using CallCenter.Routing.Agents.Calls;
using CallCenter.Routing.Agents.Domain;
using CallCenter.Routing.Agents.Queues;
using CallCenter.Routing.Lifecycle;
using CallCenter.Routing.Model;
using static CallCenter.Routing.Tests.Agents.DomainFixture;

namespace CallCenter.Routing.Tests.Agents;

/// <summary>A whole routing domain (dispatcher, queues, agents, calls) in virtual time.</summary>
public sealed class RoutingDomainSpec : ActorSpec
{
    [Test]
    public void Domain_must_carry_a_call_through_its_whole_lifecycle()
    {
        var domain = new DomainFixture(this);
        var softphone = domain.Agent("alice");

        Assert.That(domain.Arrive("call-1").Code, Is.EqualTo(OutcomeCode.Ok));
        var offer = NextOffer(softphone);
        Assert.That(domain.Accept("alice", offer).Code, Is.EqualTo(OutcomeCode.Ok));
        domain.CallEvent<CallEvent.Connected>("call-1");
        Clock.Advance(TimeSpan.FromSeconds(90));
        Assert.That(domain.Send(new AgentProtocol.HangUp(new AgentId("alice"), offer.Call)).Code, Is.EqualTo(OutcomeCode.Ok));

        var ended = domain.CallEvent<CallEvent.Ended>("call-1");
        Assert.That((ended.Outcome, ended.Agent, ended.TalkTime), Is.EqualTo((CallOutcome.Answered, (AgentId?)new AgentId("alice"), (TimeSpan?)TimeSpan.FromSeconds(90))));
        Assert.That(domain.AgentState("alice").Status, Is.EqualTo(AgentStatus.WrapUp));

        Clock.Advance(TimeSpan.FromSeconds(10));
        domain.AgentEvent<AgentEvent.StatusChanged>("alice", e => e.To == AgentStatus.Available);
        var state = domain.AgentState("alice");
        Assert.That((state.Status, state.CallsHandledToday), Is.EqualTo((AgentStatus.Available, 1)));
    }

    [Test]
    public void Domain_must_publish_the_events_of_a_call_numbered_in_order()
    {
        var domain = new DomainFixture(this);
        domain.Arrive("call-1");
        var softphone = domain.Agent("alice");
        domain.Accept("alice", NextOffer(softphone));
        domain.Send(new CallProtocol.HangUp(new CallId("call-1")));

        var events = new List<CallEvent>();
        while (events.LastOrDefault() is not CallEvent.Ended)
        {
            events.Add(domain.CallEvents.ExpectMsg<CallEvent>(TimeSpan.FromSeconds(5)));
        }

        Assert.That(events.Select(e => e.Sequence), Is.EqualTo(Enumerable.Range(1, events.Count).Select(i => (long)i)));
        Assert.That(events.Select(e => e.GetType().Name), Is.EqualTo(new[] { "Arrived", "Queued", "Offered", "Connected", "Ended" }));
    }

    [Test]
    public void Domain_must_offer_the_VIP_call_first()
    {
        var domain = new DomainFixture(this);
        domain.Arrive("standard", "Standard");
        domain.Arrive("vip", "VIP");
        domain.CallEvent<CallEvent.Queued>("vip");

        var softphone = domain.Agent("alice");

        Assert.That(NextOffer(softphone).Call.Value, Is.EqualTo("vip"));
    }

    [Test]
    public void Domain_must_respect_skills()
    {
        var domain = new DomainFixture(this);
        var novice = domain.Agent("novice");
        var expert = domain.Agent("expert", (Billing, 5));

        domain.Arrive("billing-call", queue: Spill);

        Assert.That(NextOffer(expert).Call.Value, Is.EqualTo("billing-call"));
        var seenByNovice = novice.ReceiveWhile<object>(TimeSpan.FromMilliseconds(300), m => m);
        Assert.That(seenByNovice.OfType<AgentProtocol.OfferPresented>(), Is.Empty);
    }

    [Test]
    public void Domain_must_give_an_unanswered_call_to_the_next_agent_at_its_place_and_set_the_first_not_ready()
    {
        var domain = new DomainFixture(this);
        var alice = domain.Agent("alice");
        domain.Arrive("first");
        var first = NextOffer(alice);
        domain.Arrive("second");
        domain.CallEvent<CallEvent.Queued>("second");
        var bob = domain.Agent("bob");
        Assert.That(NextOffer(bob).Call.Value, Is.EqualTo("second"), "bob takes the waiting call while the first rings at alice");
        domain.Arrive("third");
        domain.CallEvent<CallEvent.Queued>("third");

        Clock.Advance(TimeSpan.FromSeconds(15));

        domain.AgentEvent<AgentEvent.OfferMissed>("alice");
        var returned = domain.CallEvent<CallEvent.OfferReturned>("first");
        Assert.That(returned.Offer.Epoch, Is.EqualTo(first.Epoch));
        var aliceState = domain.AgentState("alice");
        Assert.That((aliceState.Status, aliceState.NotReadyReason), Is.EqualTo((AgentStatus.NotReady, "missed-offer")));
        var carol = domain.Agent("carol");
        Assert.That(NextOffer(carol).Call.Value, Is.EqualTo("first"), "the returned call is ahead of the later one");
    }

    [Test]
    public void Domain_must_free_the_agent_when_the_caller_hangs_up_while_it_rings()
    {
        var domain = new DomainFixture(this);
        var alice = domain.Agent("alice");
        domain.Arrive("call-1");
        var offer = NextOffer(alice);

        Assert.That(domain.Send(new CallProtocol.HangUp(offer.Call)).Code, Is.EqualTo(OutcomeCode.Ok));

        Assert.That(domain.CallEvent<CallEvent.Ended>("call-1").Outcome, Is.EqualTo(CallOutcome.AbandonedWhileRinging));
        Assert.That(domain.AgentEvent<AgentEvent.OfferWithdrawn>("alice").Reason, Is.EqualTo(WithdrawalReason.CallerHungUp));
        Assert.That(domain.Accept("alice", offer).Code, Is.EqualTo(OutcomeCode.Conflict), "a late answer connects nothing");
        domain.Arrive("call-2");
        Assert.That(NextOffer(alice).Call.Value, Is.EqualTo("call-2"), "alice is routable again");
    }

    [Test]
    public void Domain_must_refuse_an_answer_after_the_hang_up_and_leave_the_agent_free_without_wrap_up()
    {
        var domain = new DomainFixture(this);
        var alice = domain.Agent("alice");
        var idleSince = domain.AgentState("alice").AvailableSince;
        domain.Arrive("call-1");
        var offer = NextOffer(alice);
        Assert.That(domain.Send(new CallProtocol.HangUp(offer.Call)).Code, Is.EqualTo(OutcomeCode.Ok));

        var answer = domain.Accept("alice", offer);

        Assert.That((answer.Code, answer.Field), Is.EqualTo((OutcomeCode.Conflict, "callId")));
        Assert.That(answer.Message, Does.Contain("'call-1'"));
        Assert.That(domain.CallEvent<CallEvent.Ended>("call-1").Outcome, Is.EqualTo(CallOutcome.AbandonedWhileRinging));
        var revoked = alice.FishForMessage<AgentEvent.OfferWithdrawn>(_ => true, TimeSpan.FromSeconds(5));
        Assert.That((revoked.Offer, revoked.Reason), Is.EqualTo((new CallAssignment(offer.Call, offer.Epoch), WithdrawalReason.CallerHungUp)));
        Clock.Advance(domain.Settings.Agents.Policy.WrapUpDuration);
        var state = domain.AgentState("alice");
        Assert.That((state.Status, state.AvailableSince, state.CallsHandledToday), Is.EqualTo((AgentStatus.Available, idleSince, 0)));
        Assert.That(StatusesOf(domain, "alice"), Does.Not.Contain(AgentStatus.OnCall).And.Not.Contain(AgentStatus.WrapUp));
        Assert.That(domain.CallState("call-1").Connection, Is.Null, "the ended call was never connected");
    }

    [Test]
    public void Domain_must_connect_an_answer_before_the_hang_up_and_wrap_the_call_up()
    {
        var domain = new DomainFixture(this);
        var alice = domain.Agent("alice");
        domain.Arrive("call-1");
        var offer = NextOffer(alice);
        Assert.That(domain.Accept("alice", offer).Code, Is.EqualTo(OutcomeCode.Ok));
        Assert.That(domain.Accept("alice", offer).Code, Is.EqualTo(OutcomeCode.Unchanged), "a repeated answer changes nothing");

        Assert.That(domain.Send(new CallProtocol.HangUp(offer.Call)).Code, Is.EqualTo(OutcomeCode.Ok));

        Assert.That(domain.CallEvent<CallEvent.Connected>("call-1").Connection, Is.EqualTo(new AgentAssignment(new AgentId("alice"), offer.Epoch)));
        Assert.That(domain.CallEvent<CallEvent.Ended>("call-1").Outcome, Is.EqualTo(CallOutcome.Answered));
        domain.AgentEvent<AgentEvent.StatusChanged>("alice", e => e.To == AgentStatus.WrapUp);
        Assert.That(domain.AgentState("alice").Status, Is.EqualTo(AgentStatus.WrapUp));
        domain.CallEvents.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    /// <summary>
    /// The answer and the hang-up sent together, in either order, so the agent, the call and the
    /// dispatcher see them interleave as they will: each call ends one way or the other, never both.
    /// </summary>
    [Test]
    public void Domain_must_end_an_answer_racing_a_hang_up_either_connected_or_refused_never_both()
    {
        var domain = new DomainFixture(this);
        var alice = domain.Agent("alice");

        // Straight to the agent's actor, so the answer has as far to go to the call as the hang-up has.
        var aliceActor = OnlyChild(domain, "agent-*");
        var answeredCalls = new HashSet<CallId>();
        for (var round = 0; round < 40; round++)
        {
            var call = $"call-{round}";
            domain.Arrive(call);
            var offer = NextOffer(alice);
            var accept = new AgentProtocol.Accept(new AgentId("alice"), offer.Call, offer.Epoch);
            var hangUp = new CallProtocol.HangUp(offer.Call);
            Task<CommandResult> answering, hangingUp;
            if (round % 2 == 0)
            {
                answering = aliceActor.Ask<CommandResult>(accept, TimeSpan.FromSeconds(5));
                hangingUp = domain.Domain.Ask<CommandResult>(hangUp, TimeSpan.FromSeconds(5));
            }
            else
            {
                hangingUp = domain.Domain.Ask<CommandResult>(hangUp, TimeSpan.FromSeconds(5));
                answering = aliceActor.Ask<CommandResult>(accept, TimeSpan.FromSeconds(5));
            }

            var answer = answering.Result.Outcome;
            Assert.That(hangingUp.Result.Outcome.Code, Is.EqualTo(OutcomeCode.Ok), "the hang-up");

            var ended = domain.CallEvent<CallEvent.Ended>(call);
            if (answer.Code == OutcomeCode.Ok)
            {
                answeredCalls.Add(offer.Call);
                Assert.That(ended.Outcome, Is.EqualTo(CallOutcome.Answered), $"{call} was answered");
                AwaitAssert(() => Assert.That(domain.AgentState("alice").Status, Is.EqualTo(AgentStatus.WrapUp)));
                domain.Send(new AgentProtocol.FinishWrapUp(new AgentId("alice")));
            }
            else
            {
                Assert.That((answer.Code, answer.Field, ended.Outcome), Is.EqualTo((OutcomeCode.Conflict, "callId", CallOutcome.AbandonedWhileRinging)), $"{call} was refused");
                Assert.That(domain.AgentState("alice").Status, Is.EqualTo(AgentStatus.Available));
            }
        }

        // Alice went on (and wrapped up) exactly the calls that were connected.
        var events = domain.AgentEvents.ReceiveWhile(TimeSpan.FromMilliseconds(300), m => (AgentEvent)m);
        Assert.That(events.OfType<AgentEvent.OfferAccepted>().Select(e => e.Offer.Call), Is.EquivalentTo(answeredCalls));
        Assert.That(events.OfType<AgentEvent.CallHandled>().Select(e => e.Call.Call), Is.EquivalentTo(answeredCalls));
        TestContext.Out.WriteLine($"{answeredCalls.Count} of 40 answers won the race");
    }

    [Test]
    public void Domain_must_tell_an_agent_rung_for_a_callback_that_it_was_called_off()
    {
        var domain = new DomainFixture(this);
        domain.Arrive("call-1");
        domain.CallEvent<CallEvent.Queued>("call-1");
        Assert.That(domain.Send(new CallProtocol.RequestCallback(new CallId("call-1"))).Code, Is.EqualTo(OutcomeCode.Ok));
        var alice = domain.Agent("alice");
        var offer = NextOffer(alice);

        Assert.That(domain.Send(new CallProtocol.CancelCallback(offer.Call)).Code, Is.EqualTo(OutcomeCode.Ok));

        Assert.That(domain.AgentEvent<AgentEvent.OfferWithdrawn>("alice").Reason, Is.EqualTo(WithdrawalReason.CallbackCancelled));
        Assert.That(domain.CallEvent<CallEvent.Ended>("call-1").Outcome, Is.EqualTo(CallOutcome.CallbackCancelled));
    }

    [Test]
    public void Domain_must_tell_a_transfer_target_whose_call_the_first_agent_ended_that_it_was_taken_back()
    {
        var domain = new DomainFixture(this);
        var alice = domain.Agent("alice");
        domain.Arrive("call-1");
        var first = NextOffer(alice);
        domain.Accept("alice", first);
        var bob = domain.Agent("bob");
        domain.Send(new CallProtocol.Transfer(first.Call, new AgentId("alice"), TransferKind.Consultative, null, new AgentId("bob")));
        NextOffer(bob);

        Assert.That(domain.Send(new AgentProtocol.HangUp(new AgentId("alice"), first.Call)).Code, Is.EqualTo(OutcomeCode.Ok));

        Assert.That(domain.CallEvent<CallEvent.Ended>("call-1").Outcome, Is.EqualTo(CallOutcome.Answered));
        Assert.That(domain.AgentEvent<AgentEvent.OfferWithdrawn>("bob").Reason, Is.EqualTo(WithdrawalReason.CallTakenBack), "the caller did not hang up");
    }

    [Test]
    public void Domain_must_tell_a_transfer_target_rung_when_the_caller_hung_up_that_the_caller_hung_up()
    {
        var domain = new DomainFixture(this);
        var alice = domain.Agent("alice");
        domain.Arrive("call-1");
        var first = NextOffer(alice);
        domain.Accept("alice", first);
        var bob = domain.Agent("bob");
        domain.Send(new CallProtocol.Transfer(first.Call, new AgentId("alice"), TransferKind.Consultative, null, new AgentId("bob")));
        NextOffer(bob);

        Assert.That(domain.Send(new CallProtocol.HangUp(first.Call)).Code, Is.EqualTo(OutcomeCode.Ok));

        Assert.That(domain.CallEvent<CallEvent.Ended>("call-1").Outcome, Is.EqualTo(CallOutcome.Answered), "alice talked to the caller");
        Assert.That(domain.AgentEvent<AgentEvent.OfferWithdrawn>("bob").Reason, Is.EqualTo(WithdrawalReason.CallerHungUp));
    }

    [Test]
    public void Domain_must_send_a_ringing_call_back_when_its_agent_logs_out()
    {
        var domain = new DomainFixture(this);
        var alice = domain.Agent("alice");
        domain.Arrive("call-1");
        NextOffer(alice);

        domain.Send(new AgentProtocol.LogOut(new AgentId("alice")));

        domain.CallEvent<CallEvent.OfferReturned>("call-1");
        var bob = domain.Agent("bob");
        Assert.That(NextOffer(bob).Call.Value, Is.EqualTo("call-1"));
    }

    [Test]
    public void Domain_must_acknowledge_a_repeated_arrival_without_a_second_call()
    {
        var domain = new DomainFixture(this);
        Assert.That(domain.Arrive("call-1", "VIP").Code, Is.EqualTo(OutcomeCode.Ok));

        var again = domain.Arrive("call-1", "VIP");

        Assert.That(again.Code, Is.EqualTo(OutcomeCode.Unchanged));
        domain.CallEvent<CallEvent.Queued>("call-1");
        domain.CallEvents.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }

    [Test]
    public void Domain_must_answer_repeats_for_an_ended_call_until_its_retention_is_over()
    {
        var domain = new DomainFixture(this);
        var softphone = domain.Agent("alice");
        domain.Arrive("call-1");
        var offer = NextOffer(softphone);
        domain.Accept("alice", offer);
        var actor = CallActorOf(domain);
        Watch(actor);
        Assert.That(domain.Send(new CallProtocol.HangUp(new CallId("call-1"))).Code, Is.EqualTo(OutcomeCode.Ok));
        domain.CallEvent<CallEvent.Ended>("call-1");

        // Once the actor has stopped, the domain answers for the call from what it keeps; the live actor knew more.
        ExpectTerminated(actor);
        var final = domain.CallState("call-1");

        // Within the retention repeats are answered from the final state, and change nothing.
        Clock.Advance(TimeSpan.FromSeconds(10));
        Assert.That(domain.Send(new CallProtocol.HangUp(new CallId("call-1"))).Code, Is.EqualTo(OutcomeCode.Unchanged));
        Assert.That(domain.Send(new CallProtocol.RequestCallback(new CallId("call-1"))).Code, Is.EqualTo(OutcomeCode.Conflict));
        Assert.That(domain.Arrive("call-1").Code, Is.EqualTo(OutcomeCode.Unchanged));
        Assert.That(domain.CallState("call-1"), Is.EqualTo(final));
        Assert.That(final.Outcome, Is.EqualTo(CallOutcome.Answered));
        domain.CallEvents.ExpectNoMsg(TimeSpan.FromMilliseconds(100));

        // After the retention the domain has forgotten the call.
        Clock.Advance(domain.Settings.EndedCallRetention);
        AwaitAssert(() => Assert.That(domain.Send(new CallProtocol.HangUp(new CallId("call-1"))).Code, Is.EqualTo(OutcomeCode.NotFound)));
    }

    [Test]
    public void Domain_must_stop_an_ended_calls_actor_and_answer_late_events_from_the_final_state()
    {
        var domain = new DomainFixture(this);
        var alice = domain.Agent("alice");
        domain.Arrive("call-1");
        var offer = NextOffer(alice);
        Assert.That(domain.Accept("alice", offer).Code, Is.EqualTo(OutcomeCode.Ok));
        var actor = CallActorOf(domain);
        Watch(actor);

        Assert.That(domain.Send(new AgentProtocol.HangUp(new AgentId("alice"), offer.Call)).Code, Is.EqualTo(OutcomeCode.Ok));
        domain.CallEvent<CallEvent.Ended>("call-1");
        ExpectTerminated(actor);

        // Answered as the call's actor answered before it stopped, and nothing is published.
        var call = offer.Call;
        Assert.That(domain.Send(new CallProtocol.HangUp(call)).Code, Is.EqualTo(OutcomeCode.Unchanged));
        Assert.That(domain.Send(new CallProtocol.CancelCallback(call)).Code, Is.EqualTo(OutcomeCode.Unchanged));
        Assert.That(domain.Arrive("call-1").Code, Is.EqualTo(OutcomeCode.Unchanged));
        Assert.That(domain.Arrive("call-1", "Diamond").Code, Is.EqualTo(OutcomeCode.Unchanged), "a known call is not checked again");
        Assert.That(domain.Send(new CallProtocol.RequestCallback(call)).Code, Is.EqualTo(OutcomeCode.Conflict));
        Assert.That(domain.Send(new CallProtocol.ScheduleCallback(call, Main, new TierId("Standard"), Clock.Now.AddHours(1))).Code,
            Is.EqualTo(OutcomeCode.Conflict));
        var transfer = domain.Send(new CallProtocol.Transfer(call, new AgentId("alice"), TransferKind.Blind, Main, null));
        Assert.That((transfer.Code, transfer.Field), Is.EqualTo((OutcomeCode.Conflict, "from")));
        var final = domain.CallState("call-1");
        Assert.That((final.Status, final.Outcome, final.Owner), Is.EqualTo((CallStatus.Ended, CallOutcome.Answered, (AgentId?)new AgentId("alice"))));
        domain.CallEvents.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    [Test]
    public void Domain_must_stop_seeking_a_consultative_transfers_target_once_the_first_agent_ends_the_call()
    {
        var domain = new DomainFixture(this);
        var alice = domain.Agent("alice");
        domain.Arrive("call-1");
        var offer = NextOffer(alice);
        domain.Accept("alice", offer);
        Assert.That(domain.Send(new CallProtocol.Transfer(offer.Call, new AgentId("alice"), TransferKind.Consultative, Main, null)).Code,
            Is.EqualTo(OutcomeCode.Ok));

        // Nobody was free to take it; alice ends the call instead.
        var actor = CallActorOf(domain);
        Watch(actor);
        Assert.That(domain.Send(new AgentProtocol.HangUp(new AgentId("alice"), offer.Call)).Code, Is.EqualTo(OutcomeCode.Ok));
        domain.CallEvent<CallEvent.Ended>("call-1");
        // The end is published before routing hears of it (the call's actor stops once routing has let
        // go of it): an agent free in between could be rung for the ended call and have it revoked.
        ExpectTerminated(actor);

        var bob = domain.Agent("bob");
        domain.Arrive("call-2");
        Assert.That(NextOffer(bob).Call.Value, Is.EqualTo("call-2"), "bob is not offered the ended call");
    }

    /// <summary>The actor of the domain's only call.</summary>
    private IActorRef CallActorOf(DomainFixture domain) => OnlyChild(domain, "call-*");

    /// <summary>The domain's only child whose name matches <paramref name="pattern"/>.</summary>
    private IActorRef OnlyChild(DomainFixture domain, string pattern)
    {
        Sys.ActorSelection(domain.Domain.Path / pattern).Tell(new Identify(pattern), TestActor);
        return ExpectMsg<ActorIdentity>().Subject ?? throw new AssertionException($"the domain has no {pattern}");
    }

    /// <summary>Every status the agent has entered so far, from the events not yet read.</summary>
    private static List<AgentStatus> StatusesOf(DomainFixture domain, string agent) =>
        [.. domain.AgentEvents.ReceiveWhile(TimeSpan.FromMilliseconds(200), m => (AgentEvent)m)
            .OfType<AgentEvent.StatusChanged>().Where(e => e.Agent.Value == agent).Select(e => e.To)];

    [TestCase("nowhere", "Standard", OutcomeCode.NotFound, "queue")]
    [TestCase("main", "Diamond", OutcomeCode.NotFound, "tier")]
    public void Domain_must_refuse_a_bad_arrival_naming_the_field(string queue, string tier, OutcomeCode code, string field)
    {
        var domain = new DomainFixture(this);

        var outcome = domain.Arrive("call-1", tier, new QueueId(queue));

        Assert.That((outcome.Code, outcome.Field), Is.EqualTo((code, field)));
        Assert.That(domain.Send(new CallProtocol.HangUp(new CallId("call-1"))).Code, Is.EqualTo(OutcomeCode.NotFound));
    }

    [Test]
    public void Domain_must_keep_a_callback_requests_place_and_offer_it_as_a_callback()
    {
        var domain = new DomainFixture(this);
        domain.Arrive("first");
        domain.Arrive("second");
        domain.CallEvent<CallEvent.Queued>("second");

        Assert.That(domain.Send(new CallProtocol.RequestCallback(new CallId("first"))).Code, Is.EqualTo(OutcomeCode.Ok));
        Assert.That(domain.Send(new CallProtocol.HangUp(new CallId("first"))).Code, Is.EqualTo(OutcomeCode.Unchanged), "the caller is no longer on the line");

        var alice = domain.Agent("alice");
        var offer = NextOffer(alice);
        Assert.That(offer.Call.Value, Is.EqualTo("first"));
        domain.Accept("alice", offer);
        domain.Send(new AgentProtocol.HangUp(new AgentId("alice"), offer.Call));
        Assert.That(domain.CallEvent<CallEvent.Ended>("first").Outcome, Is.EqualTo(CallOutcome.CallbackCompleted));
    }

    [Test]
    public void Domain_must_offer_a_scheduled_callback_at_its_time_and_warn_when_it_is_late()
    {
        var domain = new DomainFixture(this);
        var due = Clock.Now + TimeSpan.FromMinutes(30);
        Assert.That(domain.Send(new CallProtocol.ScheduleCallback(new CallId("cb"), Main, new TierId("Gold"), due)).Code, Is.EqualTo(OutcomeCode.Ok));
        domain.Send(new AgentProtocol.LogIn(new AgentId("alice"), []));

        Clock.Advance(TimeSpan.FromMinutes(30));
        domain.CallEvent<CallEvent.CallbackDue>("cb");
        domain.CallEvent<CallEvent.Queued>("cb");
        Clock.Advance(domain.Settings.CallbackLateAfter);

        var late = domain.CallEvent<CallEvent.CallbackLate>("cb");
        Assert.That(late.DueAt, Is.EqualTo(due));
    }

    [Test]
    public void Domain_must_transfer_a_call_blind_keeping_its_tier_arrival_and_owner()
    {
        var domain = new DomainFixture(this);
        var alice = domain.Agent("alice");
        domain.Arrive("call-1", "Gold");
        var arrivedAt = Clock.Now;
        domain.Accept("alice", NextOffer(alice));
        domain.CallEvent<CallEvent.Connected>("call-1");
        Clock.Advance(TimeSpan.FromSeconds(60));

        var outcome = domain.Send(new CallProtocol.Transfer(new CallId("call-1"), new AgentId("alice"), TransferKind.Blind, Spill, null));

        Assert.That(outcome.Code, Is.EqualTo(OutcomeCode.Ok));
        Assert.That(domain.AgentState("alice").Status, Is.EqualTo(AgentStatus.WrapUp));
        var bob = domain.Agent("bob", (Billing, 3));
        var offer = NextOffer(bob);
        domain.Accept("bob", offer);
        domain.CallEvent<CallEvent.TransferCompleted>("call-1");
        var state = domain.CallState("call-1");
        Assert.That((state.Tier.Value, state.ArrivedAt, state.Owner, state.Connection?.Agent, state.Queue),
            Is.EqualTo(("Gold", arrivedAt, (AgentId?)new AgentId("alice"), (AgentId?)new AgentId("bob"), Spill)));
    }

    [Test]
    public void Domain_must_transfer_a_call_consultatively_keeping_the_first_agent_until_the_target_answers()
    {
        var domain = new DomainFixture(this);
        var alice = domain.Agent("alice");
        domain.Arrive("call-1");
        domain.Accept("alice", NextOffer(alice));
        domain.CallEvent<CallEvent.Connected>("call-1");
        var bob = domain.Agent("bob");

        domain.Send(new CallProtocol.Transfer(new CallId("call-1"), new AgentId("alice"), TransferKind.Consultative, null, new AgentId("bob")));
        var offer = NextOffer(bob);
        Assert.That(domain.AgentState("alice").Status, Is.EqualTo(AgentStatus.OnCall), "alice stays on while bob is sought");
        domain.Accept("bob", offer);

        var completed = domain.CallEvent<CallEvent.TransferCompleted>("call-1");
        Assert.That((completed.FromAgent.Value, completed.ToAgent.Value), Is.EqualTo(("alice", "bob")));
        domain.AgentEvent<AgentEvent.StatusChanged>("alice", e => e.To == AgentStatus.WrapUp);
    }

    [Test]
    public void Domain_must_report_queue_statistics()
    {
        var domain = new DomainFixture(this);
        domain.Arrive("answered");
        domain.Arrive("abandoned");
        domain.CallEvent<CallEvent.Queued>("abandoned");
        Clock.Advance(TimeSpan.FromSeconds(20));
        domain.Send(new CallProtocol.HangUp(new CallId("abandoned")));
        var alice = domain.Agent("alice");
        domain.Accept("alice", NextOffer(alice));
        domain.CallEvent<CallEvent.Connected>("answered");

        AwaitAssert(() =>
        {
            var snapshot = domain.Ask<QueueProtocol.QueueSnapshot>(new QueueProtocol.GetSnapshot(Main));
            var s = snapshot.Statistics;
            Assert.That((s.Entered, s.Answered, s.Abandoned, s.AnsweredWithinThreshold, s.ServiceLevel), Is.EqualTo((2, 1, 1, 0, (double?)0.0)));
            Assert.That(snapshot.Now!.Waiting, Is.Zero);
        }, TimeSpan.FromSeconds(5));
    }
}
