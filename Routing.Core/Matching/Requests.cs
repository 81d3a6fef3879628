using CallCenter.Routing.Model;

namespace CallCenter.Routing.Matching;

/// <summary>A call to route. ArrivedAt is kept across transfers and overflows; null means now.</summary>
public sealed record CallRequest
{
    public required CallId Id { get; init; }
    public required QueueId Queue { get; init; }
    public required TierId Tier { get; init; }
    public bool Emergency { get; init; }

    /// <summary>Skills this call needs beyond its queue's (a language, a region).</summary>
    public IReadOnlyList<SkillRequirement> ExtraSkills { get; init; } = [];

    /// <summary>The customer's named adviser, or the agent who owns the case.</summary>
    public AgentId? PreferredAgent { get; init; }

    public DateTimeOffset? ArrivedAt { get; init; }
}

/// <summary>An agent's routing profile. Backup is the agent who covers for this one (the A/B post).</summary>
public sealed record AgentProfile
{
    public required AgentId Id { get; init; }
    public required IReadOnlyList<AgentSkill> Skills { get; init; }
    public AgentId? Backup { get; init; }
}

/// <summary>
/// What the agent's own state machine reports when it becomes free: the engine takes the
/// fairness counters as given and never keeps its own copy.
/// </summary>
public readonly record struct AgentFairness(DateTimeOffset IdleSince, int CallsHandledToday);
