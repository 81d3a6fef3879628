using CallCenter.Routing.Lifecycle;
using CallCenter.Routing.Matching;
using CallCenter.Routing.Model;
using V1 = CallCenter.Protos.V1;
using View = CallCenter.Protos.V1.CallEventView.Types;

namespace CallCenter.Routing.Host.Edge;

/// <summary>A call's events as operators read them: one typed message per kind, named as the proto names the case.</summary>
public static class CallEventMapping
{
    public static V1.CallEventView ToProto(this CallEvent callEvent)
    {
        var view = new V1.CallEventView { Sequence = callEvent.Sequence, At = callEvent.At.ToProto() };
        switch (callEvent)
        {
            case CallEvent.Arrived e:
                var arrived = new View.Arrived
                {
                    QueueId = e.Queue.Value ?? "",
                    TierId = e.Tier.Value ?? "",
                    Emergency = e.Emergency,
                    PreferredAgentId = Id(e.PreferredAgent),
                    ArrivedAt = e.ArrivedAt.ToProto(),
                };
                arrived.ExtraSkills.AddRange(e.ExtraSkills.Select(ProtoMapping.ToProto));
                view.Arrived = arrived;
                break;
            case CallEvent.Queued e:
                view.Queued = new View.Queued { QueueId = e.Queue.Value, Position = e.Position, EstimatedWait = e.EstimatedWait?.ToProto() };
                break;
            case CallEvent.Overflowed e:
                view.Overflowed = new View.Overflowed { FromQueueId = e.From.Value, ToQueueId = e.To.Value, Reason = ReasonOf(e.Reason) };
                break;
            case CallEvent.Refused e:
                view.Refused = new View.Refused { QueueId = e.Queue.Value, Reason = e.Reason, CallbackOffered = e.CallbackOffered };
                break;
            case CallEvent.Offered e:
                view.Offered = Offer(e.Offer);
                break;
            case CallEvent.OfferReturned e:
                view.OfferReturned = Returned(e.Offer, e.Reason);
                break;
            case CallEvent.Connected e:
                view.Connected = Offer(e.Connection);
                break;
            case CallEvent.Ended e:
                view.Ended = new View.Ended
                {
                    Outcome = ((CallOutcome?)e.Outcome).ToProto(),
                    AgentId = Id(e.Agent),
                    TalkTime = e.TalkTime?.ToProto(),
                };
                break;
            case CallEvent.CallbackRequested:
                view.CallbackRequested = new View.CallbackRequested();
                break;
            case CallEvent.CallbackScheduled e:
                view.CallbackScheduled = new View.CallbackTime { DueAt = e.DueAt.ToProto() };
                break;
            case CallEvent.CallbackDue e:
                view.CallbackDue = new View.CallbackTime { DueAt = e.DueAt.ToProto() };
                break;
            case CallEvent.CallbackLate e:
                view.CallbackLate = new View.CallbackLate { DueAt = e.DueAt.ToProto(), Lateness = e.Lateness.ToProto() };
                break;
            case CallEvent.TransferStarted e:
                view.TransferStarted = new View.TransferStarted
                {
                    Kind = e.Transfer.Kind.ToProto(),
                    FromAgentId = e.Transfer.FromAgent.Value,
                    FromQueueId = e.Transfer.FromQueue.Value ?? "",
                    ToQueueId = Id(e.Transfer.Target.Queue),
                    ToAgentId = Id(e.Transfer.Target.Agent),
                };
                break;
            case CallEvent.TransferTargetOffered e:
                view.TransferTargetOffered = Offer(e.Offer);
                break;
            case CallEvent.TransferTargetReturned e:
                view.TransferTargetReturned = Returned(e.Offer, e.Reason);
                break;
            case CallEvent.TransferCompleted e:
                view.TransferCompleted = new View.TransferCompleted { FromAgentId = e.FromAgent.Value, ToAgentId = e.ToAgent.Value };
                break;
            case CallEvent.TransferFailed e:
                view.TransferFailed = new View.TransferFailed { Reason = e.Reason, RequeuedInQueueId = Id(e.RequeuedIn) };
                break;
            case CallEvent.PositionAnnounced e:
                view.PositionAnnounced = new View.PositionAnnounced { QueueId = Id(e.Queue), Position = e.Position, EstimatedWait = e.EstimatedWait?.ToProto() };
                break;
            case CallEvent.LongWaitCrossed e:
                view.LongWaitCrossed = new View.LongWaitCrossed { Threshold = e.Threshold.ToProto() };
                break;
            case CallEvent.Promoted:
                view.Promoted = new View.Promoted();
                break;
            case CallEvent.HeldForAgent e:
                view.HeldForAgent = new View.HeldForAgent { AgentId = e.Agent.Value, Backup = e.Backup };
                break;
            case CallEvent.OverflowRefused e:
                view.OverflowRefused = new View.OverflowRefused
                {
                    QueueId = e.Queue.Value,
                    RefusedByQueueId = e.RefusedBy.Value,
                    Reason = ReasonOf(e.Reason),
                };
                break;
            case CallEvent.PreferenceExpired e:
                view.PreferenceExpired = new View.PreferenceExpired { AgentId = e.Agent.Value };
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(callEvent), callEvent.GetType().Name, "a call event with no view");
        }

        view.Kind = KindNames[(int)view.EventCase];
        return view;
    }

    /// <summary>Each case's name as the proto spells its field ("offer_returned"), indexed by the case's number.</summary>
    private static readonly string[] KindNames = BuildKindNames();

    private static string[] BuildKindNames()
    {
        var oneof = V1.CallEventView.Descriptor.Oneofs.Single(o => o.Name == "event");
        var names = new string[oneof.Fields.Max(f => f.FieldNumber) + 1];
        foreach (var field in oneof.Fields)
        {
            names[field.FieldNumber] = field.Name;
        }

        return names;
    }

    private static View.AgentOffer Offer(AgentAssignment offer) => new() { AgentId = offer.Agent.Value, Epoch = offer.Epoch };

    private static View.OfferReturned Returned(AgentAssignment offer, OfferReturnReason reason) =>
        new() { AgentId = offer.Agent.Value, Epoch = offer.Epoch, Reason = OfferEndReasons.Of(reason) };

    private static string Id(AgentId? agent) => agent?.Value ?? "";

    private static string Id(QueueId? queue) => queue?.Value ?? "";

    private static string ReasonOf(QueueExitReason? reason) => reason is { } known ? QueueRefusalReasons.Of(known) : "";
}
