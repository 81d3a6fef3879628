using CallCenter.Routing.Model;

namespace CallCenter.Routing.Configuration;

public enum QueueStatus
{
    Open,

    /// <summary>Arrivals are refused (or sent to the closed action); nothing waits.</summary>
    Closed,

    /// <summary>No new calls; the calls already waiting are still served.</summary>
    Draining,
}

/// <summary>What happens to a call the queue cannot keep (full, closed, or waited too long).</summary>
public enum QueueExitAction
{
    /// <summary>Keep the call (for the maximum wait) or refuse it (full, closed).</summary>
    None,

    /// <summary>Move the call to the queue's overflow queue, keeping its tier and arrival time.</summary>
    Overflow,

    /// <summary>Offer the caller a callback instead of (further) waiting.</summary>
    OfferCallback,
}

/// <summary>How the agent is chosen among the suitable idle ones.</summary>
public enum AgentSelection
{
    /// <summary>The agent idle the longest (fair share of work).</summary>
    LongestIdle,

    /// <summary>The agent who has handled the fewest calls today; longest idle breaks ties.</summary>
    FewestCallsToday,

    /// <summary>The highest total proficiency in the required skills; longest idle breaks ties.</summary>
    BestProficiency,
}

/// <summary>After <see cref="After"/> in the queue, a call needs only these skills.</summary>
public sealed record RelaxationStep
{
    public required TimeSpan After { get; init; }
    public required IReadOnlyList<SkillRequirement> RequiredSkills { get; init; }
}

/// <summary>An interval in a week during which a queue is open, in the schedule's time zone.</summary>
public sealed record OpeningHours(DayOfWeek Day, TimeOnly Opens, TimeOnly Closes);

/// <summary>A weekly time-of-day schedule. A queue without one is open 7x24.</summary>
public sealed record WeeklySchedule
{
    /// <summary>Offset from UTC of the local time the hours are written in.</summary>
    public TimeSpan UtcOffset { get; init; }

    public required IReadOnlyList<OpeningHours> Hours { get; init; }

    public bool IsOpenAt(DateTimeOffset now)
    {
        var local = now.ToOffset(UtcOffset);
        var time = TimeOnly.FromDateTime(local.DateTime);
        foreach (var interval in Hours)
        {
            if (interval.Day == local.DayOfWeek && time >= interval.Opens && time < interval.Closes)
            {
                return true;
            }
        }

        return false;
    }
}

public sealed record QueueConfig
{
    public required QueueId Id { get; init; }

    public IReadOnlyList<SkillRequirement> RequiredSkills { get; init; } = [];

    /// <summary>Overrides the tier's threshold for this queue's service level, when set.</summary>
    public TimeSpan? ServiceLevelThreshold { get; init; }

    /// <summary>Mean handle time used for estimated waits until real calls have been measured.</summary>
    public TimeSpan ExpectedHandleTime { get; init; } = TimeSpan.FromSeconds(180);

    public int? MaximumSize { get; init; }
    public QueueExitAction WhenFull { get; init; } = QueueExitAction.None;

    public TimeSpan? MaximumWait { get; init; }
    public QueueExitAction WhenMaximumWait { get; init; } = QueueExitAction.None;

    public QueueStatus Status { get; init; } = QueueStatus.Open;
    public WeeklySchedule? Schedule { get; init; }
    public QueueExitAction WhenClosed { get; init; } = QueueExitAction.None;

    /// <summary>Target of the Overflow actions.</summary>
    public QueueId? OverflowQueue { get; init; }

    /// <summary>Steps that loosen the skill requirement as the call waits, in order of time.</summary>
    public IReadOnlyList<RelaxationStep> Relaxation { get; init; } = [];

    public AgentSelection AgentSelection { get; init; } = AgentSelection.LongestIdle;

    /// <summary>How long a call waits for its preferred agent (or that agent's backup) before anyone suitable may take it.</summary>
    public TimeSpan PreferredAgentTimeout { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>
    /// Cross-queue order: an agent serving several queues takes the best call across them by
    /// tier, then by time waited, where a call of this queue counts as having waited this much
    /// longer. Zero for every queue: strictly the longest wait within the tier.
    /// </summary>
    public TimeSpan HeadStart { get; init; } = TimeSpan.Zero;

    /// <summary>Between calls of equal tier and equal (head-started) wait, the higher priority goes first; then the earlier to reach the server.</summary>
    public int Priority { get; init; }

    /// <summary>The bounds of <see cref="Priority"/>.</summary>
    public const int MaximumPriority = 1_000;

    public bool IsOpenAt(DateTimeOffset now) =>
        Status == QueueStatus.Open && (Schedule is null || Schedule.IsOpenAt(now));
}
