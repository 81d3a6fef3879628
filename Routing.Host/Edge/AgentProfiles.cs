using System.Collections.Concurrent;
using CallCenter.Routing.Configuration;
using CallCenter.Routing.Host.Configuration;
using CallCenter.Routing.Model;

namespace CallCenter.Routing.Host.Edge;

/// <summary>An agent's stored skills (and backup), used when its softphone logs in naming none.</summary>
public sealed record StoredAgentProfile(AgentId Agent, IReadOnlyList<AgentSkill> Skills, AgentId? Backup);

/// <summary>
/// The agent profiles, changed at run time by operators (see <see cref="ConfigurationAdmin"/>);
/// a change reaches an agent at its next login, never the state it is in.
/// </summary>
public sealed class AgentProfiles
{
    private readonly ConcurrentDictionary<AgentId, StoredAgentProfile> _profiles = new();
    /// <summary>Replaced whole when skills are added, so readers on other threads see one set or the other.</summary>
    private volatile HashSet<SkillId> _skills;

    /// <param name="configured">The profiles the settings give (<c>Edge:AgentProfiles</c>).</param>
    public AgentProfiles(RoutingConfiguration routing, IReadOnlyList<AgentProfileSettings> configured)
    {
        _skills = [.. routing.Skills];
        for (var i = 0; i < configured.Count; i++)
        {
            var profile = configured[i];
            var stored = new StoredAgentProfile(
                new AgentId(profile.AgentId),
                profile.Skills.Select(s => new AgentSkill(new SkillId(s.Skill), s.Level)).ToList(),
                string.IsNullOrEmpty(profile.Backup) ? null : new AgentId(profile.Backup));
            if (Problem(stored) is { } problem)
            {
                throw new InvalidConfigurationException([new ConfigurationError($"Edge:AgentProfiles[{i}].{problem.Field}", problem.Message)]);
            }

            _profiles[stored.Agent] = stored;
        }
    }

    public IReadOnlyCollection<StoredAgentProfile> All => _profiles.Values.OrderBy(p => p.Agent.Value, StringComparer.Ordinal).ToList();

    public StoredAgentProfile? Find(AgentId agent) => _profiles.GetValueOrDefault(agent);

    /// <summary>The skills the routing configuration now knows.</summary>
    public void UseSkills(IEnumerable<SkillId> skills) => _skills = [.. skills];

    /// <summary>Stores the profile; a bad profile is refused, naming its field.</summary>
    public void Put(StoredAgentProfile profile)
    {
        Check(profile);
        _profiles[profile.Agent] = profile;
    }

    /// <summary>Refuses a bad profile, naming its field.</summary>
    public void Check(StoredAgentProfile profile)
    {
        if (Problem(profile) is { } problem)
        {
            throw RequestChecks.Invalid(problem.Field, problem.Message);
        }
    }

    /// <summary>At start: the skills and the profiles the configuration journal recorded (checked when they were put).</summary>
    public void Restore(IEnumerable<SkillId> skills, IEnumerable<StoredAgentProfile> changes)
    {
        UseSkills(skills);
        foreach (var profile in changes)
        {
            _profiles[profile.Agent] = profile;
        }
    }

    private (string Field, string Message)? Problem(StoredAgentProfile profile) =>
        string.IsNullOrWhiteSpace(profile.Agent.Value) ? ("agent_id", "is required") : CheckSkills(profile.Skills) is { } problem ? (problem.Field, problem.Message) : null;

    /// <summary>
    /// The first skill the routing configuration does not know (<c>Unknown</c>), or whose level is out of range.
    /// </summary>
    public (string Field, string Message, bool Unknown)? CheckSkills(IReadOnlyList<AgentSkill> skills)
    {
        for (var i = 0; i < skills.Count; i++)
        {
            var skill = skills[i];
            if (!_skills.Contains(skill.Skill))
            {
                return ($"skills[{i}].skill_id", $"unknown skill '{skill.Skill}'", true);
            }

            if (!Proficiency.IsValid(skill.Level))
            {
                return ($"skills[{i}].level", $"must be between {Proficiency.Minimum} and {Proficiency.Maximum}", false);
            }
        }

        return null;
    }
}
