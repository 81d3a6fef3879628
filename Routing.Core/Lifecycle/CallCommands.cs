using CallCenter.Routing.Matching;
using CallCenter.Routing.Model;

namespace CallCenter.Routing.Lifecycle;

/// <summary>
/// What may be told to a call's state machine: by the telephony gateway, by the routing engine's
/// decisions, by agents' softphones, or by the call's own timers. Closed: every command is nested here.
/// </summary>
public abstract record CallCommand
{
    private CallCommand()
    {
    }

    /// <summary>
    /// The gateway accepted the call. <paramref name="ArrivedAt"/> carries an earlier arrival (a call
    /// moved from another site keeps its place); null means now.
    /// </summary>
    public sealed record Arrive(
        QueueId Queue, TierId Tier, bool Emergency, AgentId? PreferredAgent,
        IReadOnlyList<SkillRequirement> ExtraSkills, DateTimeOffset? ArrivedAt = null) : CallCommand;

    /// <summary>Routing placed the call in line (or placed a due callback).</summary>
    public sealed record Queued(QueueId Queue, int Position, TimeSpan? EstimatedWait) : CallCommand;

    /// <summary>Routing offered the call to an agent; the epoch fences every answer to this offer.</summary>
    public sealed record Offered(AgentId Agent, long Epoch) : CallCommand;

    /// <summary>
    /// The offer ended unanswered, for <paramref name="Reason"/>: routing took it back (declined, rung
    /// out, bounced, the agent gone), or it rang when the server stopped and is void after the restart.
    /// A decline naming a stale offer is refused; any other late return is harmless (timers fire late).
    /// </summary>
    public sealed record OfferReturned(long Epoch, OfferReturnReason Reason) : CallCommand;

    public sealed record Answered(AgentId Agent, long Epoch) : CallCommand;

    /// <summary>
    /// Routing moved the waiting call to another queue, keeping its tier and arrival time.
    /// <paramref name="Reason"/> is why it left <paramref name="From"/>: closed or full as routing placed
    /// it, or its maximum wait after.
    /// </summary>
    public sealed record Overflowed(QueueId From, QueueId To, QueueExitReason? Reason = null) : CallCommand;

    /// <summary>The queue would not keep the call; with a callback offered the caller may still ask for one.</summary>
    public sealed record Refused(QueueId Queue, string Reason, bool CallbackOffered) : CallCommand;

    /// <summary>The caller hung up. Duplicate hang-ups are normal on telephony links.</summary>
    public sealed record CallerHungUp : CallCommand
    {
        private CallerHungUp()
        {
        }

        public static CallerHungUp Instance { get; } = new();
    }

    /// <summary>The agent ended the conversation. A hang-up of an agent no longer on the call changes nothing.</summary>
    public sealed record AgentHungUp(AgentId Agent) : CallCommand;

    /// <summary>The caller leaves the line but keeps the call's place: an agent calls back when its turn comes.</summary>
    public sealed record RequestCallback : CallCommand
    {
        private RequestCallback()
        {
        }

        public static RequestCallback Instance { get; } = new();
    }

    /// <summary>The caller leaves the line and is called back at <paramref name="DueAt"/> (or reschedules).</summary>
    public sealed record ScheduleCallback(DateTimeOffset DueAt) : CallCommand;

    /// <summary>The timer of a scheduled callback fired; one firing before the due time changes nothing.</summary>
    public sealed record CallbackDue : CallCommand
    {
        private CallbackDue()
        {
        }

        public static CallbackDue Instance { get; } = new();
    }

    public sealed record CancelCallback : CallCommand
    {
        private CancelCallback()
        {
        }

        public static CancelCallback Instance { get; } = new();
    }

    /// <summary>
    /// The lateness timer fired: a scheduled callback still not offered <paramref name="Threshold"/>
    /// after its due time is flagged late, once.
    /// </summary>
    public sealed record CallbackLate(TimeSpan Threshold) : CallCommand;

    /// <summary>The connected agent hands the call on.</summary>
    public sealed record RequestTransfer(TransferKind Kind, TransferTarget Target) : CallCommand;

    /// <summary>The target took the call: the offer of a blind transfer, or the target rung during a consultative one.</summary>
    public sealed record TransferCompleted(AgentId Agent, long Epoch) : CallCommand;

    /// <summary>No target was found: a consultative transfer stays with its agent, a blind one goes back to its queue.</summary>
    public sealed record TransferFailed(string Reason) : CallCommand;

    /// <summary>The caller was told its place in line.</summary>
    public sealed record PositionAnnounced(int Position, TimeSpan? EstimatedWait) : CallCommand;

    /// <summary>The call waited past one of its tier's long-wait thresholds.</summary>
    public sealed record LongWaitCrossed(TimeSpan Threshold) : CallCommand;

    /// <summary>The call's maximum wait in <paramref name="Queue"/> is over, but the overflow was refused: it stays.</summary>
    public sealed record OverflowRefused(QueueId Queue, QueueId RefusedBy, QueueExitReason Reason) : CallCommand;

    /// <summary>Routing holds the waiting call for the agent by name: its preferred agent, or (<paramref name="Backup"/>) that agent's backup.</summary>
    public sealed record HeldForAgent(AgentId Agent, bool Backup) : CallCommand;

    /// <summary>Routing no longer holds the waiting call for the agent: its time ran out, or the agent went.</summary>
    public sealed record PreferenceExpired(AgentId Agent) : CallCommand;

    /// <summary>The call reached its tier's maximum wait and is served next.</summary>
    public sealed record Promoted : CallCommand
    {
        private Promoted()
        {
        }

        public static Promoted Instance { get; } = new();
    }
}

/// <summary>
/// What happened to a call. Every event names its call, its place in the call's own order
/// (1, 2, 3, ... with no gaps) and the time; the events of one decision, applied in order,
/// produce the call's new state.
/// </summary>
public abstract record CallEvent
{
    private CallEvent(CallId call, long sequence, DateTimeOffset at)
    {
        Call = call;
        Sequence = sequence;
        At = at;
    }

    public CallId Call { get; }
    public long Sequence { get; }
    public DateTimeOffset At { get; }

    public sealed record Arrived(
        CallId Call, long Sequence, DateTimeOffset At, QueueId Queue, TierId Tier, bool Emergency,
        AgentId? PreferredAgent, IReadOnlyList<SkillRequirement> ExtraSkills, DateTimeOffset ArrivedAt)
        : CallEvent(Call, Sequence, At);

    public sealed record Queued(
        CallId Call, long Sequence, DateTimeOffset At, QueueId Queue, int Position, TimeSpan? EstimatedWait)
        : CallEvent(Call, Sequence, At);

    /// <summary>
    /// <paramref name="Reason"/> tells an overflow as routing placed the call (the queue was closed or
    /// full) from one after it was placed (its maximum wait); null in journals written before it was kept.
    /// </summary>
    public sealed record Overflowed(CallId Call, long Sequence, DateTimeOffset At, QueueId From, QueueId To, QueueExitReason? Reason = null)
        : CallEvent(Call, Sequence, At);

    /// <summary>Without a callback offered, the call's Ended event follows at once.</summary>
    public sealed record Refused(
        CallId Call, long Sequence, DateTimeOffset At, QueueId Queue, string Reason, bool CallbackOffered)
        : CallEvent(Call, Sequence, At);

    public sealed record Offered(CallId Call, long Sequence, DateTimeOffset At, AgentAssignment Offer)
        : CallEvent(Call, Sequence, At);

    /// <summary>The offer ended unanswered; the call is back at its own place in line.</summary>
    public sealed record OfferReturned(
        CallId Call, long Sequence, DateTimeOffset At, AgentAssignment Offer, OfferReturnReason Reason)
        : CallEvent(Call, Sequence, At);

    /// <summary>An agent is talking to the caller: the first answer, a callback reached, or a transfer's target.</summary>
    public sealed record Connected(CallId Call, long Sequence, DateTimeOffset At, AgentAssignment Connection)
        : CallEvent(Call, Sequence, At);

    /// <summary>
    /// The call is over. <paramref name="Agent"/> is the agent connected or rung at the end (a ringing
    /// offer must be withdrawn); <paramref name="TalkTime"/> is the last agent's, for a connected call.
    /// </summary>
    public sealed record Ended(
        CallId Call, long Sequence, DateTimeOffset At, CallOutcome Outcome, AgentId? Agent, TimeSpan? TalkTime)
        : CallEvent(Call, Sequence, At);

    public sealed record CallbackRequested(CallId Call, long Sequence, DateTimeOffset At)
        : CallEvent(Call, Sequence, At);

    public sealed record CallbackScheduled(CallId Call, long Sequence, DateTimeOffset At, DateTimeOffset DueAt)
        : CallEvent(Call, Sequence, At);

    /// <summary>The scheduled callback's time came: it waits to be placed in line.</summary>
    public sealed record CallbackDue(CallId Call, long Sequence, DateTimeOffset At, DateTimeOffset DueAt)
        : CallEvent(Call, Sequence, At);

    public sealed record CallbackLate(CallId Call, long Sequence, DateTimeOffset At, DateTimeOffset DueAt, TimeSpan Lateness)
        : CallEvent(Call, Sequence, At);

    public sealed record TransferStarted(CallId Call, long Sequence, DateTimeOffset At, CallTransfer Transfer)
        : CallEvent(Call, Sequence, At);

    /// <summary>During a consultative transfer, routing rings the target while the caller stays with the agent.</summary>
    public sealed record TransferTargetOffered(CallId Call, long Sequence, DateTimeOffset At, AgentAssignment Offer)
        : CallEvent(Call, Sequence, At);

    public sealed record TransferTargetReturned(
        CallId Call, long Sequence, DateTimeOffset At, AgentAssignment Offer, OfferReturnReason Reason)
        : CallEvent(Call, Sequence, At);

    /// <summary>Follows the Connected event of the transfer's target.</summary>
    public sealed record TransferCompleted(CallId Call, long Sequence, DateTimeOffset At, AgentId FromAgent, AgentId ToAgent)
        : CallEvent(Call, Sequence, At);

    /// <summary><paramref name="RequeuedIn"/> is set for a blind transfer: the queue the call waits in again.</summary>
    public sealed record TransferFailed(CallId Call, long Sequence, DateTimeOffset At, string Reason, QueueId? RequeuedIn)
        : CallEvent(Call, Sequence, At);

    /// <summary><paramref name="Queue"/> is the queue the call waits in; null in journals written before it was kept.</summary>
    public sealed record PositionAnnounced(
        CallId Call, long Sequence, DateTimeOffset At, int Position, TimeSpan? EstimatedWait, QueueId? Queue = null)
        : CallEvent(Call, Sequence, At);

    public sealed record LongWaitCrossed(CallId Call, long Sequence, DateTimeOffset At, TimeSpan Threshold)
        : CallEvent(Call, Sequence, At);

    public sealed record Promoted(CallId Call, long Sequence, DateTimeOffset At) : CallEvent(Call, Sequence, At);

    /// <summary>
    /// Routing placed the call to wait for the agent by name (its preferred agent, or that agent's
    /// backup), as long as its queue's preferred-agent time and the agent's presence last. Whether it
    /// does depends on who was there, so a restart reads it here.
    /// </summary>
    public sealed record HeldForAgent(CallId Call, long Sequence, DateTimeOffset At, AgentId Agent, bool Backup)
        : CallEvent(Call, Sequence, At);

    /// <summary>
    /// The call waited its maximum wait in <paramref name="Queue"/>, and <paramref name="RefusedBy"/>, where
    /// its overflow led, turned it away: it keeps its place, and routing does not try to move it on from
    /// this queue again. Nothing else tells a restart that the attempt was made.
    /// </summary>
    public sealed record OverflowRefused(CallId Call, long Sequence, DateTimeOffset At, QueueId Queue, QueueId RefusedBy, QueueExitReason Reason)
        : CallEvent(Call, Sequence, At);

    /// <summary>The call no longer waits for the agent it was held for: the time ran out, or the agent went.</summary>
    public sealed record PreferenceExpired(CallId Call, long Sequence, DateTimeOffset At, AgentId Agent)
        : CallEvent(Call, Sequence, At);
}
