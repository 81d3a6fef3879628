using Akka.Actor;
using Akka.TestKit;
using CallCenter.Routing.Agents.AgentActors;
using CallCenter.Routing.Agents.Calls;
using CallCenter.Routing.Agents.Dispatching;
using CallCenter.Routing.Configuration;
using CallCenter.Routing.Lifecycle;
using CallCenter.Routing.Matching;
using CallCenter.Routing.Model;

namespace CallCenter.Routing.Tests.Agents;

/// <summary>The dispatcher against probes standing in for agents and calls.</summary>
public sealed class DispatcherActorSpec : ActorSpec
{
    private static readonly AgentId Alice = new("alice");
    private static readonly QueueId Main = new("main");

    private readonly IActorRef _dispatcher;
    private readonly TestProbe _alice;

    public DispatcherActorSpec()
    {
        var configuration = new RoutingConfiguration { Queues = [new QueueConfig { Id = Main }], AntiStarvation = AntiStarvationMode.None };
        _dispatcher = Sys.ActorOf(DispatcherActor.Props(configuration));
        _alice = CreateTestProbe();
        _dispatcher.Tell(new Dispatch.RegisterAgent(new AgentProfile { Id = Alice, Skills = [] }, _alice.Ref));
    }

    [Test]
    public void Dispatcher_must_restore_the_backup_of_an_agent_logged_out_at_the_stop()
    {
        // The engine that stopped kept carol's backup (bob) after she logged out: a call for her went to bob.
        var configuration = new RoutingConfiguration { Queues = [new QueueConfig { Id = Main }], AntiStarvation = AntiStarvationMode.None };
        var dispatcher = Sys.ActorOf(DispatcherActor.Props(configuration, firstEpoch: 1000));
        var bob = CreateTestProbe();
        var call = CreateTestProbe();
        dispatcher.Tell(new Dispatch.Restore(
            [new Dispatch.RestoredAgent(new AgentProfile { Id = new AgentId("bob"), Skills = [] }, bob.Ref, Staffed: true)],
            [new Dispatch.LoggedOutBackup(new AgentId("carol"), new AgentId("bob"))],
            []));

        dispatcher.Tell(new Dispatch.RouteCall(
            new CallRequest { Id = new CallId("for-carol"), Queue = Main, Tier = DefaultTiers.Standard, PreferredAgent = new AgentId("carol") }, call.Ref));

        call.ExpectMsg<CallProtocol.Routed>(m => m.Event is CallQueued);
        Assert.That(call.ExpectMsg<CallProtocol.Routed>().Event, Is.EqualTo(new HeldForAgent(new CallId("for-carol"), Clock.Now, new AgentId("bob"), MatchRule.BackupAgent)));
    }

    [Test]
    public void Dispatcher_must_offer_a_call_to_a_free_agent_and_tell_the_call()
    {
        var call = CreateTestProbe();
        Free();

        _dispatcher.Tell(Route("call-1", call));

        var offer = _alice.ExpectMsg<AgentProtocol.Offer>();
        var routed = call.ExpectMsg<CallProtocol.Routed>();
        Assert.That((offer.Call.Value, offer.CallActor), Is.EqualTo(("call-1", call.Ref)));
        Assert.That(routed.Event, Is.TypeOf<CallOffered>());
        Assert.That(routed.Agent, Is.EqualTo(_alice.Ref));
    }

    [Test]
    public void Dispatcher_must_tell_the_call_of_its_offer_before_the_agent()
    {
        // One probe stands for both, so it sees the order in which the two were told.
        var both = CreateTestProbe();
        _dispatcher.Tell(new Dispatch.RegisterAgent(new AgentProfile { Id = new AgentId("bob"), Skills = [] }, both.Ref));
        _dispatcher.Tell(new Dispatch.AgentFree(new AgentId("bob"), new AgentFairness(Clock.Now.AddHours(-1), 0)));

        _dispatcher.Tell(Route("call-1", both));

        Assert.That(both.ExpectMsg<CallProtocol.Routed>().Event, Is.TypeOf<CallOffered>());
        Assert.That(both.ExpectMsg<AgentProtocol.Offer>().Call.Value, Is.EqualTo("call-1"));
    }

    [Test]
    public void Dispatcher_must_hold_an_agents_report_of_being_free_until_the_offer_ringing_at_it_is_over()
    {
        var first = CreateTestProbe();
        var second = CreateTestProbe();
        Free();
        _dispatcher.Tell(Route("call-1", first));
        var offer = _alice.ExpectMsg<AgentProtocol.Offer>();
        _dispatcher.Tell(Route("call-2", second));
        second.ExpectMsg<CallProtocol.Routed>(m => m.Event is CallQueued);

        // The caller hung up; the agent heard of it first and reports itself free before the dispatcher hears.
        Free();
        _alice.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        _dispatcher.Tell(new Dispatch.CallGone(offer.Call));

        Assert.That(_alice.ExpectMsg<AgentProtocol.CallerLeft>().Call, Is.EqualTo(offer.Call));
        Assert.That(_alice.ExpectMsg<AgentProtocol.Offer>().Call.Value, Is.EqualTo("call-2"));
    }

    [Test]
    public void Dispatcher_must_tell_the_call_its_offer_came_back_because_the_agent_logged_out()
    {
        var call = CreateTestProbe();
        Free();
        _dispatcher.Tell(Route("call-1", call));
        var offer = _alice.ExpectMsg<AgentProtocol.Offer>();
        call.ExpectMsg<CallProtocol.Routed>(m => m.Event is CallOffered);

        _dispatcher.Tell(new Dispatch.AgentGone(Alice));

        var returned = call.ExpectMsg<CallProtocol.Routed>().Event;
        Assert.That(returned, Is.EqualTo(new OfferReturned(offer.Call, Clock.Now, Alice, offer.Epoch, OfferReturnReason.AgentLoggedOut)));
    }

    [Test]
    public void Dispatcher_must_offer_a_bounced_call_again_without_holding_it_against_the_agent()
    {
        var call = CreateTestProbe();
        Free();
        _dispatcher.Tell(Route("call-1", call));
        var offer = _alice.ExpectMsg<AgentProtocol.Offer>();

        _dispatcher.Tell(new Dispatch.OfferReturned(offer.Call, offer.Epoch, OfferReturnReason.Bounced));
        call.FishForMessage<CallProtocol.Routed>(m => m.Event is CallQueued);
        Free();

        var again = _alice.ExpectMsg<AgentProtocol.Offer>();
        Assert.That((again.Call, again.Epoch > offer.Epoch), Is.EqualTo((offer.Call, true)));
    }

    [Test]
    public void Dispatcher_must_act_on_engine_timers_when_they_fall_due()
    {
        var call = CreateTestProbe();
        _dispatcher.Tell(Route("call-1", call, tier: "VIP")); // VIP long-wait marks at 30 s and 60 s
        call.ExpectMsg<CallProtocol.Routed>(m => m.Event is CallQueued);
        var estimate = _dispatcher.Ask<Dispatch.WaitEstimateReply>(new Dispatch.EstimateWait(new CallId("call-1"))).Result;
        Assert.That(estimate.Estimate?.Position, Is.EqualTo(1), "the dispatcher has settled, its timer set");

        Clock.Advance(TimeSpan.FromSeconds(30));

        var mark = call.ExpectMsg<CallProtocol.Routed>(m => m.Event is LongWaitCrossed);
        Assert.That(((LongWaitCrossed)mark.Event).Threshold, Is.EqualTo(TimeSpan.FromSeconds(30)));
    }

    [Test]
    public void Dispatcher_must_let_go_of_an_ended_call_and_free_the_agent_it_rings_at_before_its_domain_hears_of_the_end()
    {
        // The dispatcher as a child of a probe standing in for the domain.
        var domain = CreateTestProbe();
        var configuration = new RoutingConfiguration { Queues = [new QueueConfig { Id = Main }], AntiStarvation = AntiStarvationMode.None };
        var dispatcher = domain.ChildActorOf(DispatcherActor.Props(configuration));
        var alice = CreateTestProbe();
        dispatcher.Tell(new Dispatch.RegisterAgent(new AgentProfile { Id = Alice, Skills = [] }, alice.Ref));
        dispatcher.Tell(new Dispatch.AgentFree(Alice, new AgentFairness(Clock.Now, 0)));
        var call = CreateTestProbe();
        dispatcher.Tell(Route("call-1", call));
        var offer = alice.ExpectMsg<AgentProtocol.Offer>();

        // The call ended (its news of the offer had not reached it) while the offer rang at alice.
        dispatcher.Tell(new CallProtocol.Finished(offer.Call, CallState.New(offer.Call)), call.Ref);

        var left = alice.ExpectMsg<AgentProtocol.CallerLeft>();
        Assert.That((left.Call, left.Epoch), Is.EqualTo((offer.Call, offer.Epoch)));
        var finished = domain.ExpectMsg<CallProtocol.Finished>();
        Assert.That((finished.Call, domain.LastSender), Is.EqualTo((offer.Call, call.Ref)), "passed on as the call sent it");

        // Nothing more reaches the call, even from alice's acceptance that crossed the end; alice is routable again.
        dispatcher.Tell(new Dispatch.OfferAccepted(offer.Call, offer.Epoch));
        dispatcher.Tell(new Dispatch.AgentFree(Alice, new AgentFairness(Clock.Now, 0)));
        dispatcher.Tell(Route("call-2", CreateTestProbe()));
        Assert.That(alice.FishForMessage<AgentProtocol.Offer>(_ => true).Call.Value, Is.EqualTo("call-2"));
        call.FishForMessage<CallProtocol.Routed>(m => m.Event is CallOffered);
        call.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    private void Free() => _dispatcher.Tell(new Dispatch.AgentFree(Alice, new AgentFairness(Clock.Now, 0)));

    private static Dispatch.RouteCall Route(string call, TestProbe actor, string tier = "Standard") =>
        new(new CallRequest { Id = new CallId(call), Queue = Main, Tier = new TierId(tier) }, actor.Ref);
}
