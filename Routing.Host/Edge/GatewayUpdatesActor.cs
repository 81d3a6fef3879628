using Akka.Actor;
using CallCenter.Routing.Agents.Domain;
using Akka.Cluster;
using CallCenter.Protos.V1;
using CallCenter.Routing.Agents.Serialization;
using CallCenter.Routing.Lifecycle;

namespace CallCenter.Routing.Host.Edge;

/// <summary>
/// Follows the calls' events of the domains on this node and tells each call's gateway what it must
/// act on: ring an agent, stop ringing, connect, announce, overflow, refusal, end. Events of one call
/// reach it, and so the gateway, in the call's own order. A gateway not connected to this node may
/// be connected to another node of the cluster: the event goes to that node's actor too (one sender,
/// one receiver: the order holds), which writes it to the gateway's stream if it is there.
/// </summary>
public sealed class GatewayUpdatesActor : ReceiveActor
{
    /// <summary>Its name under /user on every node, where peers find it.</summary>
    public const string Name = "gateway-updates";

    private readonly GatewayRegistry _registry;
    private readonly Dictionary<Address, ActorSelection> _peers = [];

    public GatewayUpdatesActor(GatewayRegistry registry)
    {
        _registry = registry;
        Receive<DomainEvent<CallEvent>>(e => HandleCallEvent(e.Event));
        Receive<FromPeer>(HandleFromPeer);
        Receive<ClusterEvent.MemberUp>(m => AddPeer(m.Member));
        Receive<ClusterEvent.MemberRemoved>(m => _peers.Remove(m.Member.Address));
        Receive<ClusterEvent.IMemberEvent>(_ => { });
    }

    public static Props Props(GatewayRegistry registry) => Akka.Actor.Props.Create(() => new GatewayUpdatesActor(registry));

    /// <summary>A node of a cluster (an actor system run in virtual time is none): it has peers.</summary>
    private static bool InCluster => ((ExtendedActorSystem)Context.System).Provider is IClusterActorRefProvider;

    protected override void PreStart()
    {
        Context.System.EventStream.Subscribe(Self, typeof(DomainEvent<CallEvent>));
        if (InCluster)
        {
            Akka.Cluster.Cluster.Get(Context.System).Subscribe(Self, ClusterEvent.InitialStateAsEvents, typeof(ClusterEvent.IMemberEvent));
        }
    }

    protected override void PostStop()
    {
        Context.System.EventStream.Unsubscribe(Self);
        if (InCluster)
        {
            Akka.Cluster.Cluster.Get(Context.System).Unsubscribe(Self);
        }
    }

    private void AddPeer(Member member)
    {
        if (member.Address != Akka.Cluster.Cluster.Get(Context.System).SelfAddress)
        {
            _peers[member.Address] = Context.ActorSelection(new RootActorPath(member.Address) / "user" / Name);
        }
    }

    private void HandleCallEvent(CallEvent callEvent)
    {
        if (ToUpdate(callEvent) is { } update
            && !_registry.Deliver(callEvent.Call, new GatewayReply { CallUpdate = update }, last: callEvent is CallEvent.Ended))
        {
            foreach (var peer in _peers.Values)
            {
                peer.Tell(new FromPeer(callEvent));
            }
        }
    }

    private void HandleFromPeer(FromPeer message)
    {
        if (ToUpdate(message.Event) is { } update)
        {
            _registry.DeliverFromPeer(message.Event.Call, new GatewayReply { CallUpdate = update }, last: message.Event is CallEvent.Ended);
        }
    }

    /// <summary>A call's event from the node its domain runs on, for a gateway that may be connected here.</summary>
    public sealed record FromPeer(CallEvent Event) : IRoutingMessage;

    /// <summary>The update a gateway acts on, or null for events that are routing's own business.</summary>
    public static CallUpdate? ToUpdate(CallEvent callEvent)
    {
        var update = new CallUpdate { CallId = callEvent.Call.Value, Sequence = callEvent.Sequence, At = callEvent.At.ToProto() };
        switch (callEvent)
        {
            case CallEvent.Offered offered:
                update.RingAgent = new RingAgent { AgentId = offered.Offer.Agent.Value, Epoch = offered.Offer.Epoch };
                break;
            case CallEvent.TransferTargetOffered offered:
                update.RingAgent = new RingAgent { AgentId = offered.Offer.Agent.Value, Epoch = offered.Offer.Epoch };
                break;
            case CallEvent.OfferReturned returned:
                update.RingCancelled = Cancelled(returned.Offer, returned.Reason);
                break;
            case CallEvent.TransferTargetReturned returned:
                update.RingCancelled = Cancelled(returned.Offer, returned.Reason);
                break;
            case CallEvent.Connected connected:
                update.ConnectAgent = new ConnectAgent { AgentId = connected.Connection.Agent.Value, Epoch = connected.Connection.Epoch };
                break;
            case CallEvent.Queued queued:
                update.Announcement = Announce(queued.Queue.Value, queued.Position, queued.EstimatedWait);
                break;
            case CallEvent.PositionAnnounced announced:
                update.Announcement = Announce(announced.Queue?.Value ?? "", announced.Position, announced.EstimatedWait);
                break;
            case CallEvent.Overflowed overflowed:
                update.Overflowed = new Overflowed { FromQueueId = overflowed.From.Value, ToQueueId = overflowed.To.Value };
                break;
            case CallEvent.Refused refused:
                update.Refused = new Refused { QueueId = refused.Queue.Value, Reason = refused.Reason, CallbackOffered = refused.CallbackOffered };
                break;
            case CallEvent.Ended ended:
                update.Ended = new Ended { Outcome = ((Routing.Lifecycle.CallOutcome?)ended.Outcome).ToProto(), AgentId = ended.Agent?.Value ?? "" };
                break;
            default:
                return null;
        }

        return update;
    }

    /// <summary>In the words the agent's softphone hears for the same offer.</summary>
    private static RingCancelled Cancelled(AgentAssignment offer, OfferReturnReason reason) => new()
    {
        AgentId = offer.Agent.Value,
        Epoch = offer.Epoch,
        Reason = OfferEndReasons.Of(reason),
    };

    private static Announcement Announce(string queue, int position, TimeSpan? estimatedWait)
    {
        var announcement = new Announcement { QueueId = queue, Position = position };
        if (estimatedWait is { } wait)
        {
            announcement.EstimatedWait = wait.ToProto();
        }

        return announcement;
    }
}
