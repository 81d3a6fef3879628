using Akka.Actor;
using Akka.Event;
using CallCenter.Routing.Agents.AgentActors;
using CallCenter.Routing.Agents.Calls;
using CallCenter.Routing.Agents.Domain;
using CallCenter.Routing.Lifecycle;
using CallCenter.Routing.Operations;

namespace CallCenter.Routing.Agents.Operations;

/// <summary>
/// The operators' view of one routing domain: a child of the domain, it follows the events the
/// domain's actors publish on the node's event stream and serves snapshots, histories and a numbered
/// change feed. Being one actor, a snapshot and the changes after it never interleave, so a wallboard
/// never shows a torn state. It stops with its domain, which ends its watchers' feeds.
/// </summary>
public sealed class StateViewActor : ReceiveActor
{
    private readonly string _domain;
    private readonly RoutingStateView _view;
    private readonly HashSet<IActorRef> _watchers = [];

    public StateViewActor(string domain, RoutingStateView view)
    {
        _domain = domain;
        _view = view;
        Receive<DomainEvent<CallEvent>>(e => Broadcast(_view.Apply(e.Event)), Mine);
        Receive<DomainEvent<AgentProtocol.Checkpoint>>(m => Broadcast(_view.Apply(AgentRecovery.Restore(m.Event.State))), Mine);
        Receive<DomainEvent<CallProtocol.Recovered>>(m => Broadcast(_view.Restore(m.Event.Journal)), Mine);
        Receive<DomainEvent<AgentProtocol.Recovered>>(m => Broadcast(_view.Restore(AgentRecovery.Restore(m.Event.State))), Mine);
        Receive<StateViewProtocol.GetSnapshot>(_ => Sender.Tell(_view.Snapshot()));
        Receive<StateViewProtocol.GetCallHistory>(m => Sender.Tell(new StateViewProtocol.CallHistoryReply(_view.History(m.Call))));
        Receive<StateViewProtocol.GetAgent>(m => Sender.Tell(new StateViewProtocol.AgentReply(_view.Agent(m.Agent))));
        Receive<StateViewProtocol.StartWatching>(HandleStartWatching);
        Receive<StateViewProtocol.StopWatching>(m => Unwatch(m.Watcher));
        Receive<Terminated>(m => Unwatch(m.ActorRef));
    }

    public static Props Props(string domain = DomainEvents.DefaultDomain, RoutingStateView? view = null) =>
        Akka.Actor.Props.Create(() => new StateViewActor(domain, view ?? new RoutingStateView()));

    /// <summary>
    /// Subscribes <paramref name="view"/> to what it follows, at once: its own start runs later, after
    /// the events of a recovery that its domain publishes right after making it.
    /// </summary>
    public static void Subscribe(EventStream events, IActorRef view)
    {
        events.Subscribe(view, typeof(DomainEvent<CallEvent>));
        // An agent's checkpoint is its state after a whole decision: what operators see, with no passing states.
        events.Subscribe(view, typeof(DomainEvent<AgentProtocol.Checkpoint>));
        events.Subscribe(view, typeof(DomainEvent<CallProtocol.Recovered>));
        events.Subscribe(view, typeof(DomainEvent<AgentProtocol.Recovered>));
    }

    protected override void PreStart() => Subscribe(Context.System.EventStream, Self);

    protected override void PostStop() => Context.System.EventStream.Unsubscribe(Self);

    private bool Mine<T>(DomainEvent<T> e) => e.Domain == _domain;

    private void HandleStartWatching(StateViewProtocol.StartWatching message)
    {
        var watcher = message.Watcher;
        if (message.ResumeAfter > 0 && _view.ChangesAfter(message.ResumeAfter) is { } missed)
        {
            foreach (var change in missed)
            {
                watcher.Tell(change);
            }
        }
        else
        {
            watcher.Tell(_view.Snapshot());
        }

        if (_watchers.Add(watcher))
        {
            Context.Watch(watcher);
        }
    }

    private void Unwatch(IActorRef watcher)
    {
        if (_watchers.Remove(watcher))
        {
            Context.Unwatch(watcher);
        }
    }

    private void Broadcast(StateChange? change)
    {
        if (change is null)
        {
            return;
        }

        foreach (var watcher in _watchers)
        {
            watcher.Tell(change);
        }
    }
}
