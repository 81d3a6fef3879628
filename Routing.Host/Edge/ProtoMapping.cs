using CallCenter.Routing.Lifecycle;
using CallCenter.Routing.Model;
using CallCenter.Routing.Operations;
using Google.Protobuf.WellKnownTypes;
using V1 = CallCenter.Protos.V1;

namespace CallCenter.Routing.Host.Edge;

/// <summary>Core values as the protos carry them.</summary>
public static class ProtoMapping
{
    public static V1.AgentStatus ToProto(this AgentStatus status) => status switch
    {
        AgentStatus.LoggedOut => V1.AgentStatus.LoggedOut,
        AgentStatus.Available => V1.AgentStatus.Available,
        AgentStatus.Reserved => V1.AgentStatus.Reserved,
        AgentStatus.OnCall => V1.AgentStatus.OnCall,
        AgentStatus.WrapUp => V1.AgentStatus.WrapUp,
        AgentStatus.NotReady => V1.AgentStatus.NotReady,
        _ => V1.AgentStatus.Unspecified,
    };

    public static V1.CallStatus ToProto(this CallStatus status) => status switch
    {
        CallStatus.Arrived => V1.CallStatus.Arrived,
        CallStatus.Queued => V1.CallStatus.Queued,
        CallStatus.Ringing => V1.CallStatus.Ringing,
        CallStatus.Connected => V1.CallStatus.Connected,
        CallStatus.CallbackRequested => V1.CallStatus.CallbackRequested,
        CallStatus.CallbackScheduled => V1.CallStatus.CallbackScheduled,
        CallStatus.Ended => V1.CallStatus.Ended,
        _ => V1.CallStatus.Unspecified,
    };

    public static V1.CallOutcome ToProto(this CallOutcome? outcome) => outcome switch
    {
        CallOutcome.Answered => V1.CallOutcome.Answered,
        CallOutcome.AbandonedWhileWaiting => V1.CallOutcome.AbandonedWhileWaiting,
        CallOutcome.AbandonedWhileRinging => V1.CallOutcome.AbandonedWhileRinging,
        CallOutcome.AbandonedInTransfer => V1.CallOutcome.AbandonedInTransfer,
        CallOutcome.Refused => V1.CallOutcome.Refused,
        CallOutcome.CallbackCompleted => V1.CallOutcome.CallbackCompleted,
        CallOutcome.CallbackCancelled => V1.CallOutcome.CallbackCancelled,
        _ => V1.CallOutcome.Unspecified,
    };

    public static TransferKind ToCore(this V1.TransferKind kind, string field) => kind switch
    {
        V1.TransferKind.Blind => TransferKind.Blind,
        V1.TransferKind.Consultative => TransferKind.Consultative,
        _ => throw RequestChecks.Invalid(field, "must be TRANSFER_KIND_BLIND or TRANSFER_KIND_CONSULTATIVE"),
    };

    public static Timestamp ToProto(this DateTimeOffset moment) => Timestamp.FromDateTimeOffset(moment);

    /// <summary>Unset rather than year 1 for a moment the server has not seen yet.</summary>
    public static Timestamp? ToProtoWhenKnown(this DateTimeOffset moment) =>
        moment == DateTimeOffset.MinValue ? null : Timestamp.FromDateTimeOffset(moment);

    public static Duration ToProto(this TimeSpan span) => Duration.FromTimeSpan(span);

    public static IReadOnlyList<SkillRequirement> ToCore(this IList<V1.SkillRequirement> skills, string field)
    {
        RequestChecks.Count(skills.Count, field);
        return skills.Select((s, i) => new SkillRequirement(
            new SkillId(RequestChecks.Id(s.SkillId, $"{field}[{i}].skill_id")), s.MinimumLevel)).ToList();
    }

    public static IReadOnlyList<AgentSkill> ToCore(this IList<V1.AgentSkill> skills, string field)
    {
        RequestChecks.Count(skills.Count, field);
        return skills.Select((s, i) => new AgentSkill(new SkillId(RequestChecks.Id(s.SkillId, $"{field}[{i}].skill_id")), s.Level)).ToList();
    }

    public static V1.AgentSkill ToProto(this AgentSkill skill) => new() { SkillId = skill.Skill.Value, Level = skill.Level };

    public static V1.SkillRequirement ToProto(this SkillRequirement requirement) =>
        new() { SkillId = requirement.Skill.Value, MinimumLevel = requirement.MinimumLevel };

    public static V1.TransferKind ToProto(this TransferKind kind) =>
        kind == TransferKind.Blind ? V1.TransferKind.Blind : V1.TransferKind.Consultative;

    public static V1.AgentView ToProto(this AgentSummary agent)
    {
        var view = new V1.AgentView
        {
            AgentId = agent.Id.Value,
            Status = agent.Status.ToProto(),
            NotReadyReason = agent.NotReadyReason ?? "",
            StatusSince = agent.StatusSince.ToProtoWhenKnown(),
            CallId = agent.Call?.Value ?? "",
            CallsHandledToday = agent.CallsHandledToday,
            AfterCall = agent.AfterCall.Status.ToProto(),
        };
        view.Skills.AddRange(agent.Skills.Select(ToProto));
        return view;
    }

    public static V1.CallView ToProto(this CallSummary call) => new()
    {
        CallId = call.Id.Value,
        Status = call.Status.ToProto(),
        QueueId = call.Queue.Value ?? "",
        TierId = call.Tier.Value ?? "",
        ArrivedAt = call.ArrivedAt.ToProtoWhenKnown(),
        AgentId = call.Agent?.Value ?? "",
        Outcome = call.Outcome.ToProto(),
        LastSequence = call.LastSequence,
    };

    public static V1.Snapshot ToProto(this StateSnapshot snapshot)
    {
        var proto = new V1.Snapshot { Sequence = snapshot.Sequence };
        proto.Calls.AddRange(snapshot.Calls.Select(ToProto));
        proto.Agents.AddRange(snapshot.Agents.Select(ToProto));
        return proto;
    }

    public static V1.CallHistory ToProto(this CallHistory history)
    {
        var proto = new V1.CallHistory { Call = history.Call.ToProto() };
        proto.Events.AddRange(history.Events.Select(CallEventMapping.ToProto));
        return proto;
    }

    public static V1.WatchUpdate ToProto(this StateChange change) => change switch
    {
        StateChange.CallChanged c => new V1.WatchUpdate { Sequence = c.Sequence, CallChanged = c.Call.ToProto() },
        StateChange.AgentChanged a => new V1.WatchUpdate { Sequence = a.Sequence, AgentChanged = a.Agent.ToProto() },
        _ => throw new ArgumentOutOfRangeException(nameof(change), change, "unknown change"),
    };
}
