using CallCenter.Routing.Model;

namespace CallCenter.Routing.Configuration;

/// <summary>
/// One rung of the customer ladder. Rank is its place in the ladder (0 = highest).
/// </summary>
public sealed record TierConfig
{
    public required TierId Id { get; init; }

    /// <summary>"Answered within three rings": the wait that still counts as good service.</summary>
    public TimeSpan ServiceLevelThreshold { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Share of calls to answer within the threshold (0..1).</summary>
    public double TargetServiceLevel { get; init; } = 0.8;

    /// <summary>Waits that raise a long-wait event when crossed, so "long" is a number.</summary>
    public IReadOnlyList<TimeSpan> LongWaitThresholds { get; init; } = [];

    /// <summary>
    /// Aging rule: the call is ordered as if it had arrived this much earlier.
    /// Used when <see cref="AntiStarvationMode.Aging"/> is on.
    /// </summary>
    public TimeSpan AgingHeadStart { get; init; }

    /// <summary>
    /// Maximum-wait rule: after this wait the call is served next, before any call that
    /// is not yet overdue. Used when <see cref="AntiStarvationMode.MaximumWait"/> is on.
    /// </summary>
    public TimeSpan? MaximumWait { get; init; }

    /// <summary>
    /// Equal by value, the thresholds' list by its items: a tier read back from the journal or
    /// received from another node is the same tier, though its list is another instance.
    /// </summary>
    public bool Equals(TierConfig? other) =>
        other is not null
        && Id == other.Id
        && ServiceLevelThreshold == other.ServiceLevelThreshold
        && TargetServiceLevel.Equals(other.TargetServiceLevel)
        && LongWaitThresholds.SequenceEqual(other.LongWaitThresholds)
        && AgingHeadStart == other.AgingHeadStart
        && MaximumWait == other.MaximumWait;

    public override int GetHashCode() => HashCode.Combine(Id, ServiceLevelThreshold, TargetServiceLevel, LongWaitThresholds.Count, AgingHeadStart, MaximumWait);
}

/// <summary>How priority is kept from starving the lower tiers.</summary>
public enum AntiStarvationMode
{
    /// <summary>Strict priority: a higher tier always goes first.</summary>
    None,

    /// <summary>Each tier gets a head start in time; past it, age beats tier.</summary>
    Aging,

    /// <summary>Strict priority until a call has waited its tier's maximum, then it is served next.</summary>
    MaximumWait,
}

public static class DefaultTiers
{
    public static readonly TierId Vip = new("VIP");
    public static readonly TierId Gold = new("Gold");
    public static readonly TierId Standard = new("Standard");
    public static readonly TierId Basic = new("Basic");

    /// <summary>VIP, Gold, Standard, Basic with a 15 s threshold and long-wait marks.</summary>
    public static IReadOnlyList<TierConfig> Ladder { get; } =
    [
        new() { Id = Vip, TargetServiceLevel = 0.95, LongWaitThresholds = [TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(60)], AgingHeadStart = TimeSpan.FromSeconds(120), MaximumWait = TimeSpan.FromSeconds(60) },
        new() { Id = Gold, TargetServiceLevel = 0.9, LongWaitThresholds = [TimeSpan.FromSeconds(45), TimeSpan.FromSeconds(90)], AgingHeadStart = TimeSpan.FromSeconds(60), MaximumWait = TimeSpan.FromSeconds(120) },
        new() { Id = Standard, TargetServiceLevel = 0.8, LongWaitThresholds = [TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(180)], AgingHeadStart = TimeSpan.FromSeconds(20), MaximumWait = TimeSpan.FromSeconds(180) },
        new() { Id = Basic, TargetServiceLevel = 0.7, LongWaitThresholds = [TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(180)], AgingHeadStart = TimeSpan.Zero, MaximumWait = TimeSpan.FromSeconds(240) },
    ];
}
