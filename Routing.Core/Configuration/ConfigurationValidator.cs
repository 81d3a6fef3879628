using CallCenter.Routing.Model;

namespace CallCenter.Routing.Configuration;

/// <summary>Finds every problem in a configuration, each named by the path of its field.</summary>
internal static class ConfigurationValidator
{
    public static IReadOnlyList<ConfigurationError> Validate(RoutingConfiguration config)
    {
        var errors = new List<ConfigurationError>();
        if (!Enum.IsDefined(config.AntiStarvation))
        {
            errors.Add(new("antiStarvation", $"unknown rule '{config.AntiStarvation}'"));
        }

        ValidateTiers(config, errors);
        var skills = ValidateSkills(config.Skills, errors);
        ValidateQueues(config.Queues, skills, errors);
        return errors;
    }

    private static void ValidateTiers(RoutingConfiguration config, List<ConfigurationError> errors)
    {
        if (config.Tiers is null || config.Tiers.Count == 0)
        {
            errors.Add(new("tiers", "the tier ladder is empty; at least one tier is needed"));
            return;
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < config.Tiers.Count; i++)
        {
            var tier = config.Tiers[i];
            var path = $"tiers[{i}]";
            if (string.IsNullOrWhiteSpace(tier.Id.Value))
            {
                errors.Add(new($"{path}.id", "a tier needs a name"));
            }
            else if (!seen.Add(tier.Id.Value))
            {
                errors.Add(new($"{path}.id", $"tier '{tier.Id}' appears twice in the ladder"));
            }

            if (tier.ServiceLevelThreshold < TimeSpan.Zero)
            {
                errors.Add(new($"{path}.serviceLevelThreshold", "must not be negative"));
            }

            if (double.IsNaN(tier.TargetServiceLevel) || tier.TargetServiceLevel is < 0 or > 1)
            {
                errors.Add(new($"{path}.targetServiceLevel", "must be a share between 0 and 1"));
            }

            RequireAscendingPositive(tier.LongWaitThresholds, $"{path}.longWaitThresholds", errors);

            if (tier.AgingHeadStart < TimeSpan.Zero)
            {
                errors.Add(new($"{path}.agingHeadStart", "must not be negative"));
            }

            if (tier.MaximumWait is { } maximumWait && maximumWait < TimeSpan.Zero)
            {
                errors.Add(new($"{path}.maximumWait", "must not be negative"));
            }
            else if (tier.MaximumWait is null && config.AntiStarvation == AntiStarvationMode.MaximumWait)
            {
                errors.Add(new($"{path}.maximumWait", "is required when antiStarvation is MaximumWait"));
            }
        }
    }

    private static string PathOf(QueueConfig queue, int index) =>
        string.IsNullOrWhiteSpace(queue.Id.Value) ? $"queues[{index}]" : $"queues[{queue.Id}]";

    private static void RequireDefined<TEnum>(TEnum value, string path, List<ConfigurationError> errors)
        where TEnum : struct, Enum
    {
        if (!Enum.IsDefined(value))
        {
            errors.Add(new(path, $"'{value}' is not one of {string.Join(", ", Enum.GetNames<TEnum>())}"));
        }
    }

    private static void RequireAscendingPositive(IReadOnlyList<TimeSpan> times, string path, List<ConfigurationError> errors)
    {
        var previous = TimeSpan.Zero;
        for (var i = 0; i < times.Count; i++)
        {
            if (times[i] <= previous)
            {
                errors.Add(new($"{path}[{i}]", "thresholds must be positive and increasing"));
            }

            previous = times[i];
        }
    }

    private static HashSet<SkillId> ValidateSkills(IReadOnlyList<SkillId> skills, List<ConfigurationError> errors)
    {
        var known = new HashSet<SkillId>();
        for (var i = 0; i < skills.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(skills[i].Value))
            {
                errors.Add(new($"skills[{i}]", "a skill needs a name"));
            }
            else if (!known.Add(skills[i]))
            {
                errors.Add(new($"skills[{i}]", $"skill '{skills[i]}' is declared twice"));
            }
        }

        return known;
    }

    private static void ValidateQueues(IReadOnlyList<QueueConfig> queues, HashSet<SkillId> skills, List<ConfigurationError> errors)
    {
        var ids = new HashSet<QueueId>();
        for (var i = 0; i < queues.Count; i++)
        {
            var queue = queues[i];
            var path = PathOf(queue, i);
            if (string.IsNullOrWhiteSpace(queue.Id.Value))
            {
                errors.Add(new($"{path}.id", "a queue needs an id"));
            }
            else if (!ids.Add(queue.Id))
            {
                errors.Add(new($"{path}.id", $"queue '{queue.Id}' is declared twice"));
            }

            ValidateRequirements(queue.RequiredSkills, $"{path}.requiredSkills", skills, errors);
            RequireDefined(queue.AgentSelection, $"{path}.agentSelection", errors);
            RequireDefined(queue.Status, $"{path}.status", errors);
            RequireDefined(queue.WhenFull, $"{path}.whenFull", errors);
            RequireDefined(queue.WhenClosed, $"{path}.whenClosed", errors);
            RequireDefined(queue.WhenMaximumWait, $"{path}.whenMaximumWait", errors);

            if (queue.ServiceLevelThreshold is { } threshold && threshold < TimeSpan.Zero)
            {
                errors.Add(new($"{path}.serviceLevelThreshold", "must not be negative"));
            }

            if (queue.ExpectedHandleTime <= TimeSpan.Zero)
            {
                errors.Add(new($"{path}.expectedHandleTime", "must be positive"));
            }

            if (queue.MaximumSize is < 1)
            {
                errors.Add(new($"{path}.maximumSize", "must be at least 1"));
            }

            if (queue.MaximumWait is { } maximumWait && maximumWait <= TimeSpan.Zero)
            {
                errors.Add(new($"{path}.maximumWait", "must be positive"));
            }

            if (queue.PreferredAgentTimeout < TimeSpan.Zero)
            {
                errors.Add(new($"{path}.preferredAgentTimeout", "must not be negative"));
            }

            if (queue.HeadStart < TimeSpan.Zero || queue.HeadStart > TimeSpan.FromDays(1))
            {
                errors.Add(new($"{path}.headStart", "must be between zero and one day"));
            }

            if (Math.Abs(queue.Priority) > QueueConfig.MaximumPriority)
            {
                errors.Add(new($"{path}.priority", $"must be between -{QueueConfig.MaximumPriority} and {QueueConfig.MaximumPriority}"));
            }

            var needsOverflow = queue.WhenFull == QueueExitAction.Overflow
                || queue.WhenClosed == QueueExitAction.Overflow
                || queue.WhenMaximumWait == QueueExitAction.Overflow;
            if (needsOverflow && queue.OverflowQueue is null)
            {
                errors.Add(new($"{path}.overflowQueue", "an Overflow action needs an overflow queue"));
            }

            if (queue.WhenMaximumWait != QueueExitAction.None && queue.MaximumWait is null)
            {
                errors.Add(new($"{path}.maximumWait", $"whenMaximumWait is {queue.WhenMaximumWait} but no maximum wait is set"));
            }

            ValidateRelaxation(queue.Relaxation, $"{path}.relaxation", skills, errors);
            ValidateSchedule(queue.Schedule, $"{path}.schedule", errors);
        }

        ValidateOverflowTargets(queues, ids, errors);
    }

    private static void ValidateRequirements(
        IReadOnlyList<SkillRequirement> requirements, string path, HashSet<SkillId> skills, List<ConfigurationError> errors)
    {
        var seen = new HashSet<SkillId>();
        for (var j = 0; j < requirements.Count; j++)
        {
            var requirement = requirements[j];
            if (!skills.Contains(requirement.Skill))
            {
                errors.Add(new($"{path}[{j}].skill", $"unknown skill '{requirement.Skill}'"));
            }
            else if (!seen.Add(requirement.Skill))
            {
                errors.Add(new($"{path}[{j}].skill", $"skill '{requirement.Skill}' is required twice"));
            }

            if (!Proficiency.IsValid(requirement.MinimumLevel))
            {
                errors.Add(new($"{path}[{j}].minimumLevel",
                    $"must be between {Proficiency.Minimum} and {Proficiency.Maximum}"));
            }
        }
    }

    private static void ValidateRelaxation(
        IReadOnlyList<RelaxationStep> steps, string path, HashSet<SkillId> skills, List<ConfigurationError> errors)
    {
        var previous = TimeSpan.Zero;
        for (var s = 0; s < steps.Count; s++)
        {
            if (steps[s].After <= previous)
            {
                errors.Add(new($"{path}[{s}].after", "steps must come at increasing positive times"));
            }

            previous = steps[s].After;
            ValidateRequirements(steps[s].RequiredSkills, $"{path}[{s}].requiredSkills", skills, errors);
        }
    }

    private static void ValidateSchedule(WeeklySchedule? schedule, string path, List<ConfigurationError> errors)
    {
        if (schedule is null)
        {
            return;
        }

        if (schedule.Hours.Count == 0)
        {
            errors.Add(new($"{path}.hours", "a schedule needs opening hours; leave it out for 7x24"));
        }

        for (var h = 0; h < schedule.Hours.Count; h++)
        {
            if (schedule.Hours[h].Closes <= schedule.Hours[h].Opens)
            {
                errors.Add(new($"{path}.hours[{h}]", "must close after it opens"));
            }
        }
    }

    private static void ValidateOverflowTargets(IReadOnlyList<QueueConfig> queues, HashSet<QueueId> ids, List<ConfigurationError> errors)
    {
        var next = new Dictionary<QueueId, QueueId>();
        for (var i = 0; i < queues.Count; i++)
        {
            var queue = queues[i];
            if (queue.OverflowQueue is not { } target)
            {
                continue;
            }

            if (!ids.Contains(target))
            {
                errors.Add(new($"{PathOf(queue, i)}.overflowQueue", $"unknown queue '{target}'"));
            }
            else
            {
                next.TryAdd(queue.Id, target);
            }
        }

        // Every queue has at most one overflow target, so each queue's chain is a path that
        // either ends or returns to where it started; a cycle is reported once, by its first id.
        foreach (var start in next.Keys)
        {
            var chain = new List<QueueId> { start };
            var current = start;
            while (next.TryGetValue(current, out var target) && chain.Count <= next.Count)
            {
                if (target == start)
                {
                    if (chain.All(member => string.CompareOrdinal(start.Value, member.Value) <= 0))
                    {
                        errors.Add(new($"queues[{start}].overflowQueue",
                            "overflow cycle: " + string.Join(" -> ", chain.Append(start))));
                    }

                    break;
                }

                chain.Add(target);
                current = target;
            }
        }
    }
}
