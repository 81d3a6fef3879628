using System.Globalization;
using CallCenter.Routing.Configuration;
using CallCenter.Routing.Model;
using CallCenter.Routing.Simulation;

namespace CallCenter.Routing.Tests.Core.Configuration;

/// <summary>
/// Every bad configuration is refused with an error that names the field at fault, by the
/// path an operator would look for in the settings file.
/// </summary>
[TestFixture]
public sealed class ConfigurationValidationTests
{
    private static readonly SkillId English = new("english");
    private static readonly SkillId French = new("french");
    private static readonly SkillId Billing = new("billing");
    private static readonly QueueId Sales = new("sales");
    private static readonly QueueId Support = new("support");

    private static readonly TimeSpan Seconds30 = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan Seconds60 = TimeSpan.FromSeconds(60);

    /// <summary>Valid: the default ladder (every tier has a maximum wait), two skills, two queues.</summary>
    private static RoutingConfiguration Valid => new()
    {
        Skills = [English, Billing],
        Queues =
        [
            new QueueConfig { Id = Sales, RequiredSkills = [new(English, 3)] },
            new QueueConfig { Id = Support },
        ],
    };

    private static RoutingConfiguration WithTier(int index, Func<TierConfig, TierConfig> change) =>
        Valid with { Tiers = DefaultTiers.Ladder.Select((tier, i) => i == index ? change(tier) : tier).ToList() };

    private static RoutingConfiguration WithSales(Func<QueueConfig, QueueConfig> change) =>
        Valid with { Queues = Valid.Queues.Select(queue => queue.Id == Sales ? change(queue) : queue).ToList() };

    private static TestCaseData Bad(string name, RoutingConfiguration config, string field, string message) =>
        new TestCaseData(config, field, message).SetName(name);

    public static IEnumerable<TestCaseData> BadConfigurations()
    {
        // The tier ladder.
        yield return Bad("An empty tier ladder is rejected", Valid with { Tiers = [] }, "tiers", "empty");
        yield return Bad("A tier without a name is rejected",
            WithTier(1, tier => tier with { Id = new(" ") }), "tiers[1].id", "name");
        yield return Bad("A tier that appears twice is rejected",
            Valid with { Tiers = [.. DefaultTiers.Ladder, DefaultTiers.Ladder[0]] }, "tiers[4].id", "'VIP' appears twice");
        yield return Bad("A negative service-level threshold is rejected",
            WithTier(0, tier => tier with { ServiceLevelThreshold = TimeSpan.FromSeconds(-1) }), "tiers[0].serviceLevelThreshold", "negative");
        yield return Bad("A target service level above 1 is rejected",
            WithTier(1, tier => tier with { TargetServiceLevel = 1.01 }), "tiers[1].targetServiceLevel", "between 0 and 1");
        yield return Bad("A negative target service level is rejected",
            WithTier(1, tier => tier with { TargetServiceLevel = -0.1 }), "tiers[1].targetServiceLevel", "between 0 and 1");
        yield return Bad("A target service level that is not a number is rejected",
            WithTier(1, tier => tier with { TargetServiceLevel = double.NaN }), "tiers[1].targetServiceLevel", "between 0 and 1");
        yield return Bad("Long-wait thresholds that go down are rejected",
            WithTier(2, tier => tier with { LongWaitThresholds = [Seconds60, Seconds30] }), "tiers[2].longWaitThresholds[1]", "increasing");
        yield return Bad("Long-wait thresholds that repeat are rejected",
            WithTier(2, tier => tier with { LongWaitThresholds = [Seconds30, Seconds30] }), "tiers[2].longWaitThresholds[1]", "increasing");
        yield return Bad("A long-wait threshold of zero is rejected",
            WithTier(2, tier => tier with { LongWaitThresholds = [TimeSpan.Zero, Seconds30] }), "tiers[2].longWaitThresholds[0]", "positive");
        yield return Bad("A negative aging head start is rejected",
            WithTier(3, tier => tier with { AgingHeadStart = TimeSpan.FromSeconds(-5) }), "tiers[3].agingHeadStart", "negative");
        yield return Bad("A negative maximum wait of a tier is rejected",
            WithTier(3, tier => tier with { MaximumWait = TimeSpan.FromSeconds(-5) }), "tiers[3].maximumWait", "negative");
        yield return Bad("The maximum-wait rule needs every tier's maximum wait",
            WithTier(2, tier => tier with { MaximumWait = null }), "tiers[2].maximumWait", "required when antiStarvation is MaximumWait");

        // Skills.
        yield return Bad("A skill declared twice is rejected",
            Valid with { Skills = [English, Billing, English] }, "skills[2]", "declared twice");
        yield return Bad("A skill without a name is rejected",
            Valid with { Skills = [English, Billing, new("")] }, "skills[2]", "name");

        // Queues.
        yield return Bad("A queue requirement naming an unknown skill is rejected",
            WithSales(queue => queue with { RequiredSkills = [new(French, 3)] }), "queues[sales].requiredSkills[0].skill", "unknown skill 'french'");
        yield return Bad("A queue requiring one skill twice is rejected",
            WithSales(queue => queue with { RequiredSkills = [new(English, 3), new(English, 5)] }), "queues[sales].requiredSkills[1].skill", "twice");
        yield return Bad("A required level of 0 is rejected",
            WithSales(queue => queue with { RequiredSkills = [new(English, 0)] }), "queues[sales].requiredSkills[0].minimumLevel", "between 1 and 10");
        yield return Bad("A required level of 11 is rejected",
            WithSales(queue => queue with { RequiredSkills = [new(English, 11)] }), "queues[sales].requiredSkills[0].minimumLevel", "between 1 and 10");
        yield return Bad("A queue id declared twice is rejected",
            Valid with { Queues = [.. Valid.Queues, new QueueConfig { Id = Sales }] }, "queues[sales].id", "declared twice");
        yield return Bad("A queue without an id is rejected, named by its place",
            Valid with { Queues = [.. Valid.Queues, new QueueConfig { Id = new("") }] }, "queues[2].id", "needs an id");
        yield return Bad("A negative queue service-level threshold is rejected",
            WithSales(queue => queue with { ServiceLevelThreshold = TimeSpan.FromSeconds(-1) }), "queues[sales].serviceLevelThreshold", "negative");
        yield return Bad("An expected handle time of zero is rejected",
            WithSales(queue => queue with { ExpectedHandleTime = TimeSpan.Zero }), "queues[sales].expectedHandleTime", "positive");
        yield return Bad("A maximum size of zero is rejected",
            WithSales(queue => queue with { MaximumSize = 0 }), "queues[sales].maximumSize", "at least 1");
        yield return Bad("A queue maximum wait of zero is rejected",
            WithSales(queue => queue with { MaximumWait = TimeSpan.Zero }), "queues[sales].maximumWait", "positive");
        yield return Bad("A negative preferred-agent timeout is rejected",
            WithSales(queue => queue with { PreferredAgentTimeout = TimeSpan.FromSeconds(-1) }), "queues[sales].preferredAgentTimeout", "negative");
        yield return Bad("Overflowing a full queue needs an overflow queue",
            WithSales(queue => queue with { MaximumSize = 10, WhenFull = QueueExitAction.Overflow }), "queues[sales].overflowQueue", "needs an overflow queue");
        yield return Bad("Overflowing a closed queue needs an overflow queue",
            WithSales(queue => queue with { WhenClosed = QueueExitAction.Overflow }), "queues[sales].overflowQueue", "needs an overflow queue");
        yield return Bad("Overflowing after the maximum wait needs an overflow queue",
            WithSales(queue => queue with { MaximumWait = Seconds60, WhenMaximumWait = QueueExitAction.Overflow }), "queues[sales].overflowQueue", "needs an overflow queue");
        yield return Bad("An action at the maximum wait needs a maximum wait",
            WithSales(queue => queue with { WhenMaximumWait = QueueExitAction.OfferCallback }), "queues[sales].maximumWait", "no maximum wait");
        yield return Bad("Overflowing to an unknown queue is rejected",
            WithSales(queue => queue with { WhenClosed = QueueExitAction.Overflow, OverflowQueue = new("nowhere") }), "queues[sales].overflowQueue", "unknown queue 'nowhere'");
        yield return Bad("Relaxation steps out of order are rejected",
            WithSales(queue => queue with
            {
                Relaxation =
                [
                    new RelaxationStep { After = Seconds60, RequiredSkills = [new(English, 2)] },
                    new RelaxationStep { After = Seconds30, RequiredSkills = [] },
                ],
            }),
            "queues[sales].relaxation[1].after", "increasing");
        yield return Bad("A relaxation step at zero is rejected",
            WithSales(queue => queue with { Relaxation = [new RelaxationStep { After = TimeSpan.Zero, RequiredSkills = [] }] }),
            "queues[sales].relaxation[0].after", "positive");
        yield return Bad("A relaxation step naming an unknown skill is rejected",
            WithSales(queue => queue with { Relaxation = [new RelaxationStep { After = Seconds30, RequiredSkills = [new(French, 1)] }] }),
            "queues[sales].relaxation[0].requiredSkills[0].skill", "unknown skill 'french'");
        yield return Bad("Opening hours that close before they open are rejected",
            WithSales(queue => queue with { Schedule = Schedule(TimeSpan.Zero, (DayOfWeek.Monday, "18:00", "09:00")) }),
            "queues[sales].schedule.hours[0]", "close after it opens");
        yield return Bad("Opening hours that close as they open are rejected",
            WithSales(queue => queue with { Schedule = Schedule(TimeSpan.Zero, (DayOfWeek.Monday, "08:00", "18:00"), (DayOfWeek.Tuesday, "09:00", "09:00")) }),
            "queues[sales].schedule.hours[1]", "close after it opens");
        yield return Bad("A schedule without opening hours is rejected",
            WithSales(queue => queue with { Schedule = Schedule(TimeSpan.Zero) }), "queues[sales].schedule.hours", "7x24");
        yield return Bad("An agent selection that is not a strategy is rejected",
            WithSales(queue => queue with { AgentSelection = (AgentSelection)7 }), "queues[sales].agentSelection", "LongestIdle");
        yield return Bad("A queue action that is not an action is rejected",
            WithSales(queue => queue with { WhenFull = (QueueExitAction)9 }), "queues[sales].whenFull", "Overflow");
    }

    [TestCaseSource(nameof(BadConfigurations))]
    public void A_bad_configuration_is_rejected_naming_the_field(RoutingConfiguration config, string field, string message)
    {
        var errors = config.Validate();

        Assert.That(errors.Select(error => error.Field), Is.EqualTo(new[] { field }), string.Join("; ", errors));
        Assert.That(errors[0].Message, Does.Contain(message));
    }

    [TestCase("a>a", "a", "a -> a", TestName = "An overflow queue that overflows to itself is a cycle")]
    [TestCase("a>b b>a", "a", "a -> b -> a", TestName = "Two queues overflowing to each other are one cycle")]
    [TestCase("b>a a>b", "a", "a -> b -> a", TestName = "A cycle is named from its first id whatever the declaration order")]
    [TestCase("a>b b>c c>a", "a", "a -> b -> c -> a", TestName = "Three queues overflowing in a ring are one cycle")]
    [TestCase("c>a b>c a>b", "a", "a -> b -> c -> a", TestName = "A ring of three declared backwards is one cycle")]
    [TestCase("d>b b>c c>b", "b", "b -> c -> b", TestName = "A queue leading into a cycle is not part of it")]
    public void An_overflow_cycle_is_reported_once_naming_the_cycle(string overflows, string first, string cycle)
    {
        var pairs = overflows.Split(' ').Select(pair => pair.Split('>')).ToList();
        var config = new RoutingConfiguration
        {
            Queues = pairs
                .Select(pair => new QueueConfig
                {
                    Id = new(pair[0]),
                    MaximumSize = 10,
                    WhenFull = QueueExitAction.Overflow,
                    OverflowQueue = new(pair[1]),
                })
                .ToList(),
        };

        var errors = config.Validate();

        Assert.That(errors, Is.EqualTo(new[] { new ConfigurationError($"queues[{first}].overflowQueue", "overflow cycle: " + cycle) }));
    }

    [Test]
    public void Two_separate_cycles_are_each_reported_once()
    {
        var config = new RoutingConfiguration
        {
            Queues =
            [
                new QueueConfig { Id = new("x"), OverflowQueue = new("y") },
                new QueueConfig { Id = new("y"), OverflowQueue = new("x") },
                new QueueConfig { Id = new("p"), OverflowQueue = new("p") },
            ],
        };

        Assert.That(
            config.Validate().Select(error => error.ToString()),
            Is.EquivalentTo(new[]
            {
                "queues[x].overflowQueue: overflow cycle: x -> y -> x",
                "queues[p].overflowQueue: overflow cycle: p -> p",
            }));
    }

    [Test]
    public void The_default_configuration_is_valid()
    {
        Assert.That(new RoutingConfiguration().Validate(), Is.Empty);
    }

    [Test]
    public void A_configuration_using_every_feature_is_valid()
    {
        Assert.That(Rich.Validate(), Is.Empty);
    }

    [Test]
    public void Without_the_maximum_wait_rule_a_tier_needs_no_maximum_wait()
    {
        var config = WithTier(2, tier => tier with { MaximumWait = null }) with { AntiStarvation = AntiStarvationMode.Aging };

        Assert.That(config.Validate(), Is.Empty);
    }

    [Test]
    public void Every_error_is_reported_not_just_the_first()
    {
        var config = WithTier(0, tier => tier with { TargetServiceLevel = 2 })
            with { Skills = [English, English], Queues = [new QueueConfig { Id = Sales, RequiredSkills = [new(French, 12)] }] };

        Assert.That(
            config.Validate().Select(error => error.Field),
            Is.EqualTo(new[]
            {
                "tiers[0].targetServiceLevel",
                "skills[1]",
                "queues[sales].requiredSkills[0].skill",
                "queues[sales].requiredSkills[0].minimumLevel",
            }));
    }

    [Test]
    public void Ensuring_a_bad_configuration_is_valid_throws_with_every_error()
    {
        var config = WithSales(queue => queue with { RequiredSkills = [new(French, 0)] });
        var errors = config.Validate();

        Assert.That(errors, Has.Count.EqualTo(2));
        Assert.That(
            () => config.EnsureValid(),
            Throws.TypeOf<InvalidConfigurationException>()
                .With.Property(nameof(InvalidConfigurationException.Errors)).EqualTo(errors)
                .And.Message.Contains("queues[sales].requiredSkills[0].skill: unknown skill 'french'")
                .And.Message.Contains("queues[sales].requiredSkills[0].minimumLevel"));
    }

    [Test]
    public void Ensuring_a_valid_configuration_is_valid_returns_it()
    {
        var config = Rich;

        Assert.That(config.EnsureValid(), Is.SameAs(config));
    }

    // The schedule's hours are Monday 09:00-17:00 and 20:00-22:00 in its own local time;
    // 2026-01-05 is a Monday.
    [TestCase("2026-01-05T07:00:00Z", 2, true, TestName = "At UTC+2, 07:00 UTC is 09:00 local: opens")]
    [TestCase("2026-01-05T06:59:59Z", 2, false, TestName = "At UTC+2, 06:59:59 UTC is 08:59:59 local: not yet open")]
    [TestCase("2026-01-05T14:59:59Z", 2, true, TestName = "At UTC+2, 14:59:59 UTC is 16:59:59 local: still open")]
    [TestCase("2026-01-05T15:00:00Z", 2, false, TestName = "At UTC+2, 15:00 UTC is 17:00 local: closed, the end is exclusive")]
    [TestCase("2026-01-05T09:00:00+02:00", 2, true, TestName = "The instant counts, not the offset it is written with")]
    [TestCase("2026-01-05T09:00:00Z", -5, false, TestName = "At UTC-5, 09:00 UTC is 04:00 local: closed")]
    [TestCase("2026-01-05T14:00:00Z", -5, true, TestName = "At UTC-5, 14:00 UTC is 09:00 local: open")]
    [TestCase("2026-01-06T02:00:00Z", -5, true, TestName = "At UTC-5, Tuesday 02:00 UTC is still Monday 21:00 local: open")]
    [TestCase("2026-01-04T23:30:00Z", 10, true, TestName = "At UTC+10, Sunday 23:30 UTC is already Monday 09:30 local: open")]
    [TestCase("2026-01-05T23:30:00Z", 10, false, TestName = "At UTC+10, Monday 23:30 UTC is Tuesday 09:30 local: closed")]
    public void A_weekly_schedule_is_read_in_its_own_time_zone(string instant, int offsetHours, bool open)
    {
        var schedule = Schedule(
            TimeSpan.FromHours(offsetHours),
            (DayOfWeek.Monday, "09:00", "17:00"),
            (DayOfWeek.Monday, "20:00", "22:00"));

        Assert.That(schedule.IsOpenAt(DateTimeOffset.Parse(instant, CultureInfo.InvariantCulture)), Is.EqualTo(open));
    }

    public static IEnumerable<TestCaseData> BadSimulationSettings()
    {
        var valid = new SimulationSettings();
        yield return new TestCaseData(valid with { Agents = 0 }, "agents").SetName("A simulation needs at least one agent");
        yield return new TestCaseData(valid with { MeanHandleTimeSeconds = 0 }, "meanHandleTimeSeconds").SetName("A simulation needs a positive handle time");
        yield return new TestCaseData(valid with { MeanHandleTimeSeconds = double.PositiveInfinity }, "meanHandleTimeSeconds").SetName("A simulation needs a finite handle time");
        yield return new TestCaseData(valid with { ArrivalRatePerSecond = -0.1 }, "arrivalRatePerSecond").SetName("A simulation refuses a negative arrival rate");
        yield return new TestCaseData(valid with { ArrivalRatePerSecond = double.NaN }, "arrivalRatePerSecond").SetName("A simulation refuses an arrival rate that is not a number");
        yield return new TestCaseData(valid with { Calls = 0 }, "calls").SetName("A simulation needs at least one call");
        yield return new TestCaseData(valid with { MeanPatienceSeconds = 0 }, "meanPatienceSeconds").SetName("A simulation refuses a patience of zero");
        yield return new TestCaseData(valid with { WrapUpSeconds = -1 }, "wrapUpSeconds").SetName("A simulation refuses a negative wrap-up");
        yield return new TestCaseData(valid with { WarmUpShare = 1 }, "warmUpShare").SetName("A simulation refuses to leave out every call as warm-up");
        yield return new TestCaseData(valid with { ServiceLevelThresholdSeconds = -1 }, "serviceLevelThresholdSeconds").SetName("A simulation refuses a negative threshold");
        yield return new TestCaseData(valid with { TierShares = [new(new TierId("Platinum"), 1)] }, "tierShares[0].tier").SetName("A simulation refuses a share of an unknown tier");
        yield return new TestCaseData(valid with { TierShares = [new(DefaultTiers.Vip, 1), new(DefaultTiers.Gold, -0.5)] }, "tierShares[1].share").SetName("A simulation refuses a negative share");
        yield return new TestCaseData(valid with { TierShares = [new(DefaultTiers.Vip, 0)] }, "tierShares").SetName("A simulation refuses shares that add up to zero");
        yield return new TestCaseData(valid with { TierShares = [] }, "tierShares").SetName("A simulation needs at least one tier share");
    }

    [TestCaseSource(nameof(BadSimulationSettings))]
    public void Bad_simulation_settings_are_rejected_naming_the_field(SimulationSettings settings, string field)
    {
        var errors = settings.Validate();

        Assert.That(errors.Select(error => error.Field), Is.EqualTo(new[] { field }), string.Join("; ", errors));
    }

    [Test]
    public void Unknown_tier_share_is_named_in_the_message()
    {
        var settings = new SimulationSettings { TierShares = [new(DefaultTiers.Vip, 0.5), new(new TierId("vip"), 0.5)] };

        Assert.That(settings.Validate(), Is.EqualTo(new[] { new ConfigurationError("tierShares[1].tier", "unknown tier 'vip'") }));
    }

    [Test]
    public void A_simulation_refuses_to_run_bad_settings()
    {
        var settings = new SimulationSettings { Agents = 0, Calls = 0 };

        Assert.That(
            () => Simulator.Run(settings),
            Throws.TypeOf<InvalidConfigurationException>()
                .With.Property(nameof(InvalidConfigurationException.Errors)).EqualTo(settings.Validate()));
    }

    [Test]
    public void The_default_simulation_settings_are_valid()
    {
        Assert.That(new SimulationSettings().Validate(), Is.Empty);
    }

    /// <summary>
    /// Every feature at once: a custom ladder under the aging rule (no maximum waits needed),
    /// skills with relaxation, limits with every exit action, a schedule, and an overflow
    /// chain sales -> support -> general that ends.
    /// </summary>
    private static RoutingConfiguration Rich => new()
    {
        Version = 7,
        AntiStarvation = AntiStarvationMode.Aging,
        Tiers =
        [
            new TierConfig { Id = new("Premier"), ServiceLevelThreshold = TimeSpan.FromSeconds(10), TargetServiceLevel = 1.0, LongWaitThresholds = [Seconds30, Seconds60], AgingHeadStart = TimeSpan.FromSeconds(90) },
            new TierConfig { Id = new("Everyone"), ServiceLevelThreshold = TimeSpan.Zero, TargetServiceLevel = 0.0 },
        ],
        Skills = [English, French, Billing],
        Queues =
        [
            new QueueConfig
            {
                Id = Sales,
                RequiredSkills = [new(English, 10), new(Billing, 1)],
                ServiceLevelThreshold = TimeSpan.FromSeconds(20),
                ExpectedHandleTime = TimeSpan.FromMinutes(4),
                MaximumSize = 50,
                WhenFull = QueueExitAction.Overflow,
                MaximumWait = TimeSpan.FromMinutes(5),
                WhenMaximumWait = QueueExitAction.OfferCallback,
                Schedule = Schedule(TimeSpan.FromHours(1), (DayOfWeek.Monday, "08:00", "18:00"), (DayOfWeek.Saturday, "00:00", "23:59")),
                WhenClosed = QueueExitAction.Overflow,
                OverflowQueue = Support,
                Relaxation =
                [
                    new RelaxationStep { After = Seconds30, RequiredSkills = [new(English, 5)] },
                    new RelaxationStep { After = TimeSpan.FromSeconds(90), RequiredSkills = [] },
                ],
                AgentSelection = AgentSelection.BestProficiency,
                PreferredAgentTimeout = TimeSpan.Zero,
            },
            new QueueConfig
            {
                Id = Support,
                RequiredSkills = [new(French, 1)],
                Status = QueueStatus.Draining,
                MaximumWait = Seconds60,
                WhenMaximumWait = QueueExitAction.Overflow,
                OverflowQueue = new("general"),
                AgentSelection = AgentSelection.FewestCallsToday,
            },
            new QueueConfig { Id = new("general"), Status = QueueStatus.Closed, WhenClosed = QueueExitAction.OfferCallback },
        ],
    };

    private static WeeklySchedule Schedule(TimeSpan offset, params (DayOfWeek Day, string Opens, string Closes)[] hours) => new()
    {
        UtcOffset = offset,
        Hours = hours
            .Select(h => new OpeningHours(h.Day, TimeOnly.Parse(h.Opens, CultureInfo.InvariantCulture), TimeOnly.Parse(h.Closes, CultureInfo.InvariantCulture)))
            .ToList(),
    };
}
