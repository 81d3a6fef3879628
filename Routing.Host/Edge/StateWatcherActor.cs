using System.Threading.Channels;
using Akka.Actor;
using CallCenter.Protos.V1;
using CallCenter.Routing.Operations;

namespace CallCenter.Routing.Host.Edge;

/// <summary>Stands for one operator's watch stream among the state view's watchers.</summary>
public sealed class StateWatcherActor : ReceiveActor
{
    private readonly ChannelWriter<WatchUpdate> _updates;

    public StateWatcherActor(ChannelWriter<WatchUpdate> updates)
    {
        _updates = updates;
        Receive<StateSnapshot>(s => _updates.TryWrite(new WatchUpdate { Sequence = s.Sequence, Snapshot = s.ToProto() }));
        Receive<StateChange>(c => _updates.TryWrite(c.ToProto()));
    }

    public static Props Props(ChannelWriter<WatchUpdate> updates) => Akka.Actor.Props.Create(() => new StateWatcherActor(updates));

    protected override void PostStop() => _updates.TryComplete();
}
