using System.Text.Json;
using System.Text.Json.Serialization;
using CallCenter.Routing.Matching;

namespace CallCenter.Routing.Host.InteractionLog;

/// <summary>
/// One candidate of a routing decision as the log keeps it: an element of
/// <c>routing_decisions.candidates</c>. An agent (the call chose among idle agents) or a call (a
/// freed agent chose among waiting calls), with the parts of its key in the order that decided.
/// </summary>
public sealed record LoggedCandidate
{
    public bool Chosen { get; init; }

    public string? Agent { get; init; }

    /// <summary>Total level in the skills the call requires.</summary>
    public int? Proficiency { get; init; }

    public int? CallsToday { get; init; }
    public DateTimeOffset? IdleSince { get; init; }

    /// <summary>The order agents logged in to the engine: the last tie-break between agents.</summary>
    public int? LoginOrder { get; init; }

    public string? Call { get; init; }
    public string? Queue { get; init; }
    public string? Tier { get; init; }

    /// <summary>True when the call waited for the agent by name (preferred or backup): such calls come first.</summary>
    public bool? ByName { get; init; }

    /// <summary><c>emergency</c>, <c>overdue</c> (past its tier's maximum wait) or <c>tier</c>.</summary>
    public string? Band { get; init; }

    /// <summary>When the call's place in line counts from: its arrival, moved earlier by head starts.</summary>
    public DateTimeOffset? WaitingSince { get; init; }

    /// <summary>For an overdue call, when it became overdue (its place among overdue calls).</summary>
    public DateTimeOffset? OverdueSince { get; init; }

    public int? QueuePriority { get; init; }

    /// <summary>The order calls reached the server: the last tie-break between calls.</summary>
    public long? ArrivalOrder { get; init; }
}

/// <summary>
/// The engine's <see cref="OfferTrace"/> in the log's terms (the columns chose, considered, runner_up,
/// candidates and tie_break of routing_decisions), and back. Pure.
/// </summary>
public static class DecisionTraces
{
    public const string ChoseAgent = "agent";
    public const string ChoseCall = "call";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static string? Chose(OfferTrace? trace) => trace switch
    {
        AgentChosen => ChoseAgent,
        CallChosen => ChoseCall,
        _ => null,
    };

    public static string? RunnerUp(OfferTrace? trace) => trace switch
    {
        AgentChosen { RunnerUp: { } next } => next.Agent.Value,
        CallChosen { RunnerUp: { } next } => next.Call.Value,
        _ => null,
    };

    public static string? TieBreak(OfferTrace? trace) => trace is null ? null : Name(trace.DecidedBy);

    /// <summary>The name the log and the API give a deciding factor.</summary>
    public static string Name(DecidingFactor factor) => factor switch
    {
        DecidingFactor.ByName => "by-name",
        DecidingFactor.Band => "band",
        DecidingFactor.Wait => "wait",
        DecidingFactor.QueuePriority => "queue-priority",
        DecidingFactor.ArrivalOrder => "arrival-order",
        DecidingFactor.Proficiency => "proficiency",
        DecidingFactor.CallsToday => "calls-today",
        DecidingFactor.IdleTime => "idle-time",
        DecidingFactor.LoginOrder => "login-order",
        _ => "only-candidate",
    };

    /// <summary>The chosen one first, then the runner-up if there was one.</summary>
    public static IReadOnlyList<LoggedCandidate> Candidates(OfferTrace? trace) => trace switch
    {
        AgentChosen agents => agents.RunnerUp is { } next ? [Of(agents.Chosen, true), Of(next, false)] : [Of(agents.Chosen, true)],
        CallChosen calls => calls.RunnerUp is { } next
            ? [Of(calls.Chosen, true, calls.ByName), Of(next, false, calls.RunnerUpByName)]
            : [Of(calls.Chosen, true, calls.ByName)],
        _ => [],
    };

    public static string? CandidatesJson(OfferTrace? trace) =>
        trace is null ? null : JsonSerializer.Serialize(Candidates(trace), Json);

    public static IReadOnlyList<LoggedCandidate> ParseCandidates(string? json) =>
        string.IsNullOrEmpty(json) ? [] : JsonSerializer.Deserialize<List<LoggedCandidate>>(json, Json) ?? [];

    private static LoggedCandidate Of(AgentStanding agent, bool chosen) => new()
    {
        Chosen = chosen,
        Agent = agent.Agent.Value,
        Proficiency = agent.Proficiency,
        CallsToday = agent.CallsHandledToday,
        IdleSince = agent.IdleSince,
        LoginOrder = agent.LoginOrder,
    };

    private static LoggedCandidate Of(CallStanding call, bool chosen, bool byName)
    {
        var key = call.Key;
        var since = Time(key.Primary);
        return new LoggedCandidate
        {
            Chosen = chosen,
            Call = call.Call.Value,
            ByName = byName ? true : null,
            Queue = call.Queue.Value,
            Tier = call.Tier.Value,
            Band = key.Band switch
            {
                PriorityKey.EmergencyBand => "emergency",
                PriorityKey.OverdueBand => "overdue",
                _ => "tier",
            },
            WaitingSince = key.Band == PriorityKey.OverdueBand ? null : since,
            OverdueSince = key.Band == PriorityKey.OverdueBand ? since : null,
            QueuePriority = -key.Tie,
            ArrivalOrder = key.Sequence,
        };
    }

    private static DateTimeOffset? Time(long ticks) =>
        ticks >= DateTimeOffset.MinValue.UtcTicks && ticks <= DateTimeOffset.MaxValue.UtcTicks ? new DateTimeOffset(ticks, TimeSpan.Zero) : null;
}
