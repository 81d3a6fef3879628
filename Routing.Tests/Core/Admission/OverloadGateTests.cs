using CallCenter.Routing.Admission;

namespace CallCenter.Routing.Tests.Core.Admission;

public sealed class OverloadGateTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 23, 9, 0, 0, TimeSpan.Zero);
    private static readonly OverloadSettings Settings = new(TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(2), Decrease: 0.5, Increase: 0.1);

    /// <summary>Lags (ms) probed every 500 ms from the start; the share of new calls admitted after the last.</summary>
    [TestCase(new[] { 10, 20, 30 }, 1.0, TestName = "A server that keeps up admits every call")]
    [TestCase(new[] { 900, 900, 900 }, 1.0, TestName = "A lag of one second is a burst, not overload")]
    [TestCase(new[] { 900, 900, 900, 900, 900 }, 0.5, TestName = "A lag above the target for a whole interval halves the share admitted")]
    [TestCase(new[] { 900, 900, 900, 900, 900, 900, 900 }, 0.125, TestName = "Each probe that still lags halves it again")]
    [TestCase(new[] { 900, 900, 900, 900, 900, 800 }, 0.5, TestName = "A lag falling since the cut holds the share")]
    [TestCase(new[] { 900, 900, 900, 900, 900, 800, 850 }, 0.5, TestName = "A lag still shorter than at the cut holds the share")]
    [TestCase(new[] { 900, 900, 900, 900, 900, 800, 1000 }, 0.25, TestName = "A lag longer than at the cut halves it again")]
    [TestCase(new[] { 900, 900, 900, 900, 900, 800, 800, 800 }, 0.5, TestName = "A falling lag holds the share for up to an interval after the cut")]
    [TestCase(new[] { 900, 900, 900, 900, 900, 800, 800, 800, 800 }, 0.25, TestName = "A lag still above the target an interval after the cut halves it again")]
    [TestCase(new[] { 900, 900, 900, 100, 900, 900 }, 1.0, TestName = "One probe under the target starts the interval again")]
    [TestCase(new[] { 900, 900, 900, 900, 900, 400 }, 0.6, TestName = "Each probe under the target admits a little more")]
    [TestCase(new[] { 900, 900, 900, 900, 900, 400, 400, 400, 400, 400, 400 }, 1.0, TestName = "Keeping up for long enough admits every call again")]
    [TestCase(new[] { 500, 500, 500, 500, 500, 500 }, 1.0, TestName = "A lag at the target is not above it")]
    [TestCase(new[] { 2_500 }, 0.5, TestName = "One probe overdue for a whole interval is overload at once")]
    [TestCase(new[] { 2_400 }, 1.0, TestName = "One probe overdue for less than an interval is not")]
    public void The_share_admitted_falls_only_while_routing_lags_for_a_whole_interval(int[] lagsMs, double share)
    {
        var gate = new OverloadGate(Settings);
        for (var i = 0; i < lagsMs.Length; i++)
        {
            gate = gate.Observe(TimeSpan.FromMilliseconds(lagsMs[i]), Start.AddMilliseconds(500 * i));
        }

        Assert.That(gate.AdmittedShare, Is.EqualTo(share).Within(1e-9));
        Assert.That(gate.Shedding, Is.EqualTo(share < 1));
    }

    [TestCase(1.0, 10, 10)]
    [TestCase(0.5, 10, 5)]
    [TestCase(0.25, 1_000, 250)]
    [TestCase(0.3, 1_000, 300)]
    [TestCase(0.0, 100, 0)]
    public void Exactly_the_share_of_calls_is_admitted_evenly(double share, int calls, int admitted)
    {
        var gate = Rebuilt(share);
        Assert.That(gate.AdmittedShare, Is.EqualTo(share).Within(1e-9));

        var credit = 0.0;
        var count = 0;
        var longestRefusedRun = 0;
        var run = 0;
        for (var i = 0; i < calls; i++)
        {
            (var yes, credit) = gate.Admit(credit);
            count += yes ? 1 : 0;
            run = yes ? 0 : run + 1;
            longestRefusedRun = Math.Max(longestRefusedRun, run);
        }

        Assert.That(count, Is.EqualTo(admitted));
        if (share > 0)
        {
            Assert.That(longestRefusedRun, Is.LessThanOrEqualTo((int)Math.Ceiling(1 / share)), "admissions are spread evenly");
        }
    }

    /// <summary>A gate at exactly <paramref name="share"/>: from zero (a long overload), then probes under the target.</summary>
    private static OverloadGate Rebuilt(double share)
    {
        var settings = Settings with { Decrease = 0, Increase = share };
        var gate = new OverloadGate(settings)
            .Observe(TimeSpan.FromSeconds(5), Start)
            .Observe(TimeSpan.FromSeconds(5), Start + settings.Interval);
        return share > 0 ? gate.Observe(TimeSpan.Zero, Start + settings.Interval * 2) : gate;
    }

    [Test]
    public void Random_lags_move_the_share_by_the_rule_and_keep_it_between_zero_and_one()
    {
        foreach (var seed in new[] { 1, 7, 42, 2026 })
        {
            var random = new Random(seed);
            var gate = new OverloadGate(Settings);
            var share = 1.0;
            var now = Start;
            var probes = new List<(DateTimeOffset At, TimeSpan Lag)>();
            var lowest = 1.0;
            TimeSpan? lagAtCut = null;
            var cutAt = DateTimeOffset.MinValue;
            for (var step = 0; step < 5_000; step++)
            {
                now += TimeSpan.FromMilliseconds(random.Next(50, 400));
                // Long stretches of overload and of calm, with noise.
                var overloaded = step / 40 % 2 == 1;
                var lag = TimeSpan.FromMilliseconds(overloaded ? random.Next(300, 3_000) : random.Next(0, 700));
                probes.Add((now, lag));
                gate = gate.Observe(lag, now);

                // The rule, read from the whole history: under the target adds back; above it, once the
                // run of lags above the target began an interval ago (its first probe's start plus the
                // target), halves unless the lag is shorter than at the run's last cut, less than an
                // interval ago.
                var run = probes.AsEnumerable().Reverse().TakeWhile(p => p.Lag > Settings.Target).ToList();
                if (run.Count == 0)
                {
                    share = Math.Min(1, share + Settings.Increase);
                    lagAtCut = null;
                }
                else if (now - (run[^1].At - run[^1].Lag + Settings.Target) >= Settings.Interval
                         && (lagAtCut is null || lag >= lagAtCut || now - cutAt >= Settings.Interval))
                {
                    share *= Settings.Decrease;
                    lagAtCut = lag;
                    cutAt = now;
                }

                Assert.That(gate.AdmittedShare, Is.EqualTo(share).Within(1e-9), $"seed {seed}, step {step}");
                Assert.That(gate.AdmittedShare, Is.InRange(0.0, 1.0));
                lowest = Math.Min(lowest, gate.AdmittedShare);
            }

            Assert.That(lowest, Is.LessThan(0.1), $"seed {seed}: the run reached overload");
        }
    }
}
