using CallCenter.Routing.Model;

namespace CallCenter.Routing.Lifecycle;

/// <summary>Where an agent stands. Only an Available agent may be offered a call.</summary>
public enum AgentStatus
{
    LoggedOut,
    Available,

    /// <summary>A call is ringing at the agent's softphone; the agent is held for it.</summary>
    Reserved,
    OnCall,

    /// <summary>After-call work, protected time before the next offer.</summary>
    WrapUp,
    NotReady,
}

/// <summary>
/// One offer or call held by the agent. The epoch is the fencing token the dispatcher gave the
/// offer: an answer naming another epoch belongs to an older offer and changes nothing.
/// </summary>
public readonly record struct CallAssignment(CallId Call, long Epoch)
{
    public override string ToString() => $"{Call}#{Epoch}";
}

/// <summary>
/// The state an agent chose to enter when the current offer or call is over. The server keeps
/// it (not the softphone), so a wish made while ringing or talking survives a reconnect.
/// Closed: only Available, NotReady with a reason, or LoggedOut (after LogOut during a call).
/// </summary>
public sealed record AfterCall
{
    private AfterCall(AgentStatus status, string? reason)
    {
        Status = status;
        Reason = reason;
    }

    public AgentStatus Status { get; }

    /// <summary>The not-ready reason; null for the other statuses.</summary>
    public string? Reason { get; }

    /// <summary>The default: take the next call.</summary>
    public static AfterCall Available { get; } = new(AgentStatus.Available, null);

    /// <summary>Log out once the call (and its wrap-up) is over.</summary>
    public static AfterCall LoggedOut { get; } = new(AgentStatus.LoggedOut, null);

    /// <summary>Go not ready with the reason; an empty reason is refused by the lifecycle, not here.</summary>
    public static AfterCall NotReady(string reason) => new(AgentStatus.NotReady, reason);

    public override string ToString() => Reason is null ? Status.ToString() : $"{Status}({Reason})";
}

/// <summary>
/// One agent's state, immutable. Changed only by <see cref="AgentLifecycle.Apply"/>, so replaying
/// an agent's events from <see cref="LoggedOut"/> rebuilds it exactly. The fairness figures
/// (<see cref="AvailableSince"/>, <see cref="LastCallEndedAt"/>, <see cref="CallsHandledToday"/>)
/// survive logging out and in: a logout must not buy an agent a better place in line.
/// The setters are internal so that no caller can skip the lifecycle's rules.
/// </summary>
public sealed record AgentState
{
    private AgentState(AgentId id) => Id = id;

    public AgentId Id { get; }

    public AgentStatus Status { get; internal init; }
    public IReadOnlyList<AgentSkill> Skills { get; internal init; } = [];

    /// <summary>Set exactly when <see cref="Status"/> is NotReady.</summary>
    public string? NotReadyReason { get; internal init; }

    /// <summary>When the current status began; <see cref="DateTimeOffset.MinValue"/> before the first login.</summary>
    public DateTimeOffset StatusSince { get; internal init; } = DateTimeOffset.MinValue;

    /// <summary>The ringing offer; set exactly when <see cref="Status"/> is Reserved.</summary>
    public CallAssignment? CurrentOffer { get; internal init; }

    /// <summary>The call being talked; set exactly when <see cref="Status"/> is OnCall.</summary>
    public CallAssignment? CurrentCall { get; internal init; }

    /// <summary>When the wrap-up timer is due; set exactly when <see cref="Status"/> is WrapUp.</summary>
    public DateTimeOffset? WrapUpEndsAt { get; internal init; }

    /// <summary>
    /// When the agent last became free, the key of longest-idle routing. A withdrawn offer keeps
    /// it (not the agent's fault); a rejected one moves the agent to the back.
    /// </summary>
    public DateTimeOffset? AvailableSince { get; internal init; }

    public DateTimeOffset? LastCallEndedAt { get; internal init; }

    /// <summary>Calls ended on <see cref="CallsCountedOn"/>; read it through <see cref="CallsHandledOn"/>.</summary>
    public int CallsHandledToday { get; internal init; }

    /// <summary>The UTC date <see cref="CallsHandledToday"/> counts.</summary>
    public DateOnly CallsCountedOn { get; internal init; }

    public AfterCall AfterCall { get; internal init; } = AfterCall.Available;

    /// <summary>A known agent who has not logged in: the start of every replay.</summary>
    public static AgentState LoggedOut(AgentId id) => new(id);

    public bool IsLoggedIn => Status != AgentStatus.LoggedOut;

    /// <summary>
    /// Calls handled on the UTC day of <paramref name="now"/>: zero when the stored count belongs to
    /// an earlier day, so a fewest-handled strategy need not wait for the first call of the day.
    /// </summary>
    public int CallsHandledOn(DateTimeOffset now) =>
        AgentLifecycle.UtcDay(now) == CallsCountedOn ? CallsHandledToday : 0;
}
