using CallCenter.Routing.Model;

namespace CallCenter.Routing.Configuration;

/// <summary>Everything the engine routes by. Validate before use: the engine trusts it.</summary>
public sealed record RoutingConfiguration
{
    /// <summary>Increases with every change, so a decision names the rules it was made under.</summary>
    public long Version { get; init; } = 1;

    /// <summary>The ladder, highest tier first.</summary>
    public IReadOnlyList<TierConfig> Tiers { get; init; } = DefaultTiers.Ladder;

    public IReadOnlyList<SkillId> Skills { get; init; } = [];

    public IReadOnlyList<QueueConfig> Queues { get; init; } = [];

    public AntiStarvationMode AntiStarvation { get; init; } = AntiStarvationMode.MaximumWait;

    public IReadOnlyList<ConfigurationError> Validate() => ConfigurationValidator.Validate(this);

    /// <summary>Returns the configuration, or throws with every error found.</summary>
    public RoutingConfiguration EnsureValid()
    {
        var errors = Validate();
        return errors.Count == 0 ? this : throw new InvalidConfigurationException(errors);
    }
}

/// <summary>One problem in a configuration, with the path of the field at fault.</summary>
public sealed record ConfigurationError(string Field, string Message)
{
    public override string ToString() => $"{Field}: {Message}";
}

public sealed class InvalidConfigurationException(IReadOnlyList<ConfigurationError> errors)
    : Exception("Invalid routing configuration: " + string.Join("; ", errors))
{
    public IReadOnlyList<ConfigurationError> Errors { get; } = errors;
}
