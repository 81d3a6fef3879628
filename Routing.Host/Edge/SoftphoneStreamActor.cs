using System.Threading.Channels;
using Akka.Actor;
using CallCenter.Protos.V1;
using CallCenter.Routing.Agents.AgentActors;
using CallCenter.Routing.Lifecycle;
using CallCenter.Routing.Model;
using AgentStatus = CallCenter.Routing.Lifecycle.AgentStatus;

namespace CallCenter.Routing.Host.Edge;

/// <summary>
/// Stands for one softphone subscription among the agent actor's subscribers: turns what the
/// agent actor tells it into updates on the softphone's stream. When the stream ends the actor
/// stops, and the agent actor, which watches it, drops it.
/// </summary>
public sealed class SoftphoneStreamActor : ReceiveActor
{
    private readonly ChannelWriter<AgentUpdate> _updates;

    /// <summary>The offer last presented: the call the agent is assigned when it goes on call.</summary>
    private CallAssignment? _lastOffer;

    public SoftphoneStreamActor(ChannelWriter<AgentUpdate> updates)
    {
        _updates = updates;
        Receive<AgentState>(HandleCurrent);
        Receive<AgentProtocol.OfferPresented>(HandleOffer);
        Receive<AgentEvent>(HandleAgentEvent);
        Receive<Terminated>(_ => HandleAgentGone());
    }

    public static Props Props(ChannelWriter<AgentUpdate> updates) => Akka.Actor.Props.Create(() => new SoftphoneStreamActor(updates));

    protected override void PostStop() => _updates.TryComplete();

    private void HandleCurrent(AgentState state)
    {
        // The agent's actor answers a subscription with its state: from then on the stream lives as long as it does.
        Context.Watch(Sender);
        var work = state.CurrentCall ?? state.CurrentOffer;
        _lastOffer = state.CurrentOffer;
        _updates.TryWrite(new AgentUpdate
        {
            AgentId = state.Id.Value,
            At = Context.System.Scheduler.Now.ToProto(),
            Current = new CurrentState
            {
                Status = state.Status.ToProto(),
                NotReadyReason = state.NotReadyReason ?? "",
                CallId = work?.Call.Value ?? "",
                Epoch = work?.Epoch ?? 0,
            },
        });
    }

    /// <summary>
    /// The agent's actor is gone with its node (the domain moves to another): the stream ends
    /// UNAVAILABLE, and the softphone subscribes again, reaching the agent where the domain now runs.
    /// </summary>
    private void HandleAgentGone()
    {
        _updates.TryComplete(RequestChecks.Unavailable("the agent's routing domain moved to another node; subscribe again").ToRpcException());
        Context.Stop(Self);
    }

    private void HandleOffer(AgentProtocol.OfferPresented offer)
    {
        _lastOffer = new CallAssignment(offer.Call, offer.Epoch);
        _updates.TryWrite(new AgentUpdate
        {
            AgentId = offer.Agent.Value,
            At = Context.System.Scheduler.Now.ToProto(),
            Offer = new OfferPresented
            {
                CallId = offer.Call.Value,
                Epoch = offer.Epoch,
                QueueId = offer.Queue.Value,
                ExpiresAt = offer.ExpiresAt.ToProto(),
                Callback = offer.IsCallback,
            },
        });
    }

    private void HandleAgentEvent(AgentEvent agentEvent)
    {
        var update = new AgentUpdate { AgentId = agentEvent.Agent.Value, At = agentEvent.At.ToProto() };
        switch (agentEvent)
        {
            case AgentEvent.StatusChanged { To: AgentStatus.OnCall } changed when _lastOffer is { } assigned:
                _updates.TryWrite(new AgentUpdate
                {
                    AgentId = update.AgentId,
                    At = update.At,
                    Assignment = new Assignment { CallId = assigned.Call.Value, Epoch = assigned.Epoch },
                });
                update.StateChanged = StateChange(changed);
                break;
            case AgentEvent.StatusChanged changed:
                update.StateChanged = StateChange(changed);
                break;
            // Every offer shown ends in an assignment or one of these, in the words the gateway hears.
            case AgentEvent.OfferRejected rejected:
                update.Revoked = Revoked(rejected.Offer, OfferEndReasons.Declined);
                break;
            case AgentEvent.OfferMissed missed:
                update.Revoked = Revoked(missed.Offer, OfferEndReasons.Of(missed.Reason));
                break;
            case AgentEvent.OfferWithdrawn withdrawn:
                update.Revoked = Revoked(withdrawn.Offer, OfferEndReasons.Of(withdrawn.Reason));
                break;
            case AgentEvent.OfferAbandonedByLogout abandoned:
                update.Revoked = Revoked(abandoned.Offer, OfferEndReasons.AgentLoggedOut);
                break;
            default:
                return;
        }

        _updates.TryWrite(update);
    }

    private static StateChanged StateChange(AgentEvent.StatusChanged changed) => new()
    {
        From = changed.From.ToProto(),
        To = changed.To.ToProto(),
        Reason = changed.Reason,
    };

    private static OfferRevoked Revoked(CallAssignment offer, string reason) =>
        new() { CallId = offer.Call.Value, Epoch = offer.Epoch, Reason = reason };
}
