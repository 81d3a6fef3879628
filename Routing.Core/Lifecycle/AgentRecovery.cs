using CallCenter.Routing.Model;

namespace CallCenter.Routing.Lifecycle;

/// <summary>
/// An agent's state as plain data, for the journal: written after every change, read back after a
/// restart. <see cref="AgentRecovery.Restore"/> turns it into the very state it was taken from.
/// </summary>
public sealed record AgentSnapshot
{
    public required string Id { get; init; }
    public required AgentStatus Status { get; init; }
    public IReadOnlyList<AgentSkill> Skills { get; init; } = [];
    public string? NotReadyReason { get; init; }
    public DateTimeOffset StatusSince { get; init; }
    public CallAssignment? CurrentOffer { get; init; }
    public CallAssignment? CurrentCall { get; init; }
    public DateTimeOffset? WrapUpEndsAt { get; init; }
    public DateTimeOffset? AvailableSince { get; init; }
    public DateTimeOffset? LastCallEndedAt { get; init; }
    public int CallsHandledToday { get; init; }
    public DateOnly CallsCountedOn { get; init; }
    public AgentStatus AfterCallStatus { get; init; } = AgentStatus.Available;
    public string? AfterCallReason { get; init; }
}

/// <summary>
/// Takes an agent back after a restart: its last state as the journal kept it, then what cannot
/// survive a restart is settled. An offer that rang is void (not the agent's fault: it keeps its
/// place among the idle); a call the agent was on that is no longer connected to it ends for the agent.
/// </summary>
public static class AgentRecovery
{
    public static AgentSnapshot Snapshot(AgentState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        return new AgentSnapshot
        {
            Id = state.Id.Value,
            Status = state.Status,
            Skills = state.Skills,
            NotReadyReason = state.NotReadyReason,
            StatusSince = state.StatusSince,
            CurrentOffer = state.CurrentOffer,
            CurrentCall = state.CurrentCall,
            WrapUpEndsAt = state.WrapUpEndsAt,
            AvailableSince = state.AvailableSince,
            LastCallEndedAt = state.LastCallEndedAt,
            CallsHandledToday = state.CallsHandledToday,
            CallsCountedOn = state.CallsCountedOn,
            AfterCallStatus = state.AfterCall.Status,
            AfterCallReason = state.AfterCall.Reason,
        };
    }

    public static AgentState Restore(AgentSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        return AgentState.LoggedOut(new AgentId(snapshot.Id)) with
        {
            Status = snapshot.Status,
            Skills = snapshot.Skills,
            NotReadyReason = snapshot.NotReadyReason,
            StatusSince = snapshot.StatusSince,
            CurrentOffer = snapshot.CurrentOffer,
            CurrentCall = snapshot.CurrentCall,
            WrapUpEndsAt = snapshot.WrapUpEndsAt,
            AvailableSince = snapshot.AvailableSince,
            LastCallEndedAt = snapshot.LastCallEndedAt,
            CallsHandledToday = snapshot.CallsHandledToday,
            CallsCountedOn = snapshot.CallsCountedOn,
            AfterCall = snapshot.AfterCallStatus switch
            {
                AgentStatus.NotReady => AfterCall.NotReady(snapshot.AfterCallReason ?? ""),
                AgentStatus.LoggedOut => AfterCall.LoggedOut,
                _ => AfterCall.Available,
            },
        };
    }

    /// <summary>
    /// The calls' journal has the agent talking on <paramref name="connected"/> while its last
    /// checkpoint shows it elsewhere: the log writes its batches on two connections at once, and a
    /// crash may keep a later batch (with the call's Connected) and lose an earlier one (with the
    /// agent's checkpoints before it). The journal wins: the agent is taken back as holding that offer, which <see cref="Resume"/> then takes as
    /// answered. What the lost changes did to the counters is not known and stays as checkpointed.
    /// </summary>
    public static AgentSnapshot CatchUp(AgentSnapshot checkpoint, CallAssignment connected)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        return checkpoint with
        {
            Status = AgentStatus.Reserved,
            CurrentOffer = connected,
            CurrentCall = null,
            NotReadyReason = null,
            WrapUpEndsAt = null,
        };
    }

    /// <summary>
    /// Settles a restored agent. <paramref name="stillConnected"/> says whether the recovered calls
    /// have the agent connected by this offer: the calls' journal wins. An offer the journal shows
    /// answered (its call's Connected event was committed, the agent's next checkpoint was not) is
    /// taken as accepted, so the agent is not handed another call while it talks to this caller.
    /// </summary>
    public static AgentDecision Resume(AgentState restored, Func<CallAssignment, bool> stillConnected, DateTimeOffset now, AgentPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(restored);
        ArgumentNullException.ThrowIfNull(stillConnected);
        return restored switch
        {
            { Status: AgentStatus.Reserved, CurrentOffer: { } answered } when stillConnected(answered) =>
                AgentLifecycle.Decide(restored, new AgentCommand.Accept(answered.Epoch), now, policy),
            { Status: AgentStatus.Reserved, CurrentOffer: { } offer } =>
                AgentLifecycle.Decide(restored, new AgentCommand.OfferWithdrawn(offer.Epoch), now, policy),
            { Status: AgentStatus.OnCall, CurrentCall: { } call } when !stillConnected(call) =>
                AgentLifecycle.Decide(restored, new AgentCommand.CallEnded(call.Call), now, policy),
            _ => new AgentDecision(Outcome.Unchanged, restored, []),
        };
    }
}
