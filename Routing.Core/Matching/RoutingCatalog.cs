using CallCenter.Routing.Configuration;
using CallCenter.Routing.Model;

namespace CallCenter.Routing.Matching;

/// <summary>
/// What a configuration names (queues, tiers, skills), for checking a request before it is
/// accepted. Immutable, so one instance serves every caller.
/// </summary>
public sealed class RoutingCatalog
{
    private readonly HashSet<QueueId> _queues;
    private readonly HashSet<TierId> _tiers;
    private readonly HashSet<SkillId> _skills;

    public RoutingCatalog(RoutingConfiguration configuration)
    {
        _queues = configuration.Queues.Select(q => q.Id).ToHashSet();
        _tiers = configuration.Tiers.Select(t => t.Id).ToHashSet();
        _skills = [.. configuration.Skills];
    }

    public bool HasQueue(QueueId queue) => _queues.Contains(queue);

    public bool HasSkill(SkillId skill) => _skills.Contains(skill);

    /// <summary>The first problem of a call request, naming its field; null when it can be routed.</summary>
    public Outcome? Validate(CallRequest request)
    {
        if (string.IsNullOrWhiteSpace(request.Id.Value))
        {
            return Outcome.Invalid("callId", "must not be empty");
        }

        if (!_queues.Contains(request.Queue))
        {
            return Outcome.NotFound("queue", $"unknown queue '{request.Queue}'");
        }

        if (!_tiers.Contains(request.Tier))
        {
            return Outcome.NotFound("tier", $"unknown tier '{request.Tier}'");
        }

        for (var i = 0; i < request.ExtraSkills.Count; i++)
        {
            var skill = request.ExtraSkills[i];
            if (!_skills.Contains(skill.Skill))
            {
                return Outcome.NotFound($"extraSkills[{i}].skill", $"unknown skill '{skill.Skill}'");
            }

            if (!Proficiency.IsValid(skill.MinimumLevel))
            {
                return Outcome.Invalid($"extraSkills[{i}].minimumLevel",
                    $"must be between {Proficiency.Minimum} and {Proficiency.Maximum}");
            }
        }

        return null;
    }
}
