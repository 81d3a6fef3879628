using CallCenter.Routing.Configuration;
using CallCenter.Routing.Model;

namespace CallCenter.Routing.Matching;

internal enum CallPhase
{
    Waiting,
    Offered,
    Gone,
}

internal enum AgentPresence
{
    /// <summary>Logged in but not taking calls (not ready).</summary>
    Away,
    Idle,

    /// <summary>Reserved, talking or wrapping up: staffed, but not free.</summary>
    Busy,
}

/// <summary>A call the engine holds: waiting in a queue, or offered and not yet answered.</summary>
internal sealed class CallEntry
{
    public required CallId Id { get; init; }
    public required int TierRank { get; init; }
    public required bool Emergency { get; init; }
    public required long ArrivedTicks { get; init; }
    public required long Sequence { get; init; }
    public required SkillRequirement[] ExtraSkills { get; init; }
    public required string ExtrasKey { get; init; }

    /// <summary>When this engine first saw the call (its arrival may be earlier, for a transfer).</summary>
    public required long FirstSeenTicks { get; init; }

    public bool CallTimersSet { get; set; }
    public bool QueueTimersSet { get; set; }
    public bool PreferenceTimerSet { get; set; }

    public required QueueRuntime Queue { get; set; }
    public long QueueEnteredTicks { get; set; }

    /// <summary>Bumped when the call changes queue, so the old queue's timers lapse.</summary>
    public int QueueGeneration { get; set; }

    public int RelaxationStep { get; set; }
    public required Bucket Bucket { get; set; }
    public PriorityKey Key { get; set; }

    /// <summary>The negated priority of the queue the call was first placed in: the tie-break of its key.</summary>
    public int Tie { get; set; }
    public bool Overdue { get; set; }

    /// <summary>The preferred or backup agent the call is reserved for, until <see cref="TargetUntilTicks"/>.</summary>
    public AgentEntry? Target { get; set; }
    public MatchRule TargetRule { get; set; }
    public long TargetUntilTicks { get; set; }
    public long TargetLengthTicks { get; set; }

    public CallPhase Phase { get; set; }
    public AgentEntry? OfferedTo { get; set; }
    public long OfferEpoch { get; set; }
    public bool QueueExitDone { get; set; }

    /// <summary>Agents who declined this call (by id, so a new login is remembered too): it is not offered to them again.</summary>
    public List<AgentId>? DeclinedBy { get; set; }

    public bool WasDeclinedBy(AgentEntry agent) => DeclinedBy is not null && DeclinedBy.Contains(agent.Id);
}

/// <summary>An agent as matching sees it: skills, presence and the orders it sits in.</summary>
internal sealed class AgentEntry
{
    public required AgentId Id { get; init; }
    public required int Sequence { get; init; }
    public required Dictionary<SkillId, int> Skills { get; init; }
    public AgentId? Backup { get; init; }

    public AgentPresence Presence { get; set; } = AgentPresence.Away;
    public long IdleSinceTicks { get; set; }
    public int CallsHandledToday { get; set; }
    public CallEntry? Offer { get; set; }

    /// <summary>Groups whose requirement this agent meets, with its proficiency score there.</summary>
    public List<(RequirementGroup Group, int Score)> Eligible { get; } = [];

    /// <summary>Calls waiting for this agent by name (preferred or backup), best first.</summary>
    public RankedSet<PriorityKey, CallEntry>? Personal { get; set; }

    public bool IsStaffed => Presence != AgentPresence.Away;

    public int? ScoreIn(RequirementGroup group)
    {
        foreach (var (eligible, score) in Eligible)
        {
            if (eligible == group)
            {
                return score;
            }
        }

        return null;
    }

    public AgentRank RankIn(AgentSelection selection, int score) =>
        AgentRank.For(selection, IdleSinceTicks, CallsHandledToday, score, Sequence);

    /// <summary>The agent's figures as the group's selection order weighs them, for an offer's trace.</summary>
    public AgentStanding StandingIn(RequirementGroup group) =>
        new(Id, new DateTimeOffset(IdleSinceTicks, TimeSpan.Zero), CallsHandledToday, group.Score(Skills) ?? 0, Sequence);
}

/// <summary>
/// Agents who meet one requirement, and the idle ones in the order of one selection
/// strategy. Shared by every bucket with that requirement and strategy.
/// </summary>
internal sealed class RequirementGroup
{
    public required SkillRequirement[] Requirement { get; init; }
    public required AgentSelection Selection { get; init; }
    public RankedSet<AgentRank, AgentEntry> Idle { get; } = new();
    public List<Bucket> Buckets { get; } = [];

    /// <summary>Eligible agents who are logged in and not away.</summary>
    public int Staffed { get; set; }

    /// <summary>The agent's score here, or null when the agent lacks a required skill or level.</summary>
    public int? Score(Dictionary<SkillId, int> skills)
    {
        var score = 0;
        foreach (var requirement in Requirement)
        {
            if (!skills.TryGetValue(requirement.Skill, out var level) || level < requirement.MinimumLevel)
            {
                return null;
            }

            score += level;
        }

        return score;
    }
}

/// <summary>The calls of one queue that need exactly one requirement, best first.</summary>
internal sealed class Bucket
{
    public required QueueRuntime Queue { get; init; }
    public required RequirementGroup Group { get; init; }
    public RankedSet<PriorityKey, CallEntry> Calls { get; } = new();
}

internal sealed class QueueRuntime
{
    public required QueueConfig Config { get; init; }

    /// <summary>The queue's requirement at each relaxation step (step 0 is the full one).</summary>
    public required SkillRequirement[][] StepRequirements { get; init; }

    /// <summary>Buckets by (step, extra skills key).</summary>
    public Dictionary<(int Step, string Extras), Bucket> Buckets { get; } = [];

    /// <summary>The bucket of the queue's full requirement without extra skills: the queue's own staffing.</summary>
    public Bucket BaseBucket { get; set; } = null!;

    /// <summary>
    /// All waiting calls of the queue in service order: positions come from here. A changed
    /// configuration of the queue shares it with the one before, so calls waiting under either
    /// count in one line.
    /// </summary>
    public RankedSet<PriorityKey, CallEntry> Order { get; init; } = new();

    /// <summary>Smoothed handle time, seeded from the configuration and fed by finished calls.</summary>
    public double HandleTimeSeconds { get; set; }

    public QueueId Id => Config.Id;
}

internal enum TimerKind
{
    PreferenceExpiry,
    Relaxation,
    QueueMaximumWait,
    Promotion,
    LongWait,
}

/// <summary>A due action for a call; it lapses if the call has gone or moved queue since.</summary>
internal readonly record struct TimerEntry(CallEntry Call, TimerKind Kind, int Index, int QueueGeneration);
