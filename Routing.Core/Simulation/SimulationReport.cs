namespace CallCenter.Routing.Simulation;

/// <summary>
/// Figures for one tier (or all calls). Waits are of answered calls (the average speed of
/// answer); the service level counts calls answered within the threshold among all calls
/// that ended (answered or abandoned).
/// </summary>
public sealed record TierReport(
    string Tier,
    int Calls,
    int Answered,
    int Abandoned,
    double MeanWaitSeconds,
    double? MeanWaitHalfWidth95Seconds,
    double MaxWaitSeconds,
    double ServiceLevelThresholdSeconds,
    double ServiceLevel,
    double ShareWaited,
    double AbandonmentRate);

public sealed record SimulationReport(
    SimulationSettingsEcho Settings,
    double SimulatedSeconds,
    double AgentOccupancy,
    TierReport Overall,
    IReadOnlyList<TierReport> Tiers);

/// <summary>The inputs as they were used, so a report stands on its own.</summary>
public sealed record SimulationSettingsEcho(
    int Agents,
    double MeanHandleTimeSeconds,
    double ArrivalRatePerSecond,
    double OfferedLoadErlangs,
    IReadOnlyDictionary<string, double> TierShares,
    int Calls,
    int MeasuredCalls,
    int Seed,
    double? MeanPatienceSeconds,
    double WrapUpSeconds,
    string AntiStarvation);
