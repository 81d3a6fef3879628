using Akka.Actor;
using Akka.Hosting;
using CallCenter.Routing.Agents.AgentActors;
using CallCenter.Routing.Agents.Calls;
using CallCenter.Routing.Agents.Dispatching;
using CallCenter.Routing.Agents.Queues;
using CallCenter.Routing.Configuration;
using CallCenter.Routing.Lifecycle;
using CallCenter.Routing.Matching;
using CallCenter.Routing.Model;

namespace CallCenter.Routing.Agents.Domain;

/// <summary>
/// One routing domain (a contact centre, a tenant, a site): its dispatcher, queues, agents
/// and calls live together as its children, so a routing decision never crosses a network.
/// Everything from outside comes through here and is handed to the child it names.
/// </summary>
public sealed class RoutingDomainActor : ReceiveActor, IWithTimers
{
    private const string RetireTimer = "retire-ended-calls";

    private readonly DomainSettings _settings;
    private RoutingCatalog _catalog;
    private RoutingConfiguration _configuration;
    private readonly IActorRef _dispatcher;
    private readonly Dictionary<QueueId, IActorRef> _queues = [];
    private readonly Dictionary<AgentId, IActorRef> _agents = [];
    private readonly Dictionary<CallId, IActorRef> _calls = [];

    /// <summary>
    /// Ended calls, for the retention: what repeats and queries are answered from. Their actors
    /// are stopped at the end: an actor costs many times its state, and a collector that keeps
    /// minutes of ended calls' actors alive pays for every byte of them.
    /// </summary>
    private readonly Dictionary<CallId, EndedCall> _ended = [];

    /// <summary>Ended calls in the order they ended, so the first is always the next to forget.</summary>
    private readonly Queue<(DateTimeOffset Due, EndedCall Final)> _retained = new();
    private long _nextChild;

    public RoutingDomainActor(RoutingConfiguration configuration, DomainSettings settings)
    {
        _settings = settings;
        _configuration = configuration;
        _catalog = new RoutingCatalog(configuration);
        _dispatcher = Context.ActorOf(DispatcherActor.Props(configuration), "dispatcher");

        // A domain without its dispatcher cannot route: it fails with it (an unhandled Terminated).
        // Watching something also keeps Akka's full watch state in place, which an actor that
        // watches nothing rebuilds and throws away for every child that stops (every ended call).
        Context.Watch(_dispatcher);
        StartNewQueues();

        Receive<IAgentMessage>(HandleAgentMessage);
        Receive<CallProtocol.Arrive>(m => ForNewOrKnownCall(m.Call, m, CallActor.Check(m, _catalog)));
        Receive<CallProtocol.ScheduleCallback>(m => ForNewOrKnownCall(m.Call, m, CallActor.Check(m, _catalog, Context.System.Scheduler.Now)));
        Receive<ICallMessage>(HandleCallMessage);
        Receive<QueueProtocol.IQueueMessage>(HandleQueueMessage);
        Receive<CallProtocol.Retired>(HandleRetired);
        Receive<CallProtocol.Finished>(HandleFinished);
        Receive<RetireDue>(_ => HandleRetireDue());
        Receive<Dispatch.Reconfigure>(m => _dispatcher.Forward(m));
        Receive<Dispatch.Reconfigured>(HandleReconfigured);
        Receive<DomainProtocol.GetConfiguration>(_ => Sender.Tell(_configuration));
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(RoutingConfiguration configuration, DomainSettings settings) =>
        Akka.Actor.Props.Create(() => new RoutingDomainActor(configuration, settings));

    /// <summary>New calls are checked against the new configuration; new queues get their actors.</summary>
    private void HandleReconfigured(Dispatch.Reconfigured message)
    {
        _configuration = message.Configuration;
        _catalog = new RoutingCatalog(_configuration);
        StartNewQueues();
    }

    /// <summary>Gives every queue of the configuration that has none yet its actor.</summary>
    private void StartNewQueues()
    {
        var threshold = _configuration.Tiers[0].ServiceLevelThreshold;
        foreach (var queue in _configuration.Queues.Where(q => !_queues.ContainsKey(q.Id)))
        {
            _queues[queue.Id] = Context.ActorOf(QueueActor.Props(queue, threshold, _dispatcher), $"queue-{_nextChild++}");
        }
    }

    private void HandleAgentMessage(IAgentMessage message)
    {
        if (!_agents.TryGetValue(message.Agent, out var agent))
        {
            // Agents are kept after they log out: their fairness counters must survive a new login.
            agent = Context.ActorOf(AgentActor.Props(message.Agent, _dispatcher, _settings.Agents), $"agent-{_nextChild++}");
            _agents[message.Agent] = agent;
        }

        agent.Forward(message);
    }

    /// <summary>A message that may start a call: refused here, before any actor exists, if it is bad.</summary>
    private void ForNewOrKnownCall(CallId id, ICallMessage message, Outcome? problem)
    {
        if (AnsweredAfterEnd(message))
        {
            return;
        }

        if (CallFor(id, create: false) is null && problem is { } refusal)
        {
            Sender.Tell(new CommandResult(refusal));
            return;
        }

        CallFor(id, create: true)!.Forward(message);
    }

    private void HandleCallMessage(ICallMessage message)
    {
        if (CallFor(message.Call, create: false) is { } call)
        {
            call.Forward(message);
            return;
        }

        if (AnsweredAfterEnd(message))
        {
            return;
        }

        Sender.Tell(message is CallProtocol.GetState
            ? new Status.Failure(new KeyNotFoundException($"call '{message.Call}' is not known"))
            : new CommandResult(Outcome.NotFound("callId", $"call '{message.Call}' is not known")));
    }

    /// <summary>A message for an ended call is answered from its final state, as its actor would have answered.</summary>
    private bool AnsweredAfterEnd(ICallMessage message)
    {
        if (!_ended.TryGetValue(message.Call, out var final))
        {
            return false;
        }

        if (CallActor.AnswerAfterEnd(final.ToState(), message, Context.System.Scheduler.Now) is { } answer)
        {
            Sender.Tell(answer);
        }
        else
        {
            Unhandled(message);
        }

        return true;
    }

    private void HandleQueueMessage(QueueProtocol.IQueueMessage message)
    {
        if (_queues.TryGetValue(message.Queue, out var queue))
        {
            queue.Forward(message);
        }
        else if (message is QueueProtocol.GetSnapshot)
        {
            Sender.Tell(new Status.Failure(new KeyNotFoundException($"queue '{message.Queue}' is not known")));
        }
    }

    private IActorRef? CallFor(CallId id, bool create)
    {
        if (_calls.TryGetValue(id, out var call) || !create)
        {
            return call;
        }

        // Not watched: a call actor stops only when its domain stops it, at the end (a failure restarts it),
        // and a watch per call costs a death-watch entry and two system messages.
        call = Context.ActorOf(CallActor.Props(id, _dispatcher, _queues, _catalog, _settings), "call-" + _nextChild++);
        _calls[id] = call;
        return call;
    }

    private void HandleRetired(CallProtocol.Retired message)
    {
        _ended.Remove(message.Call);
        if (_calls.Remove(message.Call, out var call))
        {
            call.Tell(PoisonPill.Instance);
        }
    }

    /// <summary>
    /// The call ended, and its dispatcher has let go of it (this comes through the dispatcher): its
    /// final state is kept for the retention, and its actor stops after what was already sent to it.
    /// The retention is the same for every call, so ends queue in order.
    /// </summary>
    private void HandleFinished(CallProtocol.Finished message)
    {
        // Only the actor that ended: a call retired early and then started again under its id is another actor.
        if (!_calls.TryGetValue(message.Call, out var call) || !call.Equals(Sender))
        {
            return;
        }

        _calls.Remove(message.Call);
        call.Tell(PoisonPill.Instance);
        var final = EndedCall.Of(message.Final);
        _ended[message.Call] = final;
        _retained.Enqueue((Context.System.Scheduler.Now + _settings.EndedCallRetention, final));
        if (_retained.Count == 1)
        {
            Timers.StartSingleTimer(RetireTimer, RetireDue.Instance, _settings.EndedCallRetention);
        }
    }

    private void HandleRetireDue()
    {
        var now = Context.System.Scheduler.Now;
        while (_retained.TryPeek(out var retained) && retained.Due <= now)
        {
            _retained.Dequeue();

            // Only that end: a call retired early, started again under its id and ended again is kept anew.
            if (_ended.TryGetValue(retained.Final.Id, out var final) && final == retained.Final)
            {
                _ended.Remove(retained.Final.Id);
            }
        }

        if (_retained.TryPeek(out var next))
        {
            Timers.StartSingleTimer(RetireTimer, RetireDue.Instance, next.Due - now);
        }
    }

    private sealed record RetireDue
    {
        public static readonly RetireDue Instance = new();

        private RetireDue()
        {
        }
    }
}

/// <summary>Registers a routing domain with Akka.Hosting, so the host can ask for it by type.</summary>
public static class RoutingDomainHosting
{
    public static AkkaConfigurationBuilder WithRoutingDomain(
        this AkkaConfigurationBuilder builder, RoutingConfiguration configuration, DomainSettings? settings = null) =>
        builder.AddHocon(CompactMailbox.Configuration, HoconAddMode.Append).WithActors((system, registry) =>
        {
            var domain = system.ActorOf(RoutingDomainActor.Props(configuration, settings ?? new DomainSettings()), "routing");
            registry.Register<RoutingDomainActor>(domain);
        });
}
