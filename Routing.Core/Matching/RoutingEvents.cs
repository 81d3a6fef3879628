using CallCenter.Routing.Configuration;
using CallCenter.Routing.Lifecycle;
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

/// <summary>
/// The call is offered to the agent; the epoch fences every later answer to this offer.
/// <paramref name="Trace"/> says what the choice was weighed against (the engine always gives one).
/// </summary>
public sealed record CallOffered(
    CallId Call, DateTimeOffset At, AgentId Agent, QueueId Queue, long Epoch, MatchRule Rule,
    int RelaxationStep, TimeSpan Waited, OfferTrace? Trace = null) : RoutingEvent(Call, At);

/// <summary>An idle agent's figures as a queue's selection order weighs them.</summary>
/// <param name="Proficiency">Total level in the skills the call requires.</param>
/// <param name="LoginOrder">The order agents logged in to the engine: the last tie-break.</param>
public readonly record struct AgentStanding(AgentId Agent, DateTimeOffset IdleSince, int CallsHandledToday, int Proficiency, int LoginOrder)
{
    internal AgentRank RankIn(AgentSelection selection) =>
        AgentRank.For(selection, IdleSince.UtcTicks, CallsHandledToday, Proficiency, LoginOrder);
}

/// <summary>A waiting call's place in line: <see cref="Key"/> orders it (smaller first).</summary>
public readonly record struct CallStanding(CallId Call, QueueId Queue, TierId Tier, PriorityKey Key);

/// <summary>
/// What an offer was weighed against, as the engine saw it at the moment it chose: how many
/// candidates its order held, the chosen one's standing and the runner-up's, the one that would
/// have been chosen without the winner. Every other candidate ranked behind the runner-up.
/// Recorded from the heads of the orders the engine reads anyway, so it costs no scan.
/// </summary>
public abstract record OfferTrace(int Considered)
{
    /// <summary>The first part of the order in which the chosen one and the runner-up differed.</summary>
    public abstract DecidingFactor DecidedBy { get; }
}

/// <summary>
/// The call (arriving, or back in line) took the first agent of its requirement's idle order:
/// <paramref name="Considered"/> idle suitable agents, ordered by the queue's <paramref name="Selection"/>.
/// For a preferred or backup agent the one named is the only candidate.
/// </summary>
public sealed record AgentChosen(int Considered, AgentSelection Selection, AgentStanding Chosen, AgentStanding? RunnerUp)
    : OfferTrace(Considered)
{
    public override DecidingFactor DecidedBy => RunnerUp is { } next
        ? Chosen.RankIn(Selection).FirstDifference(next.RankIn(Selection), Selection)
        : DecidingFactor.OnlyCandidate;
}

/// <summary>
/// An agent becoming free took the best call it may take: <paramref name="Considered"/> calls waited
/// for it by name or in the lines it serves. Calls waiting for it by name (<paramref name="ByName"/>,
/// <paramref name="RunnerUpByName"/>) come before every other, whatever their keys.
/// </summary>
public sealed record CallChosen(
    int Considered, CallStanding Chosen, CallStanding? RunnerUp, bool ByName = false, bool RunnerUpByName = false)
    : OfferTrace(Considered)
{
    public override DecidingFactor DecidedBy => RunnerUp is not { } next ? DecidingFactor.OnlyCandidate
        : ByName != RunnerUpByName ? DecidingFactor.ByName
        : Chosen.Key.FirstDifference(next.Key);
}

/// <summary>
/// An offer ended unanswered, for <paramref name="Reason"/> (declined, rung out, the agent left or was
/// no longer free): the call is back at its own place. Unless the reason
/// <see cref="OfferReturnReasons.CountsAsDecline">counts as a decline</see>, the agent may be offered the call again.
/// </summary>
public sealed record OfferReturned(CallId Call, DateTimeOffset At, AgentId Agent, long Epoch, OfferReturnReason Reason) : RoutingEvent(Call, At);

public sealed record CallQueued(
    CallId Call, DateTimeOffset At, QueueId Queue, int Position, TimeSpan? EstimatedWait) : RoutingEvent(Call, At);

/// <summary>The call moved to another queue, keeping its tier and arrival time.</summary>
public sealed record CallOverflowed(
    CallId Call, DateTimeOffset At, QueueId From, QueueId To, QueueExitReason Reason) : RoutingEvent(Call, At);

/// <summary>The queue refused the call; the caller may be offered a callback instead.</summary>
public sealed record CallRefused(
    CallId Call, DateTimeOffset At, QueueId Queue, QueueExitReason Reason, bool CallbackOffered) : RoutingEvent(Call, At);

/// <summary>
/// The call waited its queue's maximum wait, and the queue its overflow leads to (or one further down
/// the chain, <paramref name="RefusedBy"/>) turned it away for <paramref name="Reason"/>: it keeps its
/// place in <paramref name="Queue"/>, and is not moved on from there again.
/// </summary>
public sealed record OverflowRefused(CallId Call, DateTimeOffset At, QueueId Queue, QueueId RefusedBy, QueueExitReason Reason)
    : RoutingEvent(Call, At);

/// <summary>The caller, still waiting, may leave a callback request instead.</summary>
public sealed record CallbackOffered(CallId Call, DateTimeOffset At, QueueId Queue) : RoutingEvent(Call, At);

public sealed record RequirementRelaxed(CallId Call, DateTimeOffset At, QueueId Queue, int Step) : RoutingEvent(Call, At);

/// <summary>The call waited past one of its tier's long-wait thresholds.</summary>
public sealed record LongWaitCrossed(CallId Call, DateTimeOffset At, TierId Tier, TimeSpan Threshold) : RoutingEvent(Call, At);

/// <summary>The call reached its tier's maximum wait and is now served next (anti-starvation).</summary>
public sealed record CallPromoted(CallId Call, DateTimeOffset At, TierId Tier) : RoutingEvent(Call, At);

/// <summary>
/// The call, placed in line, waits for this agent by name: its preferred agent, or the backup of an
/// absent preferred agent (<paramref name="Rule"/> says which), until its queue's preferred-agent time
/// runs out or the agent goes. Only that agent is offered it meanwhile.
/// </summary>
public sealed record HeldForAgent(CallId Call, DateTimeOffset At, AgentId Agent, MatchRule Rule) : RoutingEvent(Call, At);

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
