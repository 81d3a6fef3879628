using CallCenter.Routing.Model;

namespace CallCenter.Routing.Lifecycle;

/// <summary>Where a call stands. Only a waiting call (Arrived, Queued, CallbackRequested) may be offered.</summary>
public enum CallStatus
{
    /// <summary>A known id before the gateway reported the call: the start of every replay.</summary>
    New,

    /// <summary>Accepted, not yet in a line (routing is deciding, or the queue refused it and offered a callback).</summary>
    Arrived,

    /// <summary>The caller is on the line, waiting in <see cref="CallState.Queue"/>.</summary>
    Queued,

    /// <summary>Offered to an agent; the offer's epoch fences every answer.</summary>
    Ringing,

    /// <summary>An agent and the caller are talking.</summary>
    Connected,

    /// <summary>The caller hung up but asked to be called back: the call keeps its place in line.</summary>
    CallbackRequested,

    /// <summary>A callback promised for a time: not in line until it is due.</summary>
    CallbackScheduled,

    /// <summary>Terminal: the outcome says how.</summary>
    Ended,
}

/// <summary>How a call ended, as the reports count it.</summary>
public enum CallOutcome
{
    /// <summary>An agent talked to the caller.</summary>
    Answered,

    /// <summary>The caller hung up before any agent was rung, or between offers.</summary>
    AbandonedWhileWaiting,

    /// <summary>The caller hung up while an agent's phone rang: the answer was a few seconds too slow.</summary>
    AbandonedWhileRinging,

    /// <summary>
    /// The caller, already answered once, hung up while a transfer sought the next agent: a
    /// quality signal of its own, not a queue abandonment.
    /// </summary>
    AbandonedInTransfer,

    /// <summary>The queue would not keep the call (closed, full, waited too long).</summary>
    Refused,

    /// <summary>An agent reached the customer who had asked for a callback.</summary>
    CallbackCompleted,

    /// <summary>The callback was called off before an agent reached the customer.</summary>
    CallbackCancelled,
}

/// <summary>
/// A blind transfer hands the caller to routing at once; a consultative one keeps the caller with
/// the agent until the target is found.
/// </summary>
public enum TransferKind
{
    Blind,
    Consultative,
}

/// <summary>
/// How an offer ended unanswered: the call goes back to its place in line (a transfer's target
/// returned leaves the caller with the agent). The journal keeps these names, so new ones are
/// appended and none is renamed; <see cref="OfferEndReasons"/> gives the words the edges use.
/// </summary>
public enum OfferReturnReason
{
    /// <summary>The agent rejected the offer.</summary>
    Declined,

    /// <summary>It rang out: the ring timeout passed with no answer.</summary>
    TimedOut,

    /// <summary>The agent was no longer free when the offer reached it: not held against the agent.</summary>
    Bounced,

    /// <summary>The offer was made before the server restarted: no answer to it can be taken any more.</summary>
    Voided,

    /// <summary>The agent logged out while it rang.</summary>
    AgentLoggedOut,

    /// <summary>The agent's softphone disconnected or went silent while it rang.</summary>
    SoftphoneLost,

    /// <summary>A consultative transfer gave up on its target while the target rang (the caller stays with the agent).</summary>
    Withdrawn,
}

public static class OfferReturnReasons
{
    /// <summary>
    /// Whether the call is not offered to that agent again: the agent turned it down, let it ring
    /// out or left while it rang. A bounce (the agent was busy), a void offer and a withdrawn one are
    /// nobody's decline.
    /// </summary>
    public static bool CountsAsDecline(this OfferReturnReason reason) =>
        reason is OfferReturnReason.Declined or OfferReturnReason.TimedOut
            or OfferReturnReason.AgentLoggedOut or OfferReturnReason.SoftphoneLost;
}

/// <summary>
/// An agent offered or connected to this call, with the epoch of the offer. The epoch is the
/// dispatcher's fencing token: an answer naming another epoch belongs to another offer.
/// </summary>
public readonly record struct AgentAssignment(AgentId Agent, long Epoch)
{
    public override string ToString() => $"{Agent}#{Epoch}";
}

/// <summary>Where a transfer sends the call: a queue, or a named agent (who is then sought in the call's own queue).</summary>
public sealed record TransferTarget
{
    private TransferTarget(QueueId? queue, AgentId? agent)
    {
        Queue = queue;
        Agent = agent;
    }

    public QueueId? Queue { get; }
    public AgentId? Agent { get; }

    public static TransferTarget ToQueue(QueueId queue) => new(queue, null);

    public static TransferTarget ToAgent(AgentId agent) => new(null, agent);

    public override string ToString() => Queue is { } queue ? $"queue {queue}" : $"agent {Agent}";
}

/// <summary>
/// A transfer under way. <see cref="FromQueue"/> is where a failed blind transfer puts the call
/// back; <see cref="TargetOffer"/> is the target ringing during a consultative transfer.
/// </summary>
public sealed record CallTransfer(
    TransferKind Kind, TransferTarget Target, AgentId FromAgent, QueueId FromQueue, DateTimeOffset StartedAt,
    AgentAssignment? TargetOffer = null);

/// <summary>
/// One call's state, immutable. Changed only by <see cref="CallLifecycle.Apply"/>, so replaying a
/// call's events from <see cref="New"/> rebuilds it exactly. What routing needs to place the call
/// again (tier, arrival time, emergency, preferred agent, extra skills) is kept for its whole life,
/// across overflows, transfers and callbacks. The setters are internal so no caller can skip the rules;
/// the three that Apply sets on its own fresh copy are settable, the rest init-only.
/// </summary>
public sealed record CallState
{
    private CallState(CallId id) => Id = id;

    public CallId Id { get; }
    public CallStatus Status { get; internal init; }

    /// <summary>When the current status began.</summary>
    public DateTimeOffset StatusSince { get; internal set; } = DateTimeOffset.MinValue;

    /// <summary>The sequence number of the last event applied; the next event carries one more.</summary>
    public long LastSequence { get; internal set; }

    /// <summary>The queue the call waits in (or last waited in); overflows and transfers move it.</summary>
    public QueueId Queue { get; internal init; }

    public TierId Tier { get; internal init; }
    public bool Emergency { get; internal init; }
    public AgentId? PreferredAgent { get; internal init; }
    public IReadOnlyList<SkillRequirement> ExtraSkills { get; internal init; } = [];

    /// <summary>The routing order's key: set once at arrival, kept across overflow, transfer and callback.</summary>
    public DateTimeOffset ArrivedAt { get; internal init; } = DateTimeOffset.MinValue;

    /// <summary>When the call took its place in the current line; null while it has none.</summary>
    public DateTimeOffset? QueuedAt { get; internal init; }

    /// <summary>False while nobody is on the line: the caller hung up to wait for a callback.</summary>
    public bool CallerOnLine { get; internal init; }

    /// <summary>The ringing offer; set exactly when <see cref="Status"/> is Ringing.</summary>
    public AgentAssignment? Offer { get; internal init; }

    /// <summary>The agent talking to the caller; set exactly when <see cref="Status"/> is Connected.</summary>
    public AgentAssignment? Connection { get; internal init; }

    /// <summary>When the current agent answered; set exactly when <see cref="Status"/> is Connected.</summary>
    public DateTimeOffset? ConnectedAt { get; internal init; }

    /// <summary>The agent who first answered: owner of the case (first-contact responsibility), kept across transfers.</summary>
    public AgentId? Owner { get; internal init; }

    /// <summary>When the first agent answered: the end of the caller's wait in the reports.</summary>
    public DateTimeOffset? AnsweredAt { get; internal init; }

    public CallTransfer? Transfer { get; internal init; }

    /// <summary>The queue refused the call but offered a callback: a hang-up now counts as refused, not abandoned.</summary>
    public bool CallbackOffered { get; internal set; }

    /// <summary>When the customer asked for a callback; set for the rest of the call's life once it became a callback.</summary>
    public DateTimeOffset? CallbackRequestedAt { get; internal init; }

    /// <summary>The promised time of a scheduled callback; null for one that waits its turn in line.</summary>
    public DateTimeOffset? CallbackDueAt { get; internal init; }

    /// <summary>The scheduled callback was flagged late (appointments must be kept).</summary>
    public bool CallbackLate { get; internal init; }

    /// <summary>The highest long-wait threshold crossed in the current wait; cleared when an agent answers.</summary>
    public TimeSpan? LongWaitCrossed { get; internal init; }

    /// <summary>The call reached its tier's maximum wait and is served next; cleared when an agent answers.</summary>
    public bool Promoted { get; internal init; }

    /// <summary>Set exactly when <see cref="Status"/> is Ended, with <see cref="EndedAt"/>.</summary>
    public CallOutcome? Outcome { get; internal init; }

    public DateTimeOffset? EndedAt { get; internal init; }

    /// <summary>A known call the gateway has not reported yet: the start of every replay.</summary>
    public static CallState New(CallId id) => new(id);

    /// <summary>The customer asked to be called back, so the interaction ends as a callback.</summary>
    public bool IsCallback => CallbackRequestedAt is not null;

    /// <summary>Waiting for an agent: the statuses an offer may be made from.</summary>
    public bool IsWaiting => Status is CallStatus.Arrived or CallStatus.Queued or CallStatus.CallbackRequested;
}
