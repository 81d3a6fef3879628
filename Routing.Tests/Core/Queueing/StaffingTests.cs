using CallCenter.Routing.Queueing;
using NUnit.Framework;

namespace CallCenter.Routing.Tests.Core.Queueing;

[TestFixture]
public sealed class StaffingTests
{
    private const double WorkedExampleRate = 360.0 / 1800.0;
    private const double WorkedExampleHandleTime = 240.0;

    // Around the worked example (A = 48): SL(15 s) is 79.3 % with 54 agents, 84.6 % with 55
    // and 88.6 % with 56.
    [TestCase(15.0, 0.50, 51)]
    [TestCase(15.0, 0.80, 55)]
    [TestCase(15.0, 0.845, 55)]
    [TestCase(15.0, 0.85, 56)]
    [TestCase(15.0, 0.95, 59)]
    [TestCase(20.0, 0.80, 54)]
    public void Service_level_targets_around_the_worked_example(double threshold, double target, int expectedAgents)
    {
        Assert.That(
            Staffing.AgentsForServiceLevel(WorkedExampleRate, WorkedExampleHandleTime, threshold, target),
            Is.EqualTo(expectedAgents));
    }

    [Test]
    public void Eighty_in_twenty_for_ten_erlangs_needs_fourteen_agents()
    {
        // 100 calls per half hour at 3 minutes each; 13 agents reach only 79.6 %.
        Assert.That(Staffing.AgentsForServiceLevel(100.0 / 1800.0, 180.0, 20.0, 0.80), Is.EqualTo(14));
    }

    // ASA is 12.05 s with 54 agents, 8.184 s with 55 and 5.61 s with 56.
    [TestCase(8.2, 55)]
    [TestCase(8.18, 56)]
    [TestCase(12.1, 54)]
    [TestCase(1_000_000.0, 49)]
    public void Speed_of_answer_targets_around_the_worked_example(double targetAsa, int expectedAgents)
    {
        Assert.That(
            Staffing.AgentsForAverageSpeedOfAnswer(WorkedExampleRate, WorkedExampleHandleTime, targetAsa),
            Is.EqualTo(expectedAgents));
    }

    [Test]
    public void No_traffic_still_needs_one_agent()
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Staffing.AgentsForServiceLevel(0.0, 180.0, 20.0, 0.99), Is.EqualTo(1));
            Assert.That(Staffing.AgentsForAverageSpeedOfAnswer(0.0, 180.0, 0.001), Is.EqualTo(1));
        }
    }

    [Test]
    public void Service_level_staffing_is_the_smallest_pool_meeting_the_target_on_random_demands()
    {
        var random = new Random(1917);
        for (var i = 0; i < 400; i++)
        {
            var rate = random.NextDouble() * 5.0;
            var handleTime = 20.0 + random.NextDouble() * 900.0;
            var threshold = random.NextDouble() * 120.0;
            var target = 0.01 + random.NextDouble() * 0.98;
            var load = rate * handleTime;
            var context = $"λ = {rate}, AHT = {handleTime}, t = {threshold}, target = {target}";

            var agents = Staffing.AgentsForServiceLevel(rate, handleTime, threshold, target);

            Assert.That(agents, Is.GreaterThan(load), context);
            Assert.That(ErlangC.ServiceLevel(agents, load, handleTime, threshold), Is.GreaterThanOrEqualTo(target), context);
            if (agents - 1 > load)
            {
                Assert.That(ErlangC.ServiceLevel(agents - 1, load, handleTime, threshold), Is.LessThan(target), context);
            }
        }
    }

    [Test]
    public void Speed_of_answer_staffing_is_the_smallest_pool_meeting_the_target_on_random_demands()
    {
        var random = new Random(1909);
        for (var i = 0; i < 400; i++)
        {
            var rate = random.NextDouble() * 5.0;
            var handleTime = 20.0 + random.NextDouble() * 900.0;
            var targetAsa = 0.1 + random.NextDouble() * 60.0;
            var load = rate * handleTime;
            var context = $"λ = {rate}, AHT = {handleTime}, target ASA = {targetAsa}";

            var agents = Staffing.AgentsForAverageSpeedOfAnswer(rate, handleTime, targetAsa);

            Assert.That(agents, Is.GreaterThan(load), context);
            Assert.That(ErlangC.AverageSpeedOfAnswer(agents, load, handleTime), Is.LessThanOrEqualTo(targetAsa), context);
            if (agents - 1 > load)
            {
                Assert.That(ErlangC.AverageSpeedOfAnswer(agents - 1, load, handleTime), Is.GreaterThan(targetAsa), context);
            }
        }
    }

    [TestCase(0.0, 1)]
    [TestCase(47.2, 48)]
    [TestCase(48.0, 49)]
    public void An_undemanding_target_is_met_by_the_smallest_pool_that_has_a_steady_state(double load, int expectedAgents)
    {
        // With a week's patience nearly every call is answered in time once the queue is stable.
        Assert.That(
            Staffing.AgentsForServiceLevel(load / 240.0, 240.0, 604_800.0, 0.5),
            Is.EqualTo(expectedAgents));
    }

    [Test]
    public void Large_loads_are_staffed_just_above_the_load()
    {
        const double handleTime = 300.0;
        const double rate = 200.0;
        const double load = rate * handleTime;

        var agents = Staffing.AgentsForServiceLevel(rate, handleTime, 20.0, 0.8);

        using (Assert.EnterMultipleScope())
        {
            // Square-root staffing: the safety margin is of the order of √A ≈ 245, not of A.
            Assert.That(agents, Is.InRange((int)load + 1, (int)(load + 2.0 * Math.Sqrt(load))));
            Assert.That(ErlangC.ServiceLevel(agents, load, handleTime, 20.0), Is.GreaterThanOrEqualTo(0.8));
            Assert.That(ErlangC.ServiceLevel(agents - 1, load, handleTime, 20.0), Is.LessThan(0.8));
        }
    }

    [Test]
    public void A_load_beyond_the_cap_is_refused()
    {
        Assert.Throws<InvalidOperationException>(
            () => Staffing.AgentsForServiceLevel(Staffing.MaximumAgents / 100.0, 100.0, 20.0, 0.8));
    }

    [Test]
    public void A_target_unreachable_below_the_cap_is_refused()
    {
        // 999,000 erlangs leave only 1,000 agents of headroom: far too few for a 1e-300 s ASA.
        Assert.Throws<InvalidOperationException>(
            () => Staffing.AgentsForAverageSpeedOfAnswer(999.0, 1_000.0, 1e-300));
    }

    private static IEnumerable<TestCaseData> InvalidCalls()
    {
        yield return Case(() => Staffing.AgentsForServiceLevel(-0.1, 180.0, 20.0, 0.8), "arrivalRatePerSecond");
        yield return Case(() => Staffing.AgentsForServiceLevel(double.NaN, 180.0, 20.0, 0.8), "arrivalRatePerSecond");
        yield return Case(() => Staffing.AgentsForServiceLevel(double.PositiveInfinity, 180.0, 20.0, 0.8), "arrivalRatePerSecond");
        yield return Case(() => Staffing.AgentsForServiceLevel(0.1, 0.0, 20.0, 0.8), "handleTimeSeconds");
        yield return Case(() => Staffing.AgentsForServiceLevel(0.1, 180.0, -1.0, 0.8), "thresholdSeconds");
        yield return Case(() => Staffing.AgentsForServiceLevel(0.1, 180.0, 20.0, 0.0), "targetServiceLevel");
        yield return Case(() => Staffing.AgentsForServiceLevel(0.1, 180.0, 20.0, 1.0), "targetServiceLevel");
        yield return Case(() => Staffing.AgentsForServiceLevel(0.1, 180.0, 20.0, -0.5), "targetServiceLevel");
        yield return Case(() => Staffing.AgentsForServiceLevel(0.1, 180.0, 20.0, double.NaN), "targetServiceLevel");
        yield return Case(() => Staffing.AgentsForAverageSpeedOfAnswer(-1.0, 180.0, 20.0), "arrivalRatePerSecond");
        yield return Case(() => Staffing.AgentsForAverageSpeedOfAnswer(0.1, -180.0, 20.0), "handleTimeSeconds");
        yield return Case(() => Staffing.AgentsForAverageSpeedOfAnswer(0.1, 180.0, 0.0), "targetAsaSeconds");
        yield return Case(() => Staffing.AgentsForAverageSpeedOfAnswer(0.1, 180.0, double.NaN), "targetAsaSeconds");

        static TestCaseData Case(Action call, string parameter) => new(call, parameter);
    }

    [TestCaseSource(nameof(InvalidCalls))]
    public void Invalid_arguments_are_refused_naming_the_parameter(Action call, string parameter)
    {
        Assert.That(
            call,
            Throws.TypeOf<ArgumentOutOfRangeException>()
                .With.Property(nameof(ArgumentOutOfRangeException.ParamName)).EqualTo(parameter));
    }
}
