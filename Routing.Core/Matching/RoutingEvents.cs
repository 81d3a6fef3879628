using CallCenter.Routing.Model;

namespace CallCenter.Routing.Matching;

/// <summary>Which rule picked the agent: the first part of every explanation.</summary>
public enum MatchRule
{
    PreferredAgent,
    BackupAgent,
    AgentSelection,
}

/// <summary>Why a call could not be kept in a queue.</summary>
public enum QueueExitReason
{
    Closed,
    Full,
    MaximumWait,
}

/// <summary>What the engine decided or noticed. Every event names its call and the time.</summary>
public abstract record RoutingEvent(CallId Call, DateTimeOffset At);

/// <summary>The call is offered to the agent; the epoch fences every later answer to this offer.</summary>
public sealed record CallOffered(
    CallId Call, DateTimeOffset At, AgentId Agent, QueueId Queue, long Epoch, MatchRule Rule,
    int RelaxationStep, TimeSpan Waited) : RoutingEvent(Call, At);

/// <summary>An offer ended unanswered (declined, rung out, the agent left): the call is back at its own place.</summary>
/// <summary>The offer ended unanswered; <paramref name="TimedOut"/> when it rang out rather than being declined.</summary>
public sealed record OfferReturned(CallId Call, DateTimeOffset At, AgentId Agent, long Epoch, bool TimedOut = false) : RoutingEvent(Call, At);

public sealed record CallQueued(
    CallId Call, DateTimeOffset At, QueueId Queue, int Position, TimeSpan? EstimatedWait) : RoutingEvent(Call, At);

/// <summary>The call moved to another queue, keeping its tier and arrival time.</summary>
public sealed record CallOverflowed(
    CallId Call, DateTimeOffset At, QueueId From, QueueId To, QueueExitReason Reason) : RoutingEvent(Call, At);

/// <summary>The queue refused the call; the caller may be offered a callback instead.</summary>
public sealed record CallRefused(
    CallId Call, DateTimeOffset At, QueueId Queue, QueueExitReason Reason, bool CallbackOffered) : RoutingEvent(Call, At);

/// <summary>The caller, still waiting, may leave a callback request instead.</summary>
public sealed record CallbackOffered(CallId Call, DateTimeOffset At, QueueId Queue) : RoutingEvent(Call, At);

public sealed record RequirementRelaxed(CallId Call, DateTimeOffset At, QueueId Queue, int Step) : RoutingEvent(Call, At);

/// <summary>The call waited past one of its tier's long-wait thresholds.</summary>
public sealed record LongWaitCrossed(CallId Call, DateTimeOffset At, TierId Tier, TimeSpan Threshold) : RoutingEvent(Call, At);

/// <summary>The call reached its tier's maximum wait and is now served next (anti-starvation).</summary>
public sealed record CallPromoted(CallId Call, DateTimeOffset At, TierId Tier) : RoutingEvent(Call, At);

/// <summary>The call stopped waiting for its preferred (or backup) agent; anyone suitable may take it.</summary>
public sealed record PreferenceExpired(CallId Call, DateTimeOffset At, AgentId Agent) : RoutingEvent(Call, At);

/// <summary>
/// What a command did: its outcome and the events, in order. A refused command may still
/// carry events: timers that fell due before it are carried out whatever it asked.
/// </summary>
public sealed record RoutingResult(Outcome Outcome, IReadOnlyList<RoutingEvent> Events)
{
    public static RoutingResult Refused(Outcome outcome) => new(outcome, []);
}
