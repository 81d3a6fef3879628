using CallCenter.Routing.Queueing;
using NUnit.Framework;

namespace CallCenter.Routing.Tests.Core.Queueing;

[TestFixture]
public sealed class PriorityClassesTests
{
    private const int WorkedExampleAgents = 55;
    private const double WorkedExampleHandleTime = 240.0;
    private const double WorkedExampleRate = 360.0 / 1800.0;

    private static readonly double[] WorkedExampleRates = [0.2 * WorkedExampleRate, 0.8 * WorkedExampleRate];

    [Test]
    public void A_fifth_of_calls_as_vip_matches_the_worked_example()
    {
        var waits = PriorityClasses.MeanWaits(WorkedExampleAgents, WorkedExampleHandleTime, WorkedExampleRates);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(waits, Has.Length.EqualTo(2));
            Assert.That(waits[0], Is.EqualTo(1.26).Within(0.005));
            Assert.That(waits[1], Is.EqualTo(9.91).Within(0.005));
            Assert.That(0.2 * waits[0] + 0.8 * waits[1], Is.EqualTo(8.18).Within(0.005));
        }
    }

    [TestCase(1, 60.0, 0.01)]
    [TestCase(55, 240.0, 0.2)]
    [TestCase(500, 300.0, 1.6)]
    public void One_class_waits_as_long_as_first_come_first_served(int agents, double handleTime, double rate)
    {
        var waits = PriorityClasses.MeanWaits(agents, handleTime, [rate]);

        Assert.That(
            waits[0],
            Is.EqualTo(ErlangC.AverageSpeedOfAnswer(agents, rate * handleTime, handleTime)).Within(1e-9).Percent);
    }

    [Test]
    public void A_class_with_no_calls_changes_nobody_elses_wait()
    {
        var withEmptyClass = PriorityClasses.MeanWaits(WorkedExampleAgents, WorkedExampleHandleTime, [0.04, 0.0, 0.16]);
        var vipOccupancy = 0.04 * WorkedExampleHandleTime / WorkedExampleAgents;

        using (Assert.EnterMultipleScope())
        {
            Assert.That(withEmptyClass[0], Is.EqualTo(1.26).Within(0.005));
            Assert.That(withEmptyClass[2], Is.EqualTo(9.91).Within(0.005));

            // A call of the empty class, were one to come, would queue behind the VIPs only.
            Assert.That(withEmptyClass[1], Is.EqualTo(withEmptyClass[0] / (1.0 - vipOccupancy)).Within(1e-12));
        }
    }

    [Test]
    public void No_traffic_means_no_wait()
    {
        Assert.That(PriorityClasses.MeanWaits(3, 120.0, [0.0, 0.0]), Is.EqualTo(new[] { 0.0, 0.0 }));
    }

    [Test]
    public void Classes_above_a_starved_class_keep_a_finite_wait()
    {
        // Ten agents, handle time 1 s: cumulative loads 4, 9 and 12 erlangs. The pool is
        // overloaded, so every agent is always busy (C = 1, W0 = 1/10 s).
        var waits = PriorityClasses.MeanWaits(10, 1.0, [4.0, 5.0, 3.0]);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(waits[0], Is.EqualTo(0.1 / (1.0 * 0.6)).Within(1e-12));
            Assert.That(waits[1], Is.EqualTo(0.1 / (0.6 * 0.1)).Within(1e-12));
            Assert.That(waits[2], Is.EqualTo(double.PositiveInfinity));
        }
    }

    [Test]
    public void A_top_class_that_fills_the_pool_alone_starves_everyone()
    {
        var waits = PriorityClasses.MeanWaits(2, 10.0, [0.2, 0.05]);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(waits, Is.All.EqualTo(double.PositiveInfinity));
            Assert.That(PriorityClasses.TopClassWaitExceeds(2, 10.0, [0.2, 0.05], 1_000.0), Is.EqualTo(1.0));
        }
    }

    [Test]
    public void The_top_class_waits_at_all_with_the_erlang_c_probability()
    {
        var waiting = ErlangC.ProbabilityOfWaiting(WorkedExampleAgents, WorkedExampleRate * WorkedExampleHandleTime);

        Assert.That(
            PriorityClasses.TopClassWaitExceeds(WorkedExampleAgents, WorkedExampleHandleTime, WorkedExampleRates, 0.0),
            Is.EqualTo(waiting).Within(1e-15));
    }

    [Test]
    public void The_worked_example_vips_rarely_wait_beyond_fifteen_seconds()
    {
        // 0.2387 · exp(−(55/240 − 0.04) · 15)
        Assert.That(
            PriorityClasses.TopClassWaitExceeds(WorkedExampleAgents, WorkedExampleHandleTime, WorkedExampleRates, 15.0),
            Is.EqualTo(0.01398).Within(5e-5));
    }

    [Test]
    public void Waits_conserve_the_work_of_first_come_first_served_on_random_mixes()
    {
        var random = new Random(1954);
        for (var i = 0; i < 500; i++)
        {
            var mix = RandomStableMix(random);
            var waits = PriorityClasses.MeanWaits(mix.Agents, mix.HandleTime, mix.Rates);

            var weighted = 0.0;
            for (var k = 0; k < waits.Length; k++)
            {
                weighted += mix.Rates[k] * waits[k];
            }

            var firstComeFirstServed = ErlangC.AverageSpeedOfAnswer(mix.Agents, mix.TotalRate * mix.HandleTime, mix.HandleTime);
            Assert.That(weighted / mix.TotalRate, Is.EqualTo(firstComeFirstServed).Within(1e-8).Percent, mix.ToString());
        }
    }

    [Test]
    public void Lower_classes_wait_longer_on_random_mixes()
    {
        var random = new Random(31337);
        for (var i = 0; i < 500; i++)
        {
            var mix = RandomStableMix(random);
            var waits = PriorityClasses.MeanWaits(mix.Agents, mix.HandleTime, mix.Rates);

            Assert.That(waits, Is.All.Positive.And.All.Matches<double>(double.IsFinite), mix.ToString());
            for (var k = 1; k < waits.Length; k++)
            {
                Assert.That(waits[k], Is.GreaterThan(waits[k - 1]), $"class {k} of {mix}");
            }
        }
    }

    [Test]
    public void Top_class_wait_distribution_integrates_to_its_mean_wait_on_random_mixes()
    {
        var random = new Random(2024);
        for (var i = 0; i < 100; i++)
        {
            var mix = RandomStableMix(random);
            var meanWait = PriorityClasses.MeanWaits(mix.Agents, mix.HandleTime, mix.Rates)[0];

            // E[W] = ∫ P(W > t) dt, by Simpson's rule out to where the tail is negligible.
            var waitsAtAll = PriorityClasses.TopClassWaitExceeds(mix.Agents, mix.HandleTime, mix.Rates, 0.0);
            var horizon = 1.0;
            while (PriorityClasses.TopClassWaitExceeds(mix.Agents, mix.HandleTime, mix.Rates, horizon) > 1e-14 * waitsAtAll)
            {
                horizon *= 2.0;
            }

            const int intervals = 20_000;
            var step = horizon / intervals;
            var sum = 0.0;
            for (var j = 0; j <= intervals; j++)
            {
                var weight = j == 0 || j == intervals ? 1.0 : j % 2 == 1 ? 4.0 : 2.0;
                sum += weight * PriorityClasses.TopClassWaitExceeds(mix.Agents, mix.HandleTime, mix.Rates, j * step);
            }

            Assert.That(sum * step / 3.0, Is.EqualTo(meanWait).Within(1e-6).Percent, mix.ToString());
        }
    }

    private static IEnumerable<TestCaseData> InvalidCalls()
    {
        yield return Case(() => PriorityClasses.MeanWaits(0, 240.0, [0.1]), "agents");
        yield return Case(() => PriorityClasses.MeanWaits(5, 0.0, [0.1]), "handleTimeSeconds");
        yield return Case(() => PriorityClasses.MeanWaits(5, double.NaN, [0.1]), "handleTimeSeconds");
        yield return Case(() => PriorityClasses.MeanWaits(5, 240.0, []), "arrivalRatesPerSecond");
        yield return Case(() => PriorityClasses.MeanWaits(5, 240.0, [0.1, -0.01]), "arrivalRatesPerSecond");
        yield return Case(() => PriorityClasses.MeanWaits(5, 240.0, [double.NaN]), "arrivalRatesPerSecond");
        yield return Case(() => PriorityClasses.MeanWaits(5, 240.0, [double.PositiveInfinity]), "arrivalRatesPerSecond");
        yield return Case(() => PriorityClasses.TopClassWaitExceeds(0, 240.0, [0.1], 20.0), "agents");
        yield return Case(() => PriorityClasses.TopClassWaitExceeds(5, -1.0, [0.1], 20.0), "handleTimeSeconds");
        yield return Case(() => PriorityClasses.TopClassWaitExceeds(5, 240.0, [], 20.0), "arrivalRatesPerSecond");
        yield return Case(() => PriorityClasses.TopClassWaitExceeds(5, 240.0, [-0.1], 20.0), "arrivalRatesPerSecond");
        yield return Case(() => PriorityClasses.TopClassWaitExceeds(5, 240.0, [0.1], -1.0), "thresholdSeconds");
        yield return Case(() => PriorityClasses.TopClassWaitExceeds(5, 240.0, [0.1], double.NaN), "thresholdSeconds");

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

    [Test]
    public void A_missing_list_of_rates_is_refused()
    {
        Assert.That(
            () => PriorityClasses.MeanWaits(5, 240.0, null!),
            Throws.ArgumentNullException
                .With.Property(nameof(ArgumentNullException.ParamName)).EqualTo("arrivalRatesPerSecond"));
    }

    /// <summary>A pool below full load, split into two to five classes with random positive shares.</summary>
    private static Mix RandomStableMix(Random random)
    {
        var agents = random.Next(1, 300);
        var handleTime = 20.0 + random.NextDouble() * 600.0;
        var occupancy = 0.05 + random.NextDouble() * 0.94;
        var totalRate = occupancy * agents / handleTime;

        var shares = new double[random.Next(2, 6)];
        for (var k = 0; k < shares.Length; k++)
        {
            shares[k] = 0.05 + random.NextDouble();
        }

        var shareSum = shares.Sum();
        var rates = shares.Select(share => totalRate * share / shareSum).ToArray();
        return new Mix(agents, handleTime, rates, rates.Sum());
    }

    private sealed record Mix(int Agents, double HandleTime, double[] Rates, double TotalRate)
    {
        public override string ToString() =>
            $"c = {Agents}, AHT = {HandleTime:F1} s, rates = [{string.Join(", ", Rates.Select(rate => rate.ToString("G4")))}]";
    }
}
