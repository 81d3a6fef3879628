using Akka.Actor;
using Akka.TestKit;
using CallCenter.Routing.Agents.AgentActors;
using CallCenter.Routing.Agents.Calls;
using CallCenter.Routing.Agents.Dispatching;
using CallCenter.Routing.Agents.Domain;
using CallCenter.Routing.Lifecycle;
using CallCenter.Routing.Model;

namespace CallCenter.Routing.Tests.Agents;

/// <summary>The agent actor against probes for the dispatcher and the call, in virtual time.</summary>
public sealed class AgentActorSpec : ActorSpec
{
    private static readonly AgentId Alice = new("alice");
    private static readonly CallId Call = new("call-1");
    private static readonly QueueId Queue = new("main");

    private readonly TestProbe _dispatcher;
    private readonly TestProbe _call;
    private readonly IActorRef _agent;

    public AgentActorSpec()
    {
        _dispatcher = CreateTestProbe();
        _call = CreateTestProbe();
        var settings = new AgentSettings
        {
            RingTimeout = TimeSpan.FromSeconds(15),
            Policy = new AgentPolicy { WrapUpDuration = TimeSpan.FromSeconds(30) },
        };
        _agent = Sys.ActorOf(AgentActor.Props(Alice, _dispatcher.Ref, settings));
    }

    [Test]
    public void Agent_actor_must_register_on_login_and_report_itself_free_when_available()
    {
        Send(new AgentProtocol.LogIn(Alice, [new AgentSkill(new SkillId("billing"), 5)]));
        var registered = _dispatcher.ExpectMsg<Dispatch.RegisterAgent>();
        _dispatcher.ExpectMsg<Dispatch.AgentAway>();

        Send(new AgentProtocol.MakeAvailable(Alice));
        var free = _dispatcher.ExpectMsg<Dispatch.AgentFree>();

        Assert.That(registered.Profile.Skills.Single().Level, Is.EqualTo(5));
        Assert.That((free.Agent, free.Fairness.IdleSince, free.Fairness.CallsHandledToday), Is.EqualTo((Alice, Clock.Now, 0)));
    }

    [Test]
    public void Agent_actor_must_keep_the_backup_of_the_login_that_took_effect()
    {
        var checkpoints = CreateTestProbe();
        Sys.FollowDomainEvents<AgentProtocol.Checkpoint>(checkpoints.Ref);
        Send(new AgentProtocol.LogIn(Alice, [], new AgentId("bob")));
        Assert.That(_dispatcher.ExpectMsg<Dispatch.RegisterAgent>().Profile.Backup, Is.EqualTo(new AgentId("bob")));
        Assert.That(checkpoints.ExpectMsg<AgentProtocol.Checkpoint>().Backup, Is.EqualTo(new AgentId("bob")));

        // Already logged in: the engine keeps bob, and so does the agent's checkpoint a restart reads.
        Assert.That(Send(new AgentProtocol.LogIn(Alice, [], new AgentId("carol"))).Outcome, Is.EqualTo(Outcome.Unchanged));
        Send(new AgentProtocol.MakeAvailable(Alice));

        Assert.That(checkpoints.ExpectMsg<AgentProtocol.Checkpoint>().Backup, Is.EqualTo(new AgentId("bob")));
    }

    [Test]
    public void Agent_actor_must_take_back_an_unanswered_offer_at_the_ring_timeout_and_go_not_ready()
    {
        LogInAvailable();
        Offer(7);

        Clock.Advance(TimeSpan.FromSeconds(14));
        _dispatcher.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        Clock.Advance(TimeSpan.FromSeconds(1));

        Assert.That(_dispatcher.ExpectMsg<Dispatch.OfferReturned>(), Is.EqualTo(new Dispatch.OfferReturned(Call, 7, OfferReturnReason.TimedOut)));
        _dispatcher.ExpectMsg<Dispatch.AgentAway>();
        var state = _agent.Ask<AgentState>(new AgentProtocol.GetState(Alice)).Result;
        Assert.That((state.Status, state.NotReadyReason), Is.EqualTo((AgentStatus.NotReady, "missed-offer")));
    }

    [Test]
    public void Agent_actor_must_refuse_an_answer_naming_a_stale_epoch()
    {
        LogInAvailable();
        _agent.Tell(new AgentProtocol.Offer(Alice, Call, 7, Queue, _call.Ref));

        var stale = Send(new AgentProtocol.Accept(Alice, Call, 6));
        _call.ExpectNoMsg(TimeSpan.FromMilliseconds(100)); // A stale answer is refused without asking the call.
        var current = Accept(7);
        var repeated = Send(new AgentProtocol.Accept(Alice, Call, 7));

        Assert.That((stale.Outcome.Code, stale.Outcome.Field), Is.EqualTo((OutcomeCode.Conflict, "epoch")));
        Assert.That(current.Outcome.Code, Is.EqualTo(OutcomeCode.Ok));
        Assert.That(repeated.Outcome.Code, Is.EqualTo(OutcomeCode.Unchanged));
        _call.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        Assert.That(_dispatcher.ExpectMsg<Dispatch.OfferAccepted>(), Is.EqualTo(new Dispatch.OfferAccepted(Call, 7)));
    }

    [Test]
    public void Agent_actor_must_not_time_out_an_offer_it_accepted()
    {
        LogInAvailable();
        Offer(7);
        Accept(7);
        _dispatcher.ExpectMsg<Dispatch.OfferAccepted>();

        Clock.Advance(TimeSpan.FromMinutes(5));

        _dispatcher.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        Assert.That(_agent.Ask<AgentState>(new AgentProtocol.GetState(Alice)).Result.Status, Is.EqualTo(AgentStatus.OnCall));
    }

    [Test]
    public void Agent_actor_must_bounce_an_offer_that_arrives_after_it_went_not_ready()
    {
        LogInAvailable();
        Send(new AgentProtocol.GoNotReady(Alice, "break"));
        _dispatcher.ExpectMsg<Dispatch.AgentAway>();

        _agent.Tell(new AgentProtocol.Offer(Alice, Call, 7, Queue, _call.Ref));

        Assert.That(_dispatcher.ExpectMsg<Dispatch.OfferReturned>(), Is.EqualTo(new Dispatch.OfferReturned(Call, 7, OfferReturnReason.Bounced)));
    }

    [Test]
    public void Agent_actor_must_wrap_up_after_a_call_for_the_set_time_then_report_itself_free_with_its_counters()
    {
        LogInAvailable();
        _agent.Tell(new AgentProtocol.Offer(Alice, Call, 7, Queue, _call.Ref));
        Accept(7);
        _dispatcher.ExpectMsg<Dispatch.OfferAccepted>();
        Clock.Advance(TimeSpan.FromSeconds(100));

        _agent.Tell(new AgentProtocol.CallerLeft(Alice, Call, 7));
        Assert.That(_dispatcher.ExpectMsg<Dispatch.RecordHandleTime>(), Is.EqualTo(new Dispatch.RecordHandleTime(Queue, TimeSpan.FromSeconds(100))));
        Clock.Advance(TimeSpan.FromSeconds(29));
        _dispatcher.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        Clock.Advance(TimeSpan.FromSeconds(1));

        var free = _dispatcher.ExpectMsg<Dispatch.AgentFree>();
        Assert.That(free.Fairness.CallsHandledToday, Is.EqualTo(1));
        Assert.That(free.Fairness.IdleSince, Is.EqualTo(Clock.Now));
    }

    [Test]
    public void Agent_actor_must_end_the_call_when_the_agent_hangs_up_and_tell_the_call()
    {
        LogInAvailable();
        _agent.Tell(new AgentProtocol.Offer(Alice, Call, 7, Queue, _call.Ref));
        Accept(7);

        var result = Send(new AgentProtocol.HangUp(Alice, Call));

        Assert.That(result.Outcome.Code, Is.EqualTo(OutcomeCode.Ok));
        Assert.That(_call.ExpectMsg<CallProtocol.AgentEnded>(), Is.EqualTo(new CallProtocol.AgentEnded(Call, Alice)));
        Assert.That(_agent.Ask<AgentState>(new AgentProtocol.GetState(Alice)).Result.Status, Is.EqualTo(AgentStatus.WrapUp));
    }

    [Test]
    public void Agent_actor_must_go_free_when_the_caller_leaves_while_it_rings()
    {
        LogInAvailable();
        var idleSince = Clock.Now;
        Offer(7);
        Clock.Advance(TimeSpan.FromSeconds(3));

        _agent.Tell(new AgentProtocol.CallerLeft(Alice, Call, 7));

        var free = _dispatcher.ExpectMsg<Dispatch.AgentFree>();
        Assert.That(free.Fairness.IdleSince, Is.EqualTo(idleSince), "a withdrawn offer keeps the agent's place in the idle order");
    }

    [TestCase(WithdrawalReason.CallerHungUp)]
    [TestCase(WithdrawalReason.CallTakenBack)]
    public void Agent_actor_must_tell_its_softphone_why_an_offer_was_withdrawn(WithdrawalReason reason)
    {
        var softphone = CreateTestProbe();
        Send(new AgentProtocol.Subscribe(Alice, softphone.Ref));
        LogInAvailable();
        Offer(7);

        _agent.Tell(new AgentProtocol.CallerLeft(Alice, Call, 7) { Reason = reason });

        var withdrawn = softphone.FishForMessage<AgentEvent.OfferWithdrawn>(_ => true);
        Assert.That((withdrawn.Offer, withdrawn.Reason), Is.EqualTo((new CallAssignment(Call, 7), reason)));
    }

    [Test]
    public void Agent_actor_must_tell_its_softphone_and_the_dispatcher_of_a_rejected_offer()
    {
        var softphone = CreateTestProbe();
        Send(new AgentProtocol.Subscribe(Alice, softphone.Ref));
        LogInAvailable();
        Offer(7);

        Send(new AgentProtocol.Reject(Alice, Call, 7));

        Assert.That(softphone.FishForMessage<AgentEvent.OfferRejected>(_ => true).Offer, Is.EqualTo(new CallAssignment(Call, 7)));
        Assert.That(_dispatcher.ExpectMsg<Dispatch.OfferReturned>(), Is.EqualTo(new Dispatch.OfferReturned(Call, 7, OfferReturnReason.Declined)));
    }

    [Test]
    public void Agent_actor_must_return_an_offer_ringing_when_its_softphone_goes_silent_as_softphone_lost()
    {
        var softphone = CreateTestProbe();
        Send(new AgentProtocol.Subscribe(Alice, softphone.Ref));
        LogInAvailable();

        // Heard last at the subscription: its silence counts 30 s from then, before this offer's 15 s ring runs out.
        Clock.Advance(TimeSpan.FromSeconds(20));
        Offer(7);
        Clock.Advance(TimeSpan.FromSeconds(10));

        Assert.That(_dispatcher.ExpectMsg<Dispatch.OfferReturned>(), Is.EqualTo(new Dispatch.OfferReturned(Call, 7, OfferReturnReason.SoftphoneLost)));
        var missed = softphone.FishForMessage<AgentEvent.OfferMissed>(_ => true);
        Assert.That((missed.Offer, missed.Reason), Is.EqualTo((new CallAssignment(Call, 7), OfferReturnReason.SoftphoneLost)));
        _dispatcher.ExpectMsg<Dispatch.AgentAway>();

        // The ring timer, due after, finds nothing ringing: the offer is returned once.
        Clock.Advance(TimeSpan.FromSeconds(10));
        _dispatcher.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    [Test]
    public void Agent_actor_must_send_offers_and_state_changes_to_its_subscribers()
    {
        var softphone = CreateTestProbe();
        Send(new AgentProtocol.Subscribe(Alice, softphone.Ref));
        LogInAvailable();

        _agent.Tell(new AgentProtocol.Offer(Alice, Call, 7, Queue, _call.Ref));

        var presented = softphone.FishForMessage<AgentProtocol.OfferPresented>(_ => true);
        Assert.That((presented.Call, presented.Epoch, presented.ExpiresAt), Is.EqualTo((Call, 7L, Clock.Now + TimeSpan.FromSeconds(15))));
    }

    [Test]
    public void Agent_actor_must_answer_an_accept_only_once_the_call_has_connected_it()
    {
        var softphone = CreateTestProbe();
        Send(new AgentProtocol.Subscribe(Alice, softphone.Ref));
        LogInAvailable();
        Offer(7);
        var asker = CreateTestProbe();

        asker.Send(_agent, new AgentProtocol.Accept(Alice, Call, 7));
        var connect = _call.ExpectMsg<CallProtocol.Connect>();

        asker.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        _dispatcher.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        Assert.That(softphone.ReceiveWhile<object>(TimeSpan.FromMilliseconds(100), m => m).OfType<AgentEvent.StatusChanged>()
            .Where(e => e.To == AgentStatus.OnCall), Is.Empty, "not on call before the call says so");

        _call.Reply(new AgentProtocol.ConnectReply(connect.Call, connect.Epoch, Outcome.Ok));

        Assert.That(asker.ExpectMsg<CommandResult>().Outcome, Is.EqualTo(Outcome.Ok));
        Assert.That(_dispatcher.ExpectMsg<Dispatch.OfferAccepted>(), Is.EqualTo(new Dispatch.OfferAccepted(Call, 7)));
        Assert.That(State().CurrentCall, Is.EqualTo(new CallAssignment(Call, 7)));
    }

    [Test]
    public void Agent_actor_must_withdraw_the_offer_when_the_call_ended_before_the_answer()
    {
        var softphone = CreateTestProbe();
        Send(new AgentProtocol.Subscribe(Alice, softphone.Ref));
        LogInAvailable();
        var idleSince = Clock.Now;
        Offer(7);
        Clock.Advance(TimeSpan.FromSeconds(3));

        var answer = Accept(7, callSays: CallerHungUp(7));

        Assert.That((answer.Outcome.Code, answer.Outcome.Field), Is.EqualTo((OutcomeCode.Conflict, "callId")));
        Assert.That(answer.Outcome.Message, Does.Contain("'call-1'").And.Contain("caller hung up"));
        var withdrawn = softphone.FishForMessage<AgentEvent.OfferWithdrawn>(_ => true);
        Assert.That(withdrawn.Reason, Is.EqualTo(WithdrawalReason.CallerHungUp));
        var free = _dispatcher.ExpectMsg<Dispatch.AgentFree>();
        Assert.That((free.Fairness.IdleSince, free.Fairness.CallsHandledToday), Is.EqualTo((idleSince, 0)), "no call counted, the place in line kept");
        _dispatcher.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        var state = State();
        Assert.That((state.Status, state.CurrentOffer, state.CurrentCall, state.LastCallEndedAt), Is.EqualTo((AgentStatus.Available, (CallAssignment?)null, (CallAssignment?)null, (DateTimeOffset?)null)));

        // Nothing of the call is left to wrap up or to count.
        Clock.Advance(TimeSpan.FromMinutes(1));
        Assert.That(State().Status, Is.EqualTo(AgentStatus.Available));
        Assert.That(Send(new AgentProtocol.Accept(Alice, Call, 7)).Outcome.Field, Is.EqualTo("callId"), "a repeated answer is refused too");
    }

    [Test]
    public void Agent_actor_must_settle_an_accept_with_the_callers_leaving_when_the_calls_actor_has_stopped()
    {
        LogInAvailable();
        Offer(7);
        var asker = CreateTestProbe();
        asker.Send(_agent, new AgentProtocol.Accept(Alice, Call, 7));

        // The request went to an actor that had stopped at the call's end; what the call said then comes next.
        _call.ExpectMsg<CallProtocol.Connect>();
        _agent.Tell(new AgentProtocol.CallerLeft(Alice, Call, 7) { Reason = WithdrawalReason.CallerHungUp });

        var answer = asker.ExpectMsg<CommandResult>().Outcome;
        Assert.That((answer.Code, answer.Field), Is.EqualTo((OutcomeCode.Conflict, "callId")));
        Assert.That(State().Status, Is.EqualTo(AgentStatus.Available));
        _dispatcher.ExpectMsg<Dispatch.AgentFree>();
    }

    [TestCase(true)]
    [TestCase(false)]
    public void Agent_actor_must_take_in_what_came_while_the_call_was_asked_once_it_has_answered(bool connected)
    {
        LogInAvailable();
        Offer(7);
        var asker = CreateTestProbe();
        var others = CreateTestProbe();
        asker.Send(_agent, new AgentProtocol.Accept(Alice, Call, 7));
        var connect = _call.ExpectMsg<CallProtocol.Connect>();

        // The gateway's report of the same answer, a wish for after the call, and a look at the state.
        others.Send(_agent, new AgentProtocol.Accept(Alice, Call, 7));
        others.Send(_agent, new AgentProtocol.GoNotReady(Alice, "lunch"));
        others.Send(_agent, new AgentProtocol.GetState(Alice));
        others.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        _call.ExpectNoMsg(TimeSpan.FromMilliseconds(100)); // The call is asked once.

        _agent.Tell(connected ? new AgentProtocol.ConnectReply(connect.Call, connect.Epoch, Outcome.Ok) : CallerHungUp(7), _call.Ref);

        Assert.That(asker.ExpectMsg<CommandResult>().Outcome.Code, Is.EqualTo(connected ? OutcomeCode.Ok : OutcomeCode.Conflict));
        var repeated = others.ExpectMsg<CommandResult>().Outcome;
        Assert.That(repeated.Code, Is.EqualTo(connected ? OutcomeCode.Unchanged : OutcomeCode.Conflict));
        Assert.That(others.ExpectMsg<CommandResult>().Outcome.Code, Is.EqualTo(OutcomeCode.Ok));
        var state = others.ExpectMsg<AgentState>();
        Assert.That((state.Status, state.AfterCall), Is.EqualTo(connected
            ? (AgentStatus.OnCall, AfterCall.NotReady("lunch"))
            : (AgentStatus.NotReady, AfterCall.Available)));
    }

    [Test]
    public void Agent_actor_must_stop_waiting_for_a_call_that_does_not_answer_and_let_its_late_reply_decide()
    {
        LogInAvailable();
        Offer(7);
        var asker = CreateTestProbe();
        asker.Send(_agent, new AgentProtocol.Accept(Alice, Call, 7));
        var connect = _call.ExpectMsg<CallProtocol.Connect>();

        Clock.Advance(TimeSpan.FromSeconds(5));

        Assert.That(State().CurrentOffer, Is.EqualTo(new CallAssignment(Call, 7)), "the agent answers again, the offer as it was");
        asker.ExpectNoMsg(TimeSpan.FromMilliseconds(100)); // The accept's outcome is not known, so it is not answered.
        _call.Reply(new AgentProtocol.ConnectReply(connect.Call, connect.Epoch, Outcome.Ok));
        Assert.That(_dispatcher.ExpectMsg<Dispatch.OfferAccepted>(), Is.EqualTo(new Dispatch.OfferAccepted(Call, 7)));
        Assert.That(State().CurrentCall, Is.EqualTo(new CallAssignment(Call, 7)));
    }

    [Test]
    public void Agent_actor_must_let_go_of_a_call_that_connected_it_after_its_offer_rang_out()
    {
        LogInAvailable();
        Offer(7);
        _agent.Tell(new AgentProtocol.Accept(Alice, Call, 7));
        var connect = _call.ExpectMsg<CallProtocol.Connect>();
        Clock.Advance(TimeSpan.FromSeconds(5));
        Clock.Advance(TimeSpan.FromSeconds(10));
        Assert.That(_dispatcher.ExpectMsg<Dispatch.OfferReturned>().Reason, Is.EqualTo(OfferReturnReason.TimedOut));

        _call.Reply(new AgentProtocol.ConnectReply(connect.Call, connect.Epoch, Outcome.Ok));

        Assert.That(_call.ExpectMsg<CallProtocol.AgentEnded>(), Is.EqualTo(new CallProtocol.AgentEnded(Call, Alice)));
        Assert.That(State().Status, Is.EqualTo(AgentStatus.NotReady));
    }

    private CommandResult Send(object message) => _agent.Ask<CommandResult>(message).Result;

    /// <summary>Accepts the offer; the call (a probe) is asked to connect the agent and says <paramref name="callSays"/> (connected by default).</summary>
    private CommandResult Accept(long epoch, AgentProtocol.ConnectReply? callSays = null)
    {
        var answer = _agent.Ask<CommandResult>(new AgentProtocol.Accept(Alice, Call, epoch));
        Assert.That(_call.ExpectMsg<CallProtocol.Connect>(), Is.EqualTo(new CallProtocol.Connect(Call, Alice, epoch)));
        _call.Reply(callSays ?? new AgentProtocol.ConnectReply(Call, epoch, Outcome.Ok));
        return answer.Result;
    }

    /// <summary>What a call that ended while the offer rang says to a request to connect.</summary>
    private static AgentProtocol.ConnectReply CallerHungUp(long epoch) =>
        new(Call, epoch, Outcome.Conflict("call", $"call '{Call}' ended (AbandonedWhileRinging)")) { Reason = WithdrawalReason.CallerHungUp };

    private AgentState State() => _agent.Ask<AgentState>(new AgentProtocol.GetState(Alice)).Result;

    /// <summary>Offers the call and waits until the agent has taken the offer in (its ring timer runs from then).</summary>
    private void Offer(long epoch)
    {
        _agent.Tell(new AgentProtocol.Offer(Alice, Call, epoch, Queue, _call.Ref));
        Assert.That(_agent.Ask<AgentState>(new AgentProtocol.GetState(Alice)).Result.CurrentOffer?.Epoch, Is.EqualTo(epoch));
    }

    private void LogInAvailable()
    {
        Send(new AgentProtocol.LogIn(Alice, []));
        Send(new AgentProtocol.MakeAvailable(Alice));
        _dispatcher.ExpectMsg<Dispatch.RegisterAgent>();
        _dispatcher.ExpectMsg<Dispatch.AgentAway>();
        _dispatcher.ExpectMsg<Dispatch.AgentFree>();
    }
}
