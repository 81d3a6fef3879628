using System.Text.Json;
using CallCenter.Routing.Host.Commands;

namespace CallCenter.Routing.Tests.Host;

/// <summary>
/// The <c>simulate</c> command as a capacity planner uses it: arguments in, one JSON report
/// out, exit code 2 and the option at fault on standard error when the arguments are wrong.
/// </summary>
[TestFixture]
public sealed class SimulateCommandTests
{
    private static readonly string[] FigureFields =
    [
        "calls", "answered", "abandoned", "meanWaitSeconds", "meanWaitHalfWidth95Seconds", "maxWaitSeconds",
        "serviceLevelThresholdSeconds", "serviceLevel", "shareWaited", "abandonmentRate",
    ];

    private static readonly string[] EveryOption =
    [
        "--agents", "4", "--aht", "60", "--rate", "0.055", "--tiers", "VIP=0.25, Standard=0.75", "--calls", "4000",
        "--seed", "5", "--patience", "120", "--wrap-up", "2", "--threshold", "20", "--warm-up", "0.2",
        "--anti-starvation", "maximumwait",
    ];

    private static (int ExitCode, string Output, string Error) Simulate(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exitCode = SimulateCommand.Run(args, output, error);
        return (exitCode, output.ToString(), error.ToString());
    }

    [Test]
    public void Every_option_is_used_and_echoed_in_the_report()
    {
        var (exitCode, output, error) = Simulate(EveryOption);

        Assert.That((exitCode, error), Is.EqualTo((0, "")));
        using var json = JsonDocument.Parse(output);
        var settings = json.RootElement.GetProperty("settings");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(settings.GetProperty("agents").GetInt32(), Is.EqualTo(4));
            Assert.That(settings.GetProperty("meanHandleTimeSeconds").GetDouble(), Is.EqualTo(60));
            Assert.That(settings.GetProperty("arrivalRatePerSecond").GetDouble(), Is.EqualTo(0.055));
            Assert.That(settings.GetProperty("offeredLoadErlangs").GetDouble(), Is.EqualTo(3.3).Within(1e-12));
            Assert.That(settings.GetProperty("tierShares").GetProperty("VIP").GetDouble(), Is.EqualTo(0.25));
            Assert.That(settings.GetProperty("tierShares").GetProperty("Standard").GetDouble(), Is.EqualTo(0.75));
            Assert.That(settings.GetProperty("calls").GetInt32(), Is.EqualTo(4000));
            Assert.That(settings.GetProperty("measuredCalls").GetInt32(), Is.EqualTo(3200));
            Assert.That(settings.GetProperty("seed").GetInt32(), Is.EqualTo(5));
            Assert.That(settings.GetProperty("meanPatienceSeconds").GetDouble(), Is.EqualTo(120));
            Assert.That(settings.GetProperty("wrapUpSeconds").GetDouble(), Is.EqualTo(2));
            Assert.That(settings.GetProperty("antiStarvation").GetString(), Is.EqualTo("MaximumWait"));
            Assert.That(json.RootElement.GetProperty("overall").GetProperty("serviceLevelThresholdSeconds").GetDouble(), Is.EqualTo(20));
        }
    }

    [Test]
    public void The_report_has_the_documented_fields()
    {
        var (exitCode, output, _) = Simulate(EveryOption);

        Assert.That(exitCode, Is.Zero);
        using var json = JsonDocument.Parse(output);
        var root = json.RootElement;
        Assert.That(
            root.EnumerateObject().Select(property => property.Name),
            Is.EquivalentTo(new[] { "settings", "simulatedSeconds", "agentOccupancy", "overall", "tiers" }));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(root.GetProperty("simulatedSeconds").GetDouble(), Is.GreaterThan(0));
            Assert.That(root.GetProperty("agentOccupancy").GetDouble(), Is.GreaterThan(0).And.LessThanOrEqualTo(1));
            Assert.That(root.GetProperty("overall").GetProperty("tier").GetString(), Is.EqualTo("overall"));
            Assert.That(root.GetProperty("tiers").GetArrayLength(), Is.EqualTo(2));
            foreach (var figures in root.GetProperty("tiers").EnumerateArray().Append(root.GetProperty("overall")))
            {
                var name = figures.GetProperty("tier").GetString();
                foreach (var field in FigureFields)
                {
                    Assert.That(figures.TryGetProperty(field, out var value), Is.True, $"{name}.{field} is missing");
                    Assert.That(value.ValueKind, Is.EqualTo(JsonValueKind.Number), $"{name}.{field}");
                }
            }
        }
    }

    [Test]
    public void The_tiers_add_up_to_the_overall_figures()
    {
        var (exitCode, output, _) = Simulate(EveryOption);

        Assert.That(exitCode, Is.Zero);
        using var json = JsonDocument.Parse(output);
        var overall = json.RootElement.GetProperty("overall");
        var tiers = json.RootElement.GetProperty("tiers").EnumerateArray().ToList();
        Assert.That(tiers.Select(tier => tier.GetProperty("tier").GetString()), Is.EqualTo(new[] { "VIP", "Standard" }));
        using (Assert.EnterMultipleScope())
        {
            foreach (var count in new[] { "calls", "answered", "abandoned" })
            {
                Assert.That(tiers.Sum(tier => tier.GetProperty(count).GetInt32()), Is.EqualTo(overall.GetProperty(count).GetInt32()), count);
            }

            Assert.That(overall.GetProperty("calls").GetInt32(), Is.EqualTo(3200), "the measured calls");
            Assert.That(overall.GetProperty("abandoned").GetInt32(), Is.GreaterThan(0), "callers have a patience");
            Assert.That(
                overall.GetProperty("answered").GetInt32() + overall.GetProperty("abandoned").GetInt32(),
                Is.EqualTo(overall.GetProperty("calls").GetInt32()));
            Assert.That(
                overall.GetProperty("maxWaitSeconds").GetDouble(),
                Is.EqualTo(tiers.Max(tier => tier.GetProperty("maxWaitSeconds").GetDouble())));
        }
    }

    [Test]
    public void Without_options_the_documented_defaults_are_used()
    {
        // Only the length of the run is changed, to keep the test short.
        var (exitCode, output, _) = Simulate("--calls", "2000");

        Assert.That(exitCode, Is.Zero);
        using var json = JsonDocument.Parse(output);
        var settings = json.RootElement.GetProperty("settings");
        var overall = json.RootElement.GetProperty("overall");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(settings.GetProperty("agents").GetInt32(), Is.EqualTo(10));
            Assert.That(settings.GetProperty("meanHandleTimeSeconds").GetDouble(), Is.EqualTo(180));
            Assert.That(settings.GetProperty("arrivalRatePerSecond").GetDouble(), Is.EqualTo(0.05));
            Assert.That(settings.GetProperty("tierShares").EnumerateObject().Select(share => (share.Name, share.Value.GetDouble())), Is.EqualTo(new[] { ("Standard", 1.0) }));
            Assert.That(settings.GetProperty("seed").GetInt32(), Is.EqualTo(1));
            Assert.That(settings.GetProperty("measuredCalls").GetInt32(), Is.EqualTo(1800));
            Assert.That(settings.GetProperty("meanPatienceSeconds").ValueKind, Is.EqualTo(JsonValueKind.Null));
            Assert.That(settings.GetProperty("wrapUpSeconds").GetDouble(), Is.Zero);
            Assert.That(settings.GetProperty("antiStarvation").GetString(), Is.EqualTo("None"));
            Assert.That(overall.GetProperty("abandoned").GetInt32(), Is.Zero, "nobody abandons");
            Assert.That(overall.GetProperty("serviceLevelThresholdSeconds").GetDouble(), Is.EqualTo(15));
        }
    }

    [Test]
    public void Too_few_calls_for_a_confidence_interval_give_a_null_half_width()
    {
        var (exitCode, output, _) = Simulate("--calls", "100");

        Assert.That(exitCode, Is.Zero);
        using var json = JsonDocument.Parse(output);
        Assert.That(
            json.RootElement.GetProperty("overall").GetProperty("meanWaitHalfWidth95Seconds").ValueKind,
            Is.EqualTo(JsonValueKind.Null));
    }

    [Test]
    public void The_same_arguments_print_the_same_report()
    {
        var first = Simulate(EveryOption);
        var second = Simulate(EveryOption);

        Assert.That(second.Output, Is.EqualTo(first.Output));
    }

    [TestCase("--agent", "5", "--agent: unknown option", TestName = "An unknown option is refused")]
    [TestCase("--agents", "five", "--agents: 'five' is not a whole number", TestName = "A count that is not a number is refused")]
    [TestCase("--calls", "1.5", "--calls: '1.5' is not a whole number", TestName = "A count that is not whole is refused")]
    [TestCase("--rate", "fast", "--rate: 'fast' is not a number", TestName = "A rate that is not a number is refused")]
    [TestCase("--aht", "Infinity", "--aht: 'Infinity' is not a number", TestName = "An infinite handle time is refused")]
    [TestCase("--agents", null, "--agents: a value is missing", TestName = "An option without its value is refused")]
    [TestCase("--tiers", "VIP", "--tiers: 'VIP' is not TIER=SHARE", TestName = "A tier share without a share is refused")]
    [TestCase("--tiers", "VIP=most", "--tiers: 'most' is not a number", TestName = "A tier share that is not a number is refused")]
    [TestCase("--anti-starvation", "Fair", "--anti-starvation: 'Fair' is not None, Aging or MaximumWait", TestName = "An unknown anti-starvation rule is refused")]
    [TestCase("--anti-starvation", "1", "--anti-starvation: '1' is not None, Aging or MaximumWait", TestName = "An anti-starvation rule given as a number is refused")]
    public void Arguments_that_cannot_be_read_are_refused_naming_the_option(string option, string? value, string message)
    {
        var args = value is null ? new[] { "--calls", "1000", option } : new[] { "--calls", "1000", option, value };

        var (exitCode, output, error) = Simulate(args);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(exitCode, Is.EqualTo(2));
            Assert.That(output, Is.Empty);
            Assert.That(error, Does.StartWith(message));
            Assert.That(error, Does.Contain("usage: Routing.Host simulate"));
        }
    }

    // The settings are checked after parsing, so these name the setting; the option's name
    // is accepted too.
    [TestCase("--agents", "0", "agents", TestName = "A pool without agents is refused")]
    [TestCase("--rate", "-0.1", "arrivalRatePerSecond", TestName = "A negative arrival rate is refused")]
    [TestCase("--aht", "0", "meanHandleTimeSeconds", TestName = "A handle time of zero is refused")]
    [TestCase("--calls", "0", "calls", TestName = "A simulation without calls is refused")]
    [TestCase("--patience", "0", "meanPatienceSeconds", TestName = "A patience of zero is refused")]
    [TestCase("--wrap-up", "-1", "wrapUpSeconds", TestName = "A negative wrap-up is refused")]
    [TestCase("--warm-up", "1", "warmUpShare", TestName = "A warm-up of every call is refused")]
    [TestCase("--threshold", "-5", "serviceLevelThresholdSeconds", TestName = "A negative threshold is refused")]
    [TestCase("--tiers", "Platinum=1", "--tiers (tierShares[0].tier): unknown tier 'Platinum'", TestName = "An unknown tier is refused")]
    [TestCase("--tiers", "VIP=1,Gold=-0.5", "tierShares[1].share", TestName = "A negative tier share is refused")]
    [TestCase("--tiers", "VIP=0.5,VIP=0.5", "tierShares[1].tier", TestName = "A tier given two shares is refused")]
    public void Settings_that_make_no_sense_are_refused_naming_the_field(string option, string value, string field)
    {
        var (exitCode, output, error) = Simulate("--calls", "1000", option, value);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(exitCode, Is.EqualTo(2));
            Assert.That(output, Is.Empty);
            Assert.That(error, Does.Contain(field).Or.Contain(option + ":"));
        }
    }
}
