using Akka.Actor;
using Akka.Event;
using CallCenter.Routing.Agents.AgentActors;
using CallCenter.Routing.Agents.Calls;
using CallCenter.Routing.Agents.Domain;
using CallCenter.Routing.Configuration;
using CallCenter.Routing.Lifecycle;
using CallCenter.Routing.Matching;
using CallCenter.Routing.Model;

namespace CallCenter.Routing.Agents.Dispatching;

/// <summary>
/// Makes every matching decision of one routing domain, one at a time, with the core's
/// engine; tells the call and the agent of each decision, and they carry it out. Matching
/// and nothing else: no call or agent state lives here beyond the engine's index.
/// </summary>
public sealed class DispatcherActor : ReceiveActor, IWithTimers
{
    private const string TickTimer = "engine-due";

    private readonly RoutingEngine _engine;
    private readonly Dictionary<AgentId, IActorRef> _agents = [];
    private readonly Dictionary<CallId, IActorRef> _calls = [];

    /// <summary>Calls whose offers are outbound callbacks, so the agent's softphone can say so.</summary>
    private readonly HashSet<CallId> _callbacks = [];

    /// <summary>
    /// Agents that reported themselves free while the engine still had an offer ringing at them
    /// (the caller hung up and the two news crossed): they are made free once that offer is over.
    /// </summary>
    private readonly Dictionary<AgentId, AgentFairness> _pendingFree = [];
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private DateTimeOffset? _tickDue;

    /// <summary>The domain the dispatcher decides for, which marks its decisions on the event stream.</summary>
    private readonly string _domain;

    public DispatcherActor(RoutingConfiguration configuration, long firstEpoch = 1, string domain = DomainEvents.DefaultDomain)
    {
        _domain = domain;
        _engine = new RoutingEngine(configuration, firstEpoch);
        Receive<Dispatch.RouteCall>(HandleRouteCall);
        Receive<Dispatch.RegisterAgent>(HandleRegisterAgent);
        Receive<Dispatch.AgentFree>(HandleAgentFree);
        Receive<Dispatch.AgentAway>(HandleAgentAway);
        Receive<Dispatch.AgentGone>(HandleAgentGone);
        Receive<Dispatch.OfferAccepted>(HandleOfferAccepted);
        Receive<Dispatch.OfferReturned>(HandleOfferReturned);
        Receive<Dispatch.CallGone>(HandleCallGone);
        Receive<CallProtocol.Finished>(HandleCallFinished);
        Receive<Dispatch.RecordHandleTime>(m => _engine.RecordHandleTime(m.Queue, m.HandleTime));
        Receive<Dispatch.EstimateWait>(m => Sender.Tell(new Dispatch.WaitEstimateReply(m.Call, _engine.GetWaitEstimate(m.Call))));
        Receive<Dispatch.GetQueueView>(m => Sender.Tell(new Dispatch.QueueViewReply(m.Queue, _engine.GetQueue(m.Queue, Now))));
        Receive<Dispatch.Tick>(_ => HandleTick());
        Receive<Dispatch.Reconfigure>(HandleReconfigure);
        Receive<Dispatch.BecameCallback>(m => _callbacks.Add(m.Call));
        Receive<Dispatch.Restore>(HandleRestore);
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(RoutingConfiguration configuration, long firstEpoch = 1, string domain = DomainEvents.DefaultDomain) =>
        Akka.Actor.Props.Create(() => new DispatcherActor(configuration, firstEpoch, domain));

    private DateTimeOffset Now => Context.System.Scheduler.Now;

    private void HandleRouteCall(Dispatch.RouteCall message)
    {
        _calls[message.Request.Id] = message.Call;
        if (message.IsCallback)
        {
            _callbacks.Add(message.Request.Id);
        }

        var result = _engine.CallArrived(message.Request, Now);
        if (!result.Outcome.Succeeded)
        {
            ForgetCall(message.Request.Id);
            message.Call.Tell(new CallProtocol.RoutingRefused(message.Request.Id, result.Outcome));
        }

        Carry(result.Events);
    }

    private void HandleRestore(Dispatch.Restore message)
    {
        foreach (var restored in message.Agents)
        {
            HandleRegisterAgent(new Dispatch.RegisterAgent(restored.Profile, restored.Agent));
            if (restored.Staffed)
            {
                _engine.AgentBusy(restored.Profile.Id);
            }
        }

        foreach (var (agent, backup) in message.Backups)
        {
            var outcome = _engine.RememberBackup(agent, backup);
            if (!outcome.Succeeded)
            {
                _log.Warning("The backup of agent {0} could not be restored: {1}", agent, outcome);
            }
        }

        var now = Now;
        foreach (var waiting in message.Calls)
        {
            var id = waiting.Routing.Request.Id;
            _calls[id] = waiting.Call;
            if (waiting.IsCallback)
            {
                _callbacks.Add(id);
            }

            var result = _engine.RestoreWaitingCall(waiting.Routing, now);
            if (!result.Outcome.Succeeded)
            {
                // The configuration changed under it (a queue or skill gone): it cannot wait where it was.
                _log.Warning("Call {0} could not be restored to routing: {1}", id, result.Outcome);
                ForgetCall(id);
                waiting.Call.Tell(new CallProtocol.RoutingRefused(id, result.Outcome));
            }

            Carry(result.Events);
        }

        // Every call is back: those past their maximum wait move on, each finding the queues as full as they are.
        Carry(_engine.RestoreDone(now));
    }

    /// <summary>The call is no longer the dispatcher's to route.</summary>
    private void ForgetCall(CallId call)
    {
        _calls.Remove(call);
        _callbacks.Remove(call);
    }

    private void HandleRegisterAgent(Dispatch.RegisterAgent message)
    {
        _agents[message.Profile.Id] = message.Agent;
        var outcome = _engine.LogIn(message.Profile);
        if (outcome.Code is not (OutcomeCode.Ok or OutcomeCode.AlreadyExists))
        {
            _log.Warning("Agent {0} could not be registered for routing: {1}", message.Profile.Id, outcome);
        }
    }

    private void HandleAgentFree(Dispatch.AgentFree message)
    {
        if (_engine.RingingAt(message.Agent) is not null)
        {
            _pendingFree[message.Agent] = message.Fairness;
            return;
        }

        Carry(_engine.AgentAvailable(message.Agent, message.Fairness, Now));
    }

    private void HandleAgentAway(Dispatch.AgentAway message)
    {
        _pendingFree.Remove(message.Agent);
        Carry(_engine.AgentAway(message.Agent, Now));
    }

    private void HandleAgentGone(Dispatch.AgentGone message)
    {
        _pendingFree.Remove(message.Agent);
        Carry(_engine.LogOut(message.Agent, Now));
        _agents.Remove(message.Agent);
    }

    private void HandleOfferAccepted(Dispatch.OfferAccepted message)
    {
        var ringing = _engine.GetOffer(message.Call);
        if (_engine.OfferAccepted(message.Call, message.Epoch).Code == OutcomeCode.Ok)
        {
            ForgetCall(message.Call);
            _pendingFree.Remove(ringing!.Value.Agent);
        }

        ScheduleTick();
    }

    private void HandleOfferReturned(Dispatch.OfferReturned message)
    {
        var ringing = _engine.GetOffer(message.Call);
        Carry(_engine.OfferDeclined(message.Call, message.Epoch, Now, message.Reason));
        ReleasePendingFree(ringing?.Agent);
    }

    private void HandleCallGone(Dispatch.CallGone message) => LetGoOf(message.Call, WithdrawalReason.CallTakenBack);

    /// <summary>Routing lets go of the call; an agent an offer of it still rings at is told, and why.</summary>
    private void LetGoOf(CallId call, WithdrawalReason reason)
    {
        var ringing = _engine.GetOffer(call);
        var result = _engine.CallRemoved(call, Now);
        ForgetCall(call);
        if (ringing is { } offer && _agents.TryGetValue(offer.Agent, out var agent))
        {
            agent.Tell(new AgentProtocol.CallerLeft(offer.Agent, call, offer.Epoch) { Reason = reason });
        }

        Carry(result.Events);
        ReleasePendingFree(ringing?.Agent);
    }

    /// <summary>
    /// An ended call is forgotten here before its domain stops its actor: routing lets go of it (an
    /// agent an offer of it still rings at is told), so nothing from here reaches the actor after it.
    /// </summary>
    private void HandleCallFinished(CallProtocol.Finished message)
    {
        if (_calls.ContainsKey(message.Call))
        {
            LetGoOf(message.Call, WithdrawalReasons.OfCallEnd(message.Final.Outcome));
        }

        Context.Parent.Forward(message);
    }

    private void ReleasePendingFree(AgentId? agent)
    {
        if (agent is { } id && _engine.RingingAt(id) is null && _pendingFree.Remove(id, out var fairness))
        {
            Carry(_engine.AgentAvailable(id, fairness, Now));
        }
    }

    private void HandleTick()
    {
        _tickDue = null;
        Carry(_engine.Advance(Now));
    }

    private void HandleReconfigure(Dispatch.Reconfigure message)
    {
        var outcome = _engine.Reconfigure(message.Next);
        if (outcome.Code == OutcomeCode.Ok)
        {
            // The parent learns first, so a call for a new queue sent after the answer finds it known.
            Context.Parent.Tell(new Dispatch.Reconfigured(message.Next));
        }

        Sender.Tell(new CommandResult(outcome));
    }

    private void Carry(RoutingResult result) => Carry(result.Events);

    /// <summary>Tells the call (and for an offer, the agent) of each decision, in the engine's order.</summary>
    private void Carry(IReadOnlyList<RoutingEvent> events)
    {
        for (var i = 0; i < events.Count; i++)
        {
            var routingEvent = events[i];
            if (!_calls.TryGetValue(routingEvent.Call, out var call))
            {
                continue;
            }

            if (routingEvent is not CallOffered offer)
            {
                call.Tell(new CallProtocol.Routed(routingEvent));
            }
            else if (_agents.TryGetValue(offer.Agent, out var agent))
            {
                // The call hears of its offer before the agent does, so an answer can never reach the call first.
                call.Tell(new CallProtocol.Routed(routingEvent, agent));
                Context.System.EventStream.Publish(_domain, new Dispatch.DecisionMade(offer, _engine.Configuration.Version));
                agent.Tell(new AgentProtocol.Offer(offer.Agent, offer.Call, offer.Epoch, offer.Queue, call) { IsCallback = _callbacks.Contains(offer.Call) });
            }
            else
            {
                // The agent's actor is gone: the offer bounces at once.
                call.Tell(new CallProtocol.Routed(routingEvent));
                Self.Tell(new Dispatch.OfferReturned(offer.Call, offer.Epoch, OfferReturnReason.Bounced));
            }

            if (routingEvent is CallRefused)
            {
                ForgetCall(routingEvent.Call);
            }
        }

        ScheduleTick();
    }

    /// <summary>One timer, set for the engine's next due time, so the engine acts on time without polling.</summary>
    private void ScheduleTick()
    {
        var due = _engine.NextDueTime;
        if (due == _tickDue)
        {
            return;
        }

        _tickDue = due;
        if (due is { } at)
        {
            var delay = at - Now;
            Timers.StartSingleTimer(TickTimer, Dispatch.Tick.Instance, delay > TimeSpan.Zero ? delay : TimeSpan.Zero);
        }
        else
        {
            Timers.Cancel(TickTimer);
        }
    }
}
