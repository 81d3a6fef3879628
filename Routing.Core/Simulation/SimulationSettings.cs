using CallCenter.Routing.Configuration;
using CallCenter.Routing.Model;

namespace CallCenter.Routing.Simulation;

/// <summary>The share of arriving calls that belong to one tier.</summary>
public sealed record TierShare(TierId Tier, double Share);

/// <summary>
/// One pool of identical agents serving one queue: Poisson arrivals, exponential handle
/// times, and (optionally) exponential patience. The traffic of the Erlang formulas.
/// </summary>
public sealed record SimulationSettings
{
    public int Agents { get; init; } = 10;
    public double MeanHandleTimeSeconds { get; init; } = 180;
    public double ArrivalRatePerSecond { get; init; } = 0.05;
    public IReadOnlyList<TierShare> TierShares { get; init; } = [new(DefaultTiers.Standard, 1.0)];
    public int Calls { get; init; } = 100_000;
    public int Seed { get; init; } = 1;

    /// <summary>Mean patience of a waiting caller; null means nobody hangs up.</summary>
    public double? MeanPatienceSeconds { get; init; }

    public double WrapUpSeconds { get; init; }

    /// <summary>Share of the first calls left out of the figures while the queue fills up.</summary>
    public double WarmUpShare { get; init; } = 0.1;

    /// <summary>Overrides every tier's service-level threshold when set.</summary>
    public double? ServiceLevelThresholdSeconds { get; init; }

    public IReadOnlyList<TierConfig> Tiers { get; init; } = DefaultTiers.Ladder;
    public AntiStarvationMode AntiStarvation { get; init; } = AntiStarvationMode.None;
    public AgentSelection AgentSelection { get; init; } = AgentSelection.LongestIdle;

    public IReadOnlyList<ConfigurationError> Validate()
    {
        var errors = new List<ConfigurationError>();
        if (Agents < 1)
        {
            errors.Add(new("agents", "must be at least 1"));
        }

        if (!(MeanHandleTimeSeconds > 0) || double.IsInfinity(MeanHandleTimeSeconds))
        {
            errors.Add(new("meanHandleTimeSeconds", "must be a positive number"));
        }

        if (!(ArrivalRatePerSecond > 0) || double.IsInfinity(ArrivalRatePerSecond))
        {
            errors.Add(new("arrivalRatePerSecond", "must be a positive number"));
        }

        if (!Enum.IsDefined(AntiStarvation))
        {
            errors.Add(new("antiStarvation", $"unknown rule '{AntiStarvation}'"));
        }

        if (Calls < 1)
        {
            errors.Add(new("calls", "must be at least 1"));
        }

        if (MeanPatienceSeconds is { } patience && !(patience > 0))
        {
            errors.Add(new("meanPatienceSeconds", "must be positive"));
        }

        if (!(WrapUpSeconds >= 0))
        {
            errors.Add(new("wrapUpSeconds", "must not be negative"));
        }

        if (!(WarmUpShare >= 0 && WarmUpShare < 1))
        {
            errors.Add(new("warmUpShare", "must be at least 0 and below 1"));
        }

        if (ServiceLevelThresholdSeconds is { } threshold && !(threshold >= 0))
        {
            errors.Add(new("serviceLevelThresholdSeconds", "must not be negative"));
        }

        ValidateShares(errors);
        return errors;
    }

    private void ValidateShares(List<ConfigurationError> errors)
    {
        if (TierShares.Count == 0)
        {
            errors.Add(new("tierShares", "name at least one tier"));
            return;
        }

        var ladder = Tiers.Select(tier => tier.Id).ToHashSet();
        var seen = new HashSet<TierId>();
        var total = 0.0;
        for (var i = 0; i < TierShares.Count; i++)
        {
            if (!ladder.Contains(TierShares[i].Tier))
            {
                errors.Add(new($"tierShares[{i}].tier", $"unknown tier '{TierShares[i].Tier}'"));
            }
            else if (!seen.Add(TierShares[i].Tier))
            {
                errors.Add(new($"tierShares[{i}].tier", $"tier '{TierShares[i].Tier}' has more than one share"));
            }

            if (!(TierShares[i].Share >= 0))
            {
                errors.Add(new($"tierShares[{i}].share", "must not be negative"));
            }

            total += TierShares[i].Share;
        }

        if (!(total > 0))
        {
            errors.Add(new("tierShares", "the shares must add up to more than zero"));
        }
    }
}
