namespace CallCenter.Routing.Model;

/// <summary>Proficiency levels run from 1 (novice) to 10 (expert).</summary>
public static class Proficiency
{
    public const int Minimum = 1;
    public const int Maximum = 10;

    public static bool IsValid(int level) => level is >= Minimum and <= Maximum;
}

/// <summary>A skill an agent holds, at a proficiency level.</summary>
public readonly record struct AgentSkill(SkillId Skill, int Level);

/// <summary>A skill a call needs, at a minimum proficiency level.</summary>
public readonly record struct SkillRequirement(SkillId Skill, int MinimumLevel);
