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

/// <summary>
/// A call that waited for an agent when the server stopped, as the journal tells it: what routes it
/// (<see cref="Request"/>, with the queue it waits in now), the queue whose settings gave it its
/// place when its routing began (<see cref="PlacedBy"/>; null: the queue it waits in), when it
/// entered its current queue, when its routing began, the agent it waits for by name
/// (<see cref="HeldFor"/>, whose time counts from then; the request's preferred agent is not looked
/// for again) and the agents who declined it.
/// </summary>
public sealed record RestoredCall
{
    public required CallRequest Request { get; init; }
    public QueueId? PlacedBy { get; init; }
    public required DateTimeOffset QueueEnteredAt { get; init; }
    public required DateTimeOffset RoutedSince { get; init; }

    /// <summary>The agent the call was held for by name at the stop, if any; <see cref="HeldForBackup"/> when as a backup.</summary>
    public AgentId? HeldFor { get; init; }

    public bool HeldForBackup { get; init; }

    /// <summary>Its maximum wait in its current queue was acted on already (the overflow was refused): it stays.</summary>
    public bool QueueExitDone { get; init; }

    public IReadOnlyList<AgentId> DeclinedBy { get; init; } = [];
}
