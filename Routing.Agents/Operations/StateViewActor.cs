using Akka.Actor;
using CallCenter.Routing.Agents.AgentActors;
using CallCenter.Routing.Agents.Calls;
using CallCenter.Routing.Lifecycle;
using CallCenter.Routing.Operations;

namespace CallCenter.Routing.Agents.Operations;

/// <summary>
/// The operators' view: follows every call and agent event published in the actor system and
/// serves snapshots, histories and a numbered change feed. Being one actor, a snapshot and the
/// changes after it never interleave, so a wallboard never shows a torn state.
/// </summary>
public sealed class StateViewActor : ReceiveActor
{
    private readonly RoutingStateView _view;
    private readonly HashSet<IActorRef> _watchers = [];

    public StateViewActor(RoutingStateView view)
    {
        _view = view;
        Receive<CallEvent>(e => Broadcast(_view.Apply(e)));
        Receive<AgentProtocol.Checkpoint>(m => Broadcast(_view.Apply(AgentRecovery.Restore(m.State))));
        Receive<CallProtocol.Recovered>(m => Broadcast(_view.Restore(m.Journal)));
        Receive<AgentProtocol.Recovered>(m => Broadcast(_view.Restore(AgentRecovery.Restore(m.State))));
        Receive<StateViewProtocol.GetSnapshot>(_ => Sender.Tell(_view.Snapshot()));
        Receive<StateViewProtocol.GetCallHistory>(m => Sender.Tell(new StateViewProtocol.CallHistoryReply(_view.History(m.Call))));
        Receive<StateViewProtocol.GetAgent>(m => Sender.Tell(new StateViewProtocol.AgentReply(_view.Agent(m.Agent))));
        Receive<StateViewProtocol.StartWatching>(HandleStartWatching);
        Receive<StateViewProtocol.StopWatching>(m => Unwatch(m.Watcher));
        Receive<Terminated>(m => Unwatch(m.ActorRef));
    }

    public static Props Props(RoutingStateView? view = null) =>
        Akka.Actor.Props.Create(() => new StateViewActor(view ?? new RoutingStateView()));

    protected override void PreStart()
    {
        Context.System.EventStream.Subscribe(Self, typeof(CallEvent));
        // An agent's checkpoint is its state after a whole decision: what operators see, with no passing states.
        Context.System.EventStream.Subscribe(Self, typeof(AgentProtocol.Checkpoint));
        Context.System.EventStream.Subscribe(Self, typeof(CallProtocol.Recovered));
        Context.System.EventStream.Subscribe(Self, typeof(AgentProtocol.Recovered));
    }

    protected override void PostStop() => Context.System.EventStream.Unsubscribe(Self);

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
