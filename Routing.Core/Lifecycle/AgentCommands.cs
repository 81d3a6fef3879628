using CallCenter.Routing.Model;

namespace CallCenter.Routing.Lifecycle;

/// <summary>
/// What may be asked of an agent's state machine: by the agent's softphone, by the dispatcher,
/// or by the agent's own timers. Closed: every command is nested here.
/// </summary>
public abstract record AgentCommand
{
    private AgentCommand()
    {
    }

    /// <summary>Start a session with these skills. The agent starts not ready.</summary>
    public sealed record LogIn(IReadOnlyList<AgentSkill> Skills) : AgentCommand;

    /// <summary>Ready for calls now, or after the current offer or call.</summary>
    public sealed record MakeAvailable : AgentCommand
    {
        private MakeAvailable()
        {
        }

        public static MakeAvailable Instance { get; } = new();
    }

    /// <summary>Not ready (break, training, ...) now, or after the current offer or call.</summary>
    public sealed record GoNotReady(string Reason) : AgentCommand;

    /// <summary>The dispatcher offers a call; the epoch fences every answer to this offer.</summary>
    public sealed record Offer(CallId Call, long Epoch) : AgentCommand;

    public sealed record Accept(long Epoch) : AgentCommand;

    public sealed record Reject(long Epoch) : AgentCommand;

    /// <summary>
    /// The offer went unanswered: the ring timer fired (<see cref="OfferReturnReason.TimedOut"/>), or the
    /// softphone was lost while it rang (<see cref="OfferReturnReason.SoftphoneLost"/>). Timers can fire
    /// late, so a stale one is harmless.
    /// </summary>
    public sealed record OfferTimedOut(long Epoch, OfferReturnReason Reason = OfferReturnReason.TimedOut) : AgentCommand;

    /// <summary>The caller hung up, or the call was taken back, while it rang.</summary>
    public sealed record OfferWithdrawn(long Epoch, WithdrawalReason Reason = WithdrawalReason.CallTakenBack) : AgentCommand;

    /// <summary>The call was hung up (by either side). Duplicate hang-ups are normal.</summary>
    public sealed record CallEnded(CallId Call) : AgentCommand;

    /// <summary>The agent is done with after-call work before the timer.</summary>
    public sealed record FinishWrapUp : AgentCommand
    {
        private FinishWrapUp()
        {
        }

        public static FinishWrapUp Instance { get; } = new();
    }

    /// <summary>
    /// The wrap-up timer fired. Distinct from <see cref="FinishWrapUp"/> so that a timer left over
    /// from an earlier wrap-up, which the agent finished early, cannot cut a later one short.
    /// </summary>
    public sealed record WrapUpTimerElapsed : AgentCommand
    {
        private WrapUpTimerElapsed()
        {
        }

        public static WrapUpTimerElapsed Instance { get; } = new();
    }

    /// <summary>Choose the state to enter when the next (or current) offer or call is over.</summary>
    public sealed record SetAfterCall(AfterCall Next) : AgentCommand;

    /// <summary>End the session; during a call, at the end of the call and its wrap-up.</summary>
    public sealed record LogOut : AgentCommand
    {
        private LogOut()
        {
        }

        public static LogOut Instance { get; } = new();
    }
}

/// <summary>
/// What happened to an agent. The events of one decision, applied in order, produce its new state;
/// every event names its agent and the time.
/// </summary>
public abstract record AgentEvent
{
    private AgentEvent(AgentId agent, DateTimeOffset at)
    {
        Agent = agent;
        At = at;
    }

    public AgentId Agent { get; }
    public DateTimeOffset At { get; }

    /// <summary>
    /// Emitted by every change of status, with why (for NotReady, the not-ready reason itself).
    /// <paramref name="KeepsIdlePosition"/> is true when the agent returns to Available without
    /// losing its place in the longest-idle order.
    /// </summary>
    public sealed record StatusChanged(
        AgentId Agent, DateTimeOffset At, AgentStatus From, AgentStatus To, string Reason,
        bool KeepsIdlePosition = false) : AgentEvent(Agent, At);

    public sealed record LoggedIn(AgentId Agent, DateTimeOffset At, IReadOnlyList<AgentSkill> Skills)
        : AgentEvent(Agent, At);

    /// <summary>The agent chose (or the server consumed and reset) the state to enter after the call.</summary>
    public sealed record AfterCallChanged(AgentId Agent, DateTimeOffset At, AfterCall Next) : AgentEvent(Agent, At);

    /// <summary>The agent is held for this offer while it rings.</summary>
    public sealed record OfferReserved(AgentId Agent, DateTimeOffset At, CallAssignment Offer) : AgentEvent(Agent, At);

    public sealed record OfferAccepted(AgentId Agent, DateTimeOffset At, CallAssignment Offer) : AgentEvent(Agent, At);

    /// <summary>The agent declined; the call goes back to its queue.</summary>
    public sealed record OfferRejected(AgentId Agent, DateTimeOffset At, CallAssignment Offer) : AgentEvent(Agent, At);

    /// <summary>
    /// The offer went unanswered, for <paramref name="Reason"/>: it rang out, or the agent's softphone
    /// was lost while it rang. The call goes back to its queue.
    /// </summary>
    public sealed record OfferMissed(
        AgentId Agent, DateTimeOffset At, CallAssignment Offer, OfferReturnReason Reason = OfferReturnReason.TimedOut) : AgentEvent(Agent, At);

    /// <summary>The offer ended while ringing, through no act of the agent.</summary>
    public sealed record OfferWithdrawn(AgentId Agent, DateTimeOffset At, CallAssignment Offer, WithdrawalReason Reason = WithdrawalReason.CallTakenBack)
        : AgentEvent(Agent, At);

    /// <summary>The agent logged out while the offer rang; the call must be queued again.</summary>
    public sealed record OfferAbandonedByLogout(AgentId Agent, DateTimeOffset At, CallAssignment Offer)
        : AgentEvent(Agent, At);

    /// <summary>
    /// A call ended. Carries the counter after the increment (and the UTC day it counts), so a
    /// reader of the event log needs no arithmetic to know the agent's figures.
    /// </summary>
    public sealed record CallHandled(
        AgentId Agent, DateTimeOffset At, CallAssignment Call, TimeSpan TalkTime, int CallsHandledToday,
        DateOnly CountedOn) : AgentEvent(Agent, At);

    /// <summary>After-call work began; the wrap-up timer is due at <paramref name="EndsAt"/>.</summary>
    public sealed record WrapUpStarted(AgentId Agent, DateTimeOffset At, DateTimeOffset EndsAt) : AgentEvent(Agent, At);
}

/// <summary>Why an offer was withdrawn, so the agent's softphone can say so.</summary>
public enum WithdrawalReason
{
    /// <summary>The call went elsewhere while it rang (a transfer that gave up on its target, say).</summary>
    CallTakenBack,

    /// <summary>The caller hung up while it rang.</summary>
    CallerHungUp,

    /// <summary>The customer called off the callback while it rang.</summary>
    CallbackCancelled,
}

public static class WithdrawalReasons
{
    /// <summary>Why an offer still ringing is withdrawn when its call ends with <paramref name="outcome"/>.</summary>
    public static WithdrawalReason OfCallEnd(CallOutcome? outcome) => outcome switch
    {
        CallOutcome.AbandonedWhileRinging or CallOutcome.AbandonedWhileWaiting or CallOutcome.AbandonedInTransfer => WithdrawalReason.CallerHungUp,
        CallOutcome.CallbackCancelled => WithdrawalReason.CallbackCancelled,

        // Ended by someone else (the first agent of a consultative transfer hung up, say): the call is gone all the same.
        _ => WithdrawalReason.CallTakenBack,
    };
}

/// <summary>The reasons <see cref="AgentEvent.StatusChanged"/> gives when the agent named none.</summary>
public static class StatusChangeReasons
{
    public const string LoggedIn = "logged-in";
    public const string LoggedOut = "logged-out";
    public const string MadeAvailable = "made-available";
    public const string Offered = "offered";
    public const string OfferAccepted = "offer-accepted";
    public const string OfferRejected = "offer-rejected";
    public const string OfferWithdrawn = "offer-withdrawn";
    public const string CallEnded = "call-ended";
    public const string WrapUpFinished = "wrap-up-finished";
    public const string WrapUpElapsed = "wrap-up-elapsed";
}
