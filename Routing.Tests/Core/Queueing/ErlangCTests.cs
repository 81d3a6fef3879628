using CallCenter.Routing.Queueing;
using NUnit.Framework;

namespace CallCenter.Routing.Tests.Core.Queueing;

[TestFixture]
public sealed class ErlangCTests
{
    private const double WorkedExampleLoad = 360.0 / 1800.0 * 240.0;
    private const double WorkedExampleHandleTime = 240.0;
    private const int WorkedExampleAgents = 55;

    [Test]
    public void The_worked_example_has_48_erlangs_of_load()
    {
        Assert.That(WorkedExampleLoad, Is.EqualTo(48.0).Within(1e-12));
    }

    [Test]
    public void The_worked_example_matches_the_published_figures()
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(ErlangC.ProbabilityOfWaiting(WorkedExampleAgents, WorkedExampleLoad), Is.EqualTo(0.2387).Within(5e-5));
            Assert.That(
                ErlangC.AverageSpeedOfAnswer(WorkedExampleAgents, WorkedExampleLoad, WorkedExampleHandleTime),
                Is.EqualTo(8.18).Within(0.005));
            Assert.That(
                ErlangC.ServiceLevel(WorkedExampleAgents, WorkedExampleLoad, WorkedExampleHandleTime, 15.0),
                Is.EqualTo(0.846).Within(5e-4));
            Assert.That(
                ErlangC.MeanWaitOfWaitingCalls(WorkedExampleAgents, WorkedExampleLoad, WorkedExampleHandleTime),
                Is.EqualTo(240.0 / 7.0).Within(1e-9));
        }
    }

    // Four-digit values from published Erlang B tables.
    [TestCase(1, 1.0, 0.5)]
    [TestCase(2, 1.0, 0.2)]
    [TestCase(3, 2.0, 0.2105)]
    [TestCase(5, 2.0, 0.0367)]
    [TestCase(10, 5.0, 0.0184)]
    [TestCase(20, 15.0, 0.0456)]
    public void Erlang_b_matches_the_published_tables(int agents, double offeredLoad, double expected)
    {
        Assert.That(ErlangC.ErlangB(agents, offeredLoad), Is.EqualTo(expected).Within(5e-5));
    }

    [TestCase(0.1)]
    [TestCase(0.5)]
    [TestCase(0.95)]
    public void A_single_agent_makes_a_call_wait_with_probability_equal_to_the_load(double offeredLoad)
    {
        const double handleTime = 60.0;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(ErlangC.ProbabilityOfWaiting(1, offeredLoad), Is.EqualTo(offeredLoad).Within(1e-12));
            Assert.That(
                ErlangC.AverageSpeedOfAnswer(1, offeredLoad, handleTime),
                Is.EqualTo(offeredLoad * handleTime / (1.0 - offeredLoad)).Within(1e-9));
        }
    }

    [TestCase(0.2)]
    [TestCase(1.0)]
    [TestCase(1.9)]
    public void Two_agents_agree_with_the_closed_form_of_the_two_server_queue(double offeredLoad)
    {
        var occupancy = offeredLoad / 2.0;
        var expected = 2.0 * occupancy * occupancy / (1.0 + occupancy);

        Assert.That(ErlangC.ProbabilityOfWaiting(2, offeredLoad), Is.EqualTo(expected).Within(1e-12));
    }

    [TestCase(5, 5.0)]
    [TestCase(5, 7.5)]
    [TestCase(55, 60.0)]
    [TestCase(1, double.PositiveInfinity)]
    public void An_overloaded_pool_makes_every_call_wait_forever(int agents, double offeredLoad)
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(ErlangC.ProbabilityOfWaiting(agents, offeredLoad), Is.EqualTo(1.0));
            Assert.That(ErlangC.ServiceLevel(agents, offeredLoad, 240.0, 20.0), Is.EqualTo(0.0));
            Assert.That(ErlangC.ServiceLevel(agents, offeredLoad, 240.0, double.PositiveInfinity), Is.EqualTo(0.0));
            Assert.That(ErlangC.AverageSpeedOfAnswer(agents, offeredLoad, 240.0), Is.EqualTo(double.PositiveInfinity));
            Assert.That(ErlangC.MeanWaitOfWaitingCalls(agents, offeredLoad, 240.0), Is.EqualTo(double.PositiveInfinity));
        }
    }

    [Test]
    public void Infinite_load_blocks_every_call()
    {
        Assert.That(ErlangC.ErlangB(10, double.PositiveInfinity), Is.EqualTo(1.0));
    }

    [TestCase(1)]
    [TestCase(30)]
    public void No_load_means_no_call_waits(int agents)
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(ErlangC.ErlangB(agents, 0.0), Is.EqualTo(0.0));
            Assert.That(ErlangC.ProbabilityOfWaiting(agents, 0.0), Is.EqualTo(0.0));
            Assert.That(ErlangC.ServiceLevel(agents, 0.0, 180.0, 0.0), Is.EqualTo(1.0));
            Assert.That(ErlangC.AverageSpeedOfAnswer(agents, 0.0, 180.0), Is.EqualTo(0.0));
        }
    }

    [Test]
    public void Service_level_at_zero_seconds_is_the_share_answered_at_once()
    {
        var waiting = ErlangC.ProbabilityOfWaiting(WorkedExampleAgents, WorkedExampleLoad);

        Assert.That(
            ErlangC.ServiceLevel(WorkedExampleAgents, WorkedExampleLoad, WorkedExampleHandleTime, 0.0),
            Is.EqualTo(1.0 - waiting).Within(1e-15));
    }

    [Test]
    public void Service_level_reaches_one_given_unlimited_patience()
    {
        Assert.That(
            ErlangC.ServiceLevel(WorkedExampleAgents, WorkedExampleLoad, WorkedExampleHandleTime, double.PositiveInfinity),
            Is.EqualTo(1.0));
    }

    [TestCase(100_000, 99_900.0)]
    [TestCase(100_000, 99_000.0)]
    [TestCase(100_000, 90_000.0)]
    [TestCase(50_000, 50_500.0)]
    public void Huge_pools_stay_finite_and_agree_with_the_defining_sum(int agents, double offeredLoad)
    {
        var blocking = ErlangC.ErlangB(agents, offeredLoad);
        var waiting = ErlangC.ProbabilityOfWaiting(agents, offeredLoad);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(double.IsFinite(blocking), Is.True);
            Assert.That(blocking, Is.EqualTo(ErlangBBySummingInLogSpace(agents, offeredLoad)).Within(1e-7).Percent);
            Assert.That(waiting, Is.InRange(blocking, 1.0));
        }
    }

    [Test]
    public void Halfin_whitt_regime_waiting_probability_is_the_textbook_limit()
    {
        // c = A + β·√A with β = 1: Halfin and Whitt (1981) give C → 1 / (1 + β·Φ(β)/φ(β)) = 0.2234.
        const double offeredLoad = 90_000.0;
        const int agents = 90_300;

        Assert.That(ErlangC.ProbabilityOfWaiting(agents, offeredLoad), Is.EqualTo(0.2234).Within(0.002));
    }

    [Test]
    public void Erlang_b_recursion_agrees_with_the_defining_sum_on_random_pools()
    {
        var random = new Random(1954);
        for (var i = 0; i < 500; i++)
        {
            var agents = random.Next(1, 400);
            var offeredLoad = random.NextDouble() * agents * 1.5 + 1e-3;

            Assert.That(
                ErlangC.ErlangB(agents, offeredLoad),
                Is.EqualTo(ErlangBBySummingInLogSpace(agents, offeredLoad)).Within(1e-9).Percent,
                $"c = {agents}, A = {offeredLoad}");
        }
    }

    [Test]
    public void Probabilities_stay_between_blocking_and_one_on_random_pools()
    {
        var random = new Random(2002);
        for (var i = 0; i < 500; i++)
        {
            var agents = random.Next(1, 2_000);
            var offeredLoad = random.NextDouble() * agents;
            var blocking = ErlangC.ErlangB(agents, offeredLoad);
            var waiting = ErlangC.ProbabilityOfWaiting(agents, offeredLoad);

            using (Assert.EnterMultipleScope())
            {
                Assert.That(blocking, Is.InRange(0.0, 1.0), $"c = {agents}, A = {offeredLoad}");
                Assert.That(waiting, Is.InRange(blocking, 1.0), $"c = {agents}, A = {offeredLoad}");
            }
        }
    }

    [Test]
    public void Service_level_improves_with_every_added_agent_on_random_pools()
    {
        var random = new Random(4242);
        for (var i = 0; i < 300; i++)
        {
            var offeredLoad = random.NextDouble() * 500.0;
            var handleTime = 30.0 + random.NextDouble() * 600.0;
            var threshold = random.NextDouble() * 60.0;
            var smallestStablePool = (int)Math.Floor(offeredLoad) + 1;

            var previous = ErlangC.ServiceLevel(smallestStablePool, offeredLoad, handleTime, threshold);
            var first = previous;
            for (var agents = smallestStablePool + 1; agents <= smallestStablePool + 40; agents++)
            {
                var current = ErlangC.ServiceLevel(agents, offeredLoad, handleTime, threshold);
                Assert.That(current, Is.GreaterThanOrEqualTo(previous), $"A = {offeredLoad}, c = {agents}, t = {threshold}");
                previous = current;
            }

            Assert.That(previous, Is.GreaterThan(first), $"A = {offeredLoad}: forty more agents must help");
        }
    }

    [Test]
    public void Service_level_grows_with_the_threshold_on_random_pools()
    {
        var random = new Random(7);
        for (var i = 0; i < 300; i++)
        {
            var agents = random.Next(1, 300);
            var offeredLoad = random.NextDouble() * agents * 0.999;
            var handleTime = 30.0 + random.NextDouble() * 600.0;
            var shorter = random.NextDouble() * 60.0;
            var longer = shorter + 0.5 + random.NextDouble() * 60.0;

            var atShorter = ErlangC.ServiceLevel(agents, offeredLoad, handleTime, shorter);
            var atLonger = ErlangC.ServiceLevel(agents, offeredLoad, handleTime, longer);

            Assert.That(atLonger, Is.GreaterThanOrEqualTo(atShorter), $"c = {agents}, A = {offeredLoad}");
        }
    }

    [Test]
    public void Average_speed_of_answer_is_the_waiting_share_times_the_wait_of_those_who_wait()
    {
        var random = new Random(99);
        for (var i = 0; i < 200; i++)
        {
            var agents = random.Next(1, 500);
            var offeredLoad = random.NextDouble() * agents * 0.999;
            var handleTime = 10.0 + random.NextDouble() * 900.0;

            var expected = ErlangC.ProbabilityOfWaiting(agents, offeredLoad)
                * ErlangC.MeanWaitOfWaitingCalls(agents, offeredLoad, handleTime);

            Assert.That(
                ErlangC.AverageSpeedOfAnswer(agents, offeredLoad, handleTime),
                Is.EqualTo(expected).Within(1e-9).Percent,
                $"c = {agents}, A = {offeredLoad}");
        }
    }

    private static IEnumerable<TestCaseData> InvalidCalls()
    {
        yield return Case(() => ErlangC.ErlangB(0, 1.0), "agents");
        yield return Case(() => ErlangC.ErlangB(-3, 1.0), "agents");
        yield return Case(() => ErlangC.ErlangB(5, -0.1), "offeredLoad");
        yield return Case(() => ErlangC.ErlangB(5, double.NaN), "offeredLoad");
        yield return Case(() => ErlangC.ProbabilityOfWaiting(0, 1.0), "agents");
        yield return Case(() => ErlangC.ProbabilityOfWaiting(5, double.NaN), "offeredLoad");
        yield return Case(() => ErlangC.ServiceLevel(0, 1.0, 180.0, 20.0), "agents");
        yield return Case(() => ErlangC.ServiceLevel(5, -1.0, 180.0, 20.0), "offeredLoad");
        yield return Case(() => ErlangC.ServiceLevel(5, 1.0, 0.0, 20.0), "handleTimeSeconds");
        yield return Case(() => ErlangC.ServiceLevel(5, 1.0, -180.0, 20.0), "handleTimeSeconds");
        yield return Case(() => ErlangC.ServiceLevel(5, 1.0, double.NaN, 20.0), "handleTimeSeconds");
        yield return Case(() => ErlangC.ServiceLevel(5, 1.0, 180.0, -0.001), "thresholdSeconds");
        yield return Case(() => ErlangC.ServiceLevel(5, 1.0, 180.0, double.NaN), "thresholdSeconds");
        yield return Case(() => ErlangC.AverageSpeedOfAnswer(0, 1.0, 180.0), "agents");
        yield return Case(() => ErlangC.AverageSpeedOfAnswer(5, -1.0, 180.0), "offeredLoad");
        yield return Case(() => ErlangC.AverageSpeedOfAnswer(5, 1.0, 0.0), "handleTimeSeconds");
        yield return Case(() => ErlangC.MeanWaitOfWaitingCalls(0, 1.0, 180.0), "agents");
        yield return Case(() => ErlangC.MeanWaitOfWaitingCalls(5, double.NaN, 180.0), "offeredLoad");
        yield return Case(() => ErlangC.MeanWaitOfWaitingCalls(5, 1.0, double.PositiveInfinity), "handleTimeSeconds");

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

    /// <summary>
    /// Erlang B straight from its definition, (A^c / c!) / Σ A^k / k!, summed in log space so
    /// it survives large pools: an independent check on the recursion.
    /// </summary>
    private static double ErlangBBySummingInLogSpace(int agents, double offeredLoad)
    {
        var logLoad = Math.Log(offeredLoad);
        var logTerm = 0.0;
        var logLargest = 0.0;
        var scaledSum = 1.0;
        for (var k = 1; k <= agents; k++)
        {
            logTerm += logLoad - Math.Log(k);
            if (logTerm > logLargest)
            {
                scaledSum = scaledSum * Math.Exp(logLargest - logTerm) + 1.0;
                logLargest = logTerm;
            }
            else
            {
                scaledSum += Math.Exp(logTerm - logLargest);
            }
        }

        return Math.Exp(logTerm - logLargest) / scaledSum;
    }
}
