using CallCenter.Routing.Configuration;
using CallCenter.Routing.Model;

namespace CallCenter.Routing.Host.Configuration;

/// <summary>
/// The "Routing" section of appsettings.json, as plain bindable settings; turned into the
/// core's <see cref="RoutingConfiguration"/>, which the core then validates field by field.
/// </summary>
public sealed class RoutingSettings
{
    public List<TierSettings> Tiers { get; set; } = [];
    public List<string> Skills { get; set; } = [];
    public List<QueueSettings> Queues { get; set; } = [];
    public AntiStarvationMode AntiStarvation { get; set; } = AntiStarvationMode.MaximumWait;

    /// <summary>Lets the server start with no queue (they may come at run time); otherwise none stops the start.</summary>
    public bool AllowNoQueues { get; set; }

    /// <summary>The routing domains besides the default one (whose settings are these), by id; see <see cref="RoutingDomains"/>.</summary>
    public Dictionary<string, RoutingSettings> Domains { get; set; } = [];

    public static RoutingSettings Load(IConfiguration configuration) =>
        SettingsBinding.Read<RoutingSettings>(configuration, "Routing");

    public RoutingConfiguration ToConfiguration() => new()
    {
        Tiers = Tiers.Count == 0 ? DefaultTiers.Ladder : Tiers.Select(t => t.ToConfig()).ToList(),
        Skills = Skills.Select(s => new SkillId(s)).ToList(),
        Queues = Queues.Select(q => q.ToConfig()).ToList(),
        AntiStarvation = AntiStarvation,
    };
}

public sealed class TierSettings
{
    public string Id { get; set; } = "";
    public double ServiceLevelThresholdSeconds { get; set; } = 15;
    public double TargetServiceLevel { get; set; } = 0.8;
    public List<double> LongWaitThresholdsSeconds { get; set; } = [];
    public double AgingHeadStartSeconds { get; set; }
    public double? MaximumWaitSeconds { get; set; }

    public TierConfig ToConfig() => new()
    {
        Id = new TierId(Id),
        ServiceLevelThreshold = TimeSpan.FromSeconds(ServiceLevelThresholdSeconds),
        TargetServiceLevel = TargetServiceLevel,
        LongWaitThresholds = LongWaitThresholdsSeconds.Select(TimeSpan.FromSeconds).ToList(),
        AgingHeadStart = TimeSpan.FromSeconds(AgingHeadStartSeconds),
        MaximumWait = MaximumWaitSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : null,
    };
}

public sealed class SkillRequirementSettings
{
    public string Skill { get; set; } = "";
    public int MinimumLevel { get; set; } = Proficiency.Minimum;

    public SkillRequirement ToRequirement() => new(new SkillId(Skill), MinimumLevel);
}

public sealed class RelaxationSettings
{
    public double AfterSeconds { get; set; }
    public List<SkillRequirementSettings> RequiredSkills { get; set; } = [];
}

public sealed class QueueSettings
{
    public string Id { get; set; } = "";
    public List<SkillRequirementSettings> RequiredSkills { get; set; } = [];
    public double? ServiceLevelThresholdSeconds { get; set; }
    public double ExpectedHandleTimeSeconds { get; set; } = 180;
    public int? MaximumSize { get; set; }
    public QueueExitAction WhenFull { get; set; }
    public double? MaximumWaitSeconds { get; set; }
    public QueueExitAction WhenMaximumWait { get; set; }
    public QueueStatus Status { get; set; }
    public QueueExitAction WhenClosed { get; set; }
    public string? OverflowQueue { get; set; }
    public List<RelaxationSettings> Relaxation { get; set; } = [];
    public AgentSelection AgentSelection { get; set; }
    public double PreferredAgentTimeoutSeconds { get; set; } = 20;
    public double HeadStartSeconds { get; set; }
    public int Priority { get; set; }

    public QueueConfig ToConfig() => new()
    {
        Id = new QueueId(Id),
        RequiredSkills = RequiredSkills.Select(r => r.ToRequirement()).ToList(),
        ServiceLevelThreshold = ServiceLevelThresholdSeconds is { } threshold ? TimeSpan.FromSeconds(threshold) : null,
        ExpectedHandleTime = TimeSpan.FromSeconds(ExpectedHandleTimeSeconds),
        MaximumSize = MaximumSize,
        WhenFull = WhenFull,
        MaximumWait = MaximumWaitSeconds is { } wait ? TimeSpan.FromSeconds(wait) : null,
        WhenMaximumWait = WhenMaximumWait,
        Status = Status,
        WhenClosed = WhenClosed,
        OverflowQueue = string.IsNullOrEmpty(OverflowQueue) ? null : new QueueId(OverflowQueue),
        Relaxation = Relaxation.Select(step => new RelaxationStep
        {
            After = TimeSpan.FromSeconds(step.AfterSeconds),
            RequiredSkills = step.RequiredSkills.Select(r => r.ToRequirement()).ToList(),
        }).ToList(),
        AgentSelection = AgentSelection,
        PreferredAgentTimeout = TimeSpan.FromSeconds(PreferredAgentTimeoutSeconds),
        HeadStart = TimeSpan.FromSeconds(HeadStartSeconds),
        Priority = Priority,
    };
}
