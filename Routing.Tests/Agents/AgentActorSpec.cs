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
    public void Agent_actor_must_take_back_an_unanswered_offer_at_the_ring_timeout_and_go_not_ready()
    {
        LogInAvailable();
        Offer(7);

        Clock.Advance(TimeSpan.FromSeconds(14));
        _dispatcher.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        Clock.Advance(TimeSpan.FromSeconds(1));

        Assert.That(_dispatcher.ExpectMsg<Dispatch.OfferDeclined>(), Is.EqualTo(new Dispatch.OfferDeclined(Call, 7, CountAsDecline: true) { TimedOut = true }));
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
        var current = Send(new AgentProtocol.Accept(Alice, Call, 7));
        var repeated = Send(new AgentProtocol.Accept(Alice, Call, 7));

        Assert.That((stale.Outcome.Code, stale.Outcome.Field), Is.EqualTo((OutcomeCode.Conflict, "epoch")));
        Assert.That(current.Outcome.Code, Is.EqualTo(OutcomeCode.Ok));
        Assert.That(repeated.Outcome.Code, Is.EqualTo(OutcomeCode.Unchanged));
        Assert.That(_call.ExpectMsg<CallProtocol.Answered>(), Is.EqualTo(new CallProtocol.Answered(Call, Alice, 7)));
        _call.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        Assert.That(_dispatcher.ExpectMsg<Dispatch.OfferAccepted>(), Is.EqualTo(new Dispatch.OfferAccepted(Call, 7)));
    }

    [Test]
    public void Agent_actor_must_not_time_out_an_offer_it_accepted()
    {
        LogInAvailable();
        Offer(7);
        Send(new AgentProtocol.Accept(Alice, Call, 7));
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

        Assert.That(_dispatcher.ExpectMsg<Dispatch.OfferDeclined>(), Is.EqualTo(new Dispatch.OfferDeclined(Call, 7, CountAsDecline: false)));
    }

    [Test]
    public void Agent_actor_must_wrap_up_after_a_call_for_the_set_time_then_report_itself_free_with_its_counters()
    {
        LogInAvailable();
        _agent.Tell(new AgentProtocol.Offer(Alice, Call, 7, Queue, _call.Ref));
        Send(new AgentProtocol.Accept(Alice, Call, 7));
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
        Send(new AgentProtocol.Accept(Alice, Call, 7));
        _call.ExpectMsg<CallProtocol.Answered>();

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
    public void Agent_actor_must_send_offers_and_state_changes_to_its_subscribers()
    {
        var softphone = CreateTestProbe();
        Send(new AgentProtocol.Subscribe(Alice, softphone.Ref));
        LogInAvailable();

        _agent.Tell(new AgentProtocol.Offer(Alice, Call, 7, Queue, _call.Ref));

        var presented = softphone.FishForMessage<AgentProtocol.OfferPresented>(_ => true);
        Assert.That((presented.Call, presented.Epoch, presented.ExpiresAt), Is.EqualTo((Call, 7L, Clock.Now + TimeSpan.FromSeconds(15))));
    }

    private CommandResult Send(object message) => _agent.Ask<CommandResult>(message).Result;

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
