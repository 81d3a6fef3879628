using System.Text.Json;
using CallCenter.Routing.Configuration;
using CallCenter.Routing.Model;
using CallCenter.Routing.Queueing;
using CallCenter.Routing.Simulation;

namespace CallCenter.Routing.Tests.Core.Simulation;

/// <summary>
/// The simulator drives the real routing engine with the traffic of the textbook formulas
/// (one pool, Poisson arrivals, exponential handle times, nobody hangs up), so its figures
/// must reproduce Erlang C for one tier and Cobham's priority formulas for several, within
/// the statistical uncertainty of a finite run.
/// </summary>
/// <remarks>
/// Mean waits are checked against the report's own 95 % batch-means half-width:
/// |simulated − theory| ≤ 2 × half-width (about four standard errors, so a correct engine
/// fails with a chance of well under one in a thousand), and the half-width itself must be
/// at most 15 % of the theoretical value, so a run too short or too noisy to tell a right
/// engine from a wrong one cannot pass. The seeds are fixed: every run is reproducible.
/// </remarks>
[TestFixture]
public sealed class SimulatorAgreesWithTheoryTests
{
    private const int Agents = 20;
    private const double HandleTimeSeconds = 100.0;
    private const int Seed = 1;
    private const double MaximumRelativeHalfWidth = 0.15;

    /// <summary>
    /// The busy time of at least 0.9 × 400,000 measured calls has a relative standard error
    /// of at most √(2 / 360,000) ≈ 0.24 % (a Poisson count of exponential handle times), so
    /// 0.01 is more than four standard errors at every load tested.
    /// </summary>
    private const double OccupancyTolerance = 0.01;

    private static readonly TierShare[] ThreeTiers =
    [
        new(DefaultTiers.Vip, 0.2),
        new(DefaultTiers.Gold, 0.3),
        new(DefaultTiers.Standard, 0.5),
    ];

    /// <summary>Shared by the anti-starvation cases, so strict priority is simulated once.</summary>
    private static readonly Lazy<SimulationReport> StrictPriorityUnderHeavyLoad = new(() => HeavyLoad(AntiStarvationMode.None));

    private static double RateFor(double occupancy) => occupancy * Agents / HandleTimeSeconds;

    // Share tolerances: a share of n independent calls would have a standard error below
    // 0.001 here, but successive calls share the same busy periods, and those lengthen
    // sharply as the load nears 1 (the relaxation time of M/M/c grows like 1/(1 − √ρ)²).
    // With seeds 1 to 10 at these run lengths, the share that waited and the service level
    // (here and in the priority test below) never strayed more than about half of these
    // tolerances from the theory, and every check of this file passed.
    [TestCase(0.70, 400_000, 0.01)]
    [TestCase(0.80, 400_000, 0.02)]
    [TestCase(0.90, 600_000, 0.03)]
    [TestCase(0.95, 1_200_000, 0.04)]
    public void One_tier_without_abandonment_waits_as_Erlang_C_says(double occupancy, int calls, double shareTolerance)
    {
        const double threshold = 20.0;
        var load = Agents * occupancy;
        var report = Simulator.Run(new SimulationSettings
        {
            Agents = Agents,
            MeanHandleTimeSeconds = HandleTimeSeconds,
            ArrivalRatePerSecond = RateFor(occupancy),
            TierShares = [new(DefaultTiers.Standard, 1.0)],
            Calls = calls,
            Seed = Seed,
            ServiceLevelThresholdSeconds = threshold,
            AntiStarvation = AntiStarvationMode.None,
        });

        var asa = ErlangC.AverageSpeedOfAnswer(Agents, load, HandleTimeSeconds);
        var waiting = ErlangC.ProbabilityOfWaiting(Agents, load);
        var serviceLevel = ErlangC.ServiceLevel(Agents, load, HandleTimeSeconds, threshold);
        Describe(report.Overall, asa);
        TestContext.Out.WriteLine(
            $"waited {report.Overall.ShareWaited:F4} vs C {waiting:F4}; SL({threshold} s) {report.Overall.ServiceLevel:F4} vs {serviceLevel:F4}; occupancy {report.AgentOccupancy:F4} vs {occupancy:F2}");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(report.Overall.Abandoned, Is.Zero);
            Assert.That(report.Overall.Answered, Is.EqualTo(report.Overall.Calls));
            AssertMeanWaitAgrees("all calls", report.Overall, asa);
            Assert.That(report.Overall.ShareWaited, Is.EqualTo(waiting).Within(shareTolerance), "share of calls that waited");
            Assert.That(report.Overall.ServiceLevel, Is.EqualTo(serviceLevel).Within(shareTolerance), "service level");
            Assert.That(report.AgentOccupancy, Is.EqualTo(occupancy).Within(OccupancyTolerance), "agent occupancy");
        }
    }

    // The lowest tier at 95 % carries a heavy tail (its mean wait is 30 times the VIPs'), so
    // that load needs the longest run for its half-width to come within 15 %.
    // Share tolerance as for one tier: every class waits at all with the same probability C.
    [TestCase(0.70, 500_000, 0.01)]
    [TestCase(0.80, 500_000, 0.02)]
    [TestCase(0.90, 600_000, 0.03)]
    [TestCase(0.95, 1_200_000, 0.04)]
    public void Several_tiers_under_strict_priority_wait_as_Cobham_says(double occupancy, int calls, double shareTolerance)
    {
        const double vipThreshold = 5.0;
        var rate = RateFor(occupancy);
        var load = Agents * occupancy;
        var report = Simulator.Run(new SimulationSettings
        {
            Agents = Agents,
            MeanHandleTimeSeconds = HandleTimeSeconds,
            ArrivalRatePerSecond = rate,
            TierShares = ThreeTiers,
            Calls = calls,
            Seed = Seed,
            ServiceLevelThresholdSeconds = vipThreshold,
            AntiStarvation = AntiStarvationMode.None,
        });

        var rates = ThreeTiers.Select(share => share.Share * rate).ToArray();
        var tierWaits = PriorityClasses.MeanWaits(Agents, HandleTimeSeconds, rates);
        var asa = ErlangC.AverageSpeedOfAnswer(Agents, load, HandleTimeSeconds);
        var waiting = ErlangC.ProbabilityOfWaiting(Agents, load);
        var vipServiceLevel = 1.0 - PriorityClasses.TopClassWaitExceeds(Agents, HandleTimeSeconds, rates, vipThreshold);
        for (var k = 0; k < ThreeTiers.Length; k++)
        {
            Describe(report.Tiers[k], tierWaits[k]);
        }

        Describe(report.Overall, asa);
        TestContext.Out.WriteLine(
            $"waited {string.Join(" / ", report.Tiers.Select(t => t.ShareWaited.ToString("F4")))} vs C {waiting:F4}; VIP SL({vipThreshold} s) {report.Tiers[0].ServiceLevel:F4} vs {vipServiceLevel:F4}");

        Assert.That(report.Tiers.Select(t => t.Tier), Is.EqualTo(ThreeTiers.Select(s => s.Tier.Value)));
        using (Assert.EnterMultipleScope())
        {
            for (var k = 0; k < ThreeTiers.Length; k++)
            {
                var tier = report.Tiers[k];
                AssertMeanWaitAgrees(tier.Tier, tier, tierWaits[k]);
                Assert.That(tier.ShareWaited, Is.EqualTo(waiting).Within(shareTolerance), $"{tier.Tier}: share of calls that waited");
            }

            // Work conservation: priority reorders the waits but keeps their mean.
            AssertMeanWaitAgrees("all calls", report.Overall, asa);

            // The top class has an exact wait distribution: P(W > t) = C·exp(−(cμ − λ₁)·t).
            Assert.That(report.Tiers[0].ServiceLevel, Is.EqualTo(vipServiceLevel).Within(shareTolerance), "VIP service level");

            // Strict priority must show: each tier waits clearly longer than the one above.
            Assert.That(report.Tiers[0].MeanWaitSeconds, Is.LessThan(report.Tiers[1].MeanWaitSeconds));
            Assert.That(report.Tiers[1].MeanWaitSeconds, Is.LessThan(report.Tiers[2].MeanWaitSeconds));
        }
    }

    [Test]
    public void Callers_who_hang_up_leave_the_others_a_shorter_wait_than_Erlang_C()
    {
        const double occupancy = 0.95;
        var report = Simulator.Run(new SimulationSettings
        {
            Agents = Agents,
            MeanHandleTimeSeconds = HandleTimeSeconds,
            ArrivalRatePerSecond = RateFor(occupancy),
            Calls = 100_000,
            Seed = Seed,
            MeanPatienceSeconds = 60,
        });

        var asa = ErlangC.AverageSpeedOfAnswer(Agents, Agents * occupancy, HandleTimeSeconds);
        Describe(report.Overall, asa);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(report.Overall.Abandoned, Is.GreaterThan(0));
            Assert.That(report.Overall.AbandonmentRate, Is.GreaterThan(0.0).And.LessThan(1.0));
            Assert.That(
                report.Overall.AbandonmentRate,
                Is.EqualTo(report.Overall.Abandoned / (double)report.Overall.Calls).Within(1e-12));
            Assert.That(report.Overall.Answered + report.Overall.Abandoned, Is.EqualTo(report.Overall.Calls));

            // Below Erlang C by more than the uncertainty, not just by luck.
            Assert.That(
                report.Overall.MeanWaitSeconds + 2 * (report.Overall.MeanWaitHalfWidth95Seconds ?? double.PositiveInfinity),
                Is.LessThan(asa));

            // Those who hang up free the agents a little: occupancy falls below the offered ρ.
            Assert.That(report.AgentOccupancy, Is.LessThan(occupancy));
        }
    }

    [Test]
    public void The_same_seed_gives_the_same_report()
    {
        var settings = EveryRandomStreamInUse(seed: 42);

        var first = Simulator.Run(settings);
        var second = Simulator.Run(settings);

        Assert.That(first.Overall.Abandoned, Is.GreaterThan(0), "the patience stream should be in use");
        Assert.That(JsonSerializer.Serialize(second), Is.EqualTo(JsonSerializer.Serialize(first)));
    }

    [Test]
    public void Another_seed_gives_other_results()
    {
        var first = Simulator.Run(EveryRandomStreamInUse(seed: 42));
        var second = Simulator.Run(EveryRandomStreamInUse(seed: 43));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(second.Settings.Seed, Is.EqualTo(43));
            Assert.That(second.SimulatedSeconds, Is.Not.EqualTo(first.SimulatedSeconds));
            Assert.That(second.Overall.MeanWaitSeconds, Is.Not.EqualTo(first.Overall.MeanWaitSeconds));
            Assert.That(second.Tiers[0].Calls, Is.Not.EqualTo(first.Tiers[0].Calls));
            Assert.That(second.Overall.Abandoned, Is.Not.EqualTo(first.Overall.Abandoned));
        }
    }

    [TestCase(AntiStarvationMode.Aging)]
    [TestCase(AntiStarvationMode.MaximumWait)]
    public void An_anti_starvation_rule_shortens_the_longest_wait_of_the_lowest_tier(AntiStarvationMode mode)
    {
        var strict = StrictPriorityUnderHeavyLoad.Value;

        var guarded = HeavyLoad(mode);

        var lowestStrict = strict.Tiers[^1];
        var lowestGuarded = guarded.Tiers[^1];
        TestContext.Out.WriteLine(
            $"{lowestGuarded.Tier} max wait: {lowestStrict.MaxWaitSeconds:F0} s strict, {lowestGuarded.MaxWaitSeconds:F0} s {mode}; VIP mean {strict.Tiers[0].MeanWaitSeconds:F1} s -> {guarded.Tiers[0].MeanWaitSeconds:F1} s");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(guarded.Settings.AntiStarvation, Is.EqualTo(mode.ToString()));
            Assert.That(lowestGuarded.MaxWaitSeconds, Is.LessThan(0.8 * lowestStrict.MaxWaitSeconds));

            // The rule has a price: the top tier is overtaken now and then.
            Assert.That(guarded.Tiers[0].MeanWaitSeconds, Is.GreaterThan(strict.Tiers[0].MeanWaitSeconds));
        }
    }

    private static SimulationReport HeavyLoad(AntiStarvationMode mode) => Simulator.Run(new SimulationSettings
    {
        Agents = Agents,
        MeanHandleTimeSeconds = HandleTimeSeconds,
        ArrivalRatePerSecond = RateFor(0.97),
        TierShares = [new(DefaultTiers.Vip, 0.3), new(DefaultTiers.Gold, 0.3), new(DefaultTiers.Basic, 0.4)],
        Calls = 100_000,
        Seed = Seed,
        AntiStarvation = mode,
    });

    private static SimulationSettings EveryRandomStreamInUse(int seed) => new()
    {
        Agents = 5,
        MeanHandleTimeSeconds = 60,
        ArrivalRatePerSecond = 0.08,
        TierShares = [new(DefaultTiers.Vip, 0.3), new(DefaultTiers.Standard, 0.7)],
        Calls = 5_000,
        Seed = seed,
        MeanPatienceSeconds = 90,
        WrapUpSeconds = 3,
    };

    private static void AssertMeanWaitAgrees(string what, TierReport figures, double theory)
    {
        var halfWidth = figures.MeanWaitHalfWidth95Seconds;
        Assert.That(halfWidth, Is.Not.Null, $"{what}: too few calls for a confidence interval");
        Assert.That(
            halfWidth ?? double.PositiveInfinity,
            Is.LessThanOrEqualTo(MaximumRelativeHalfWidth * theory),
            $"{what}: the confidence interval is too wide to tell a right engine from a wrong one");
        Assert.That(figures.MeanWaitSeconds, Is.EqualTo(theory).Within(2 * (halfWidth ?? 0)), $"{what}: mean wait");
    }

    private static void Describe(TierReport figures, double theory) =>
        TestContext.Out.WriteLine(
            $"{figures.Tier}: mean wait {figures.MeanWaitSeconds:F3} ± {figures.MeanWaitHalfWidth95Seconds:F3} s, theory {theory:F3} s");
}
