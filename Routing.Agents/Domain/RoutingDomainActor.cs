using Akka.Actor;
using Akka.Hosting;
using CallCenter.Routing.Agents.AgentActors;
using CallCenter.Routing.Agents.Calls;
using CallCenter.Routing.Agents.Dispatching;
using CallCenter.Routing.Agents.Queues;
using CallCenter.Routing.Configuration;
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
    private readonly RoutingCatalog _catalog;
    private readonly IActorRef _dispatcher;
    private readonly Dictionary<QueueId, IActorRef> _queues = [];
    private readonly Dictionary<AgentId, IActorRef> _agents = [];
    private readonly Dictionary<CallId, IActorRef> _calls = [];

    /// <summary>
    /// Ended calls, by id, for the retention: the final state only. An ended call's actor stops
    /// soon after the end (its actor costs ten times its state, and a collector that keeps a
    /// second of ended calls alive pays for every byte); a repeat from outside brings the
    /// actor back from this state to answer it exactly as before.
    /// </summary>
    private readonly Dictionary<CallId, EndedCall> _ended = [];

    /// <summary>Actors of ended calls in the order they are to stop (the linger is the same for all).</summary>
    private readonly Queue<(DateTimeOffset Due, CallId Call, IActorRef Actor)> _lingering = new();

    /// <summary>Ended calls in the order they are to be forgotten (the retention is the same for all).</summary>
    private readonly Queue<(DateTimeOffset Due, CallId Call, EndedCall Ended)> _retained = new();
    private readonly TimeSpan _linger;
    private DateTimeOffset? _retireDue;
    private long _nextChild;

    public RoutingDomainActor(RoutingConfiguration configuration, DomainSettings settings)
    {
        _settings = settings;
        _linger = settings.EndedCallActorLinger < settings.EndedCallRetention ? settings.EndedCallActorLinger : settings.EndedCallRetention;
        _catalog = new RoutingCatalog(configuration);
        _dispatcher = Context.ActorOf(DispatcherActor.Props(configuration), "dispatcher");

        // A domain without its dispatcher cannot route: it fails with it (an unhandled Terminated).
        // Watching something also keeps Akka's full watch state in place, which an actor that
        // watches nothing rebuilds and throws away for every child that stops (every retired call).
        Context.Watch(_dispatcher);
        var threshold = configuration.Tiers[0].ServiceLevelThreshold;
        foreach (var queue in configuration.Queues)
        {
            _queues[queue.Id] = Context.ActorOf(QueueActor.Props(queue, threshold, _dispatcher), $"queue-{_nextChild++}");
        }

        Receive<IAgentMessage>(HandleAgentMessage);
        Receive<CallProtocol.Arrive>(m => ForNewOrKnownCall(m.Call, m, CallActor.Check(m, _catalog)));
        Receive<CallProtocol.ScheduleCallback>(m => ForNewOrKnownCall(m.Call, m, CallActor.Check(m, _catalog, Context.System.Scheduler.Now)));
        Receive<ICallMessage>(HandleCallMessage);
        Receive<QueueProtocol.IQueueMessage>(HandleQueueMessage);
        Receive<CallProtocol.Retired>(HandleRetired);
        Receive<CallProtocol.Finished>(HandleFinished);
        Receive<RetireDue>(_ => HandleRetireDue());
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(RoutingConfiguration configuration, DomainSettings settings) =>
        Akka.Actor.Props.Create(() => new RoutingDomainActor(configuration, settings));

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

        Sender.Tell(message is CallProtocol.GetState
            ? new Status.Failure(new KeyNotFoundException($"call '{message.Call}' is not known"))
            : new CommandResult(Outcome.NotFound("callId", $"call '{message.Call}' is not known")));
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
        if (_calls.TryGetValue(id, out var call))
        {
            return call;
        }

        // Not watched: a call actor stops only when its domain retires it (a failure restarts it),
        // and a watch per call costs a death-watch entry and two system messages.
        if (_ended.TryGetValue(id, out var ended))
        {
            // Ended, its actor already stopped: brought back with its final state, for a while.
            call = Context.ActorOf(CallActor.Restore(ended.State, ended.CountedIn, _dispatcher, _queues, _catalog, _settings), "call-" + _nextChild++);
            _calls[id] = call;
            Linger(id, call);
            return call;
        }

        if (!create)
        {
            return null;
        }

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

    private void HandleFinished(CallProtocol.Finished message)
    {
        if (!_calls.TryGetValue(message.Call, out var call) || !call.Equals(Sender))
        {
            return;
        }

        var ended = new EndedCall(message.State, message.CountedIn);
        _ended[message.Call] = ended;
        var now = Context.System.Scheduler.Now;
        _retained.Enqueue((now + _settings.EndedCallRetention, message.Call, ended));
        Linger(message.Call, call);
    }

    /// <summary>
    /// The ended call's actor stays a moment for what other actors had already sent it (from outside,
    /// everything comes through here); then the stored final state answers.
    /// </summary>
    private void Linger(CallId id, IActorRef call)
    {
        var due = Context.System.Scheduler.Now + _linger;
        _lingering.Enqueue((due, id, call));
        if (_retireDue is null || due < _retireDue)
        {
            ScheduleRetire(due);
        }
    }

    private void HandleRetireDue()
    {
        _retireDue = null;
        var now = Context.System.Scheduler.Now;
        while (_lingering.TryPeek(out var lingering) && lingering.Due <= now)
        {
            _lingering.Dequeue();

            // Only that actor: a call retired early and then started again under its id is another actor.
            if (_calls.TryGetValue(lingering.Call, out var call) && call.Equals(lingering.Actor))
            {
                _calls.Remove(lingering.Call);
                call.Tell(PoisonPill.Instance);
            }
        }

        while (_retained.TryPeek(out var retained) && retained.Due <= now)
        {
            _retained.Dequeue();
            if (_ended.TryGetValue(retained.Call, out var ended) && ReferenceEquals(ended, retained.Ended))
            {
                _ended.Remove(retained.Call);
            }
        }

        DateTimeOffset? next = _lingering.TryPeek(out var nextLingering) ? nextLingering.Due : null;
        if (_retained.TryPeek(out var nextRetained) && (next is null || nextRetained.Due < next))
        {
            next = nextRetained.Due;
        }

        if (next is { } due)
        {
            ScheduleRetire(due);
        }
    }

    private void ScheduleRetire(DateTimeOffset due)
    {
        _retireDue = due;
        var delay = due - Context.System.Scheduler.Now;
        Timers.StartSingleTimer(RetireTimer, RetireDue.Instance, delay > TimeSpan.Zero ? delay : TimeSpan.Zero);
    }

    /// <summary>What an ended call's actor needs to be brought back exactly as it was.</summary>
    private sealed record EndedCall(Lifecycle.CallState State, QueueId? CountedIn);

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
        builder.WithActors((system, registry) =>
        {
            var domain = system.ActorOf(RoutingDomainActor.Props(configuration, settings ?? new DomainSettings()), "routing");
            registry.Register<RoutingDomainActor>(domain);
        });
}
