using CallCenter.Routing.Admission;

namespace CallCenter.Routing.Tests.Core.Admission;

public sealed class OverloadGateTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 23, 9, 0, 0, TimeSpan.Zero);
    private static readonly OverloadSettings Settings = new(TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(2));

    /// <summary>Lags (ms) probed every 500 ms from the start; whether arrivals are refused after the last.</summary>
    [TestCase(new[] { 10, 20, 30 }, false, TestName = "A server that keeps up admits every arrival")]
    [TestCase(new[] { 900, 900, 900 }, false, TestName = "A lag of one second is a burst, not overload")]
    [TestCase(new[] { 900, 900, 900, 900, 900 }, true, TestName = "A lag above the target for a whole interval sheds arrivals")]
    [TestCase(new[] { 900, 900, 900, 100, 900, 900 }, false, TestName = "One probe under the target starts the interval again")]
    [TestCase(new[] { 900, 900, 900, 900, 900, 900, 800 }, true, TestName = "Shedding goes on while the lag stays above the target")]
    [TestCase(new[] { 900, 900, 900, 900, 900, 400 }, false, TestName = "The first probe under the target admits arrivals again")]
    [TestCase(new[] { 500, 500, 500, 500, 500, 500 }, false, TestName = "A lag at the target is not above it")]
    public void Arrivals_are_refused_only_while_routing_lags_for_a_whole_interval(int[] lagsMs, bool shedding)
    {
        var gate = new OverloadGate(Settings);
        for (var i = 0; i < lagsMs.Length; i++)
        {
            gate = gate.Observe(TimeSpan.FromMilliseconds(lagsMs[i]), Start.AddMilliseconds(500 * i));
        }

        Assert.That(gate.Shedding, Is.EqualTo(shedding));
    }

    [Test]
    public void Random_lags_shed_exactly_when_every_lag_of_the_last_interval_was_above_the_target()
    {
        foreach (var seed in new[] { 1, 7, 42, 2026 })
        {
            var random = new Random(seed);
            var gate = new OverloadGate(Settings);
            var now = Start;
            var probes = new List<(DateTimeOffset At, TimeSpan Lag)>();
            var shedSeen = 0;
            for (var step = 0; step < 5_000; step++)
            {
                now += TimeSpan.FromMilliseconds(random.Next(50, 400));
                // Long stretches of overload and of calm, with noise.
                var overloaded = step / 40 % 2 == 1;
                var lag = TimeSpan.FromMilliseconds(overloaded ? random.Next(300, 3_000) : random.Next(0, 700));
                probes.Add((now, lag));
                gate = gate.Observe(lag, now);

                // The rule, read from the whole history: the run of lags above the target that ends
                // now began at least an interval ago.
                var run = probes.AsEnumerable().Reverse().TakeWhile(p => p.Lag > Settings.Target).ToList();
                var expected = run.Count > 0 && now - run[^1].At >= Settings.Interval;
                Assert.That(gate.Shedding, Is.EqualTo(expected), $"seed {seed}, step {step}");
                shedSeen += gate.Shedding ? 1 : 0;
            }

            Assert.That(shedSeen, Is.GreaterThan(100), $"seed {seed}: the run reached overload");
        }
    }
}
