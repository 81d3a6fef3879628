using CallCenter.Routing.Benchmarks.Load;

namespace CallCenter.Routing.Tests.Load;

/// <summary>When the load generator's calls arrive: the warm-up's at its own rate, then the measured window's.</summary>
public sealed class LoadScheduleTests
{
    [TestCase(1_000.0, null, 2.0, 3.0, 2_000, 5_000)]
    [TestCase(10_000.0, 2_000.0, 20.0, 60.0, 40_000, 640_000)]
    [TestCase(100.0, 50.0, 0.0, 1.0, 0, 100)]
    public void A_fixed_rate_spaces_the_warm_up_at_its_rate_and_the_window_at_the_run_s(
        double rate, double? warmUpRate, double warmUpSeconds, double seconds, int warmUpCalls, int calls)
    {
        var settings = new LoadSettings { Rate = rate, WarmUpRate = warmUpRate, WarmUpSeconds = warmUpSeconds, Seconds = seconds };

        var at = LoadRun.Schedule(settings, new Random(1));

        Assert.That(settings.WarmUpCalls, Is.EqualTo(warmUpCalls));
        Assert.That(at, Has.Length.EqualTo(calls));
        Assert.That(at, Is.Ordered.Ascending);
        if (warmUpCalls > 1)
        {
            Assert.That(at[1] - at[0], Is.EqualTo(1 / (warmUpRate ?? rate)).Within(1e-9), "the warm-up's gap");
        }

        Assert.That(at[warmUpCalls], Is.EqualTo(warmUpSeconds).Within(1e-9), "the window opens as the warm-up ends");
        Assert.That(at[warmUpCalls + 1] - at[warmUpCalls], Is.EqualTo(1 / rate).Within(1e-9), "the window's gap");
        Assert.That(at[^1], Is.LessThan(warmUpSeconds + seconds));
    }

    [Test]
    public void Poisson_arrivals_come_at_each_phase_s_rate_on_average()
    {
        var settings = new LoadSettings { Rate = 4_000, WarmUpRate = 1_000, WarmUpSeconds = 10, Seconds = 10, Poisson = true };

        var at = LoadRun.Schedule(settings, new Random(7));

        var warmUp = at.Take(settings.WarmUpCalls).ToArray();
        var window = at.Skip(settings.WarmUpCalls).ToArray();
        Assert.That(at, Is.Ordered.Ascending);
        Assert.That(warmUp[^1], Is.EqualTo(10).Within(0.5), "10,000 calls at 1,000/s take about 10 s");
        Assert.That(window[0], Is.GreaterThanOrEqualTo(10));
        Assert.That(window[^1] - window[0], Is.EqualTo(10).Within(0.5), "40,000 calls at 4,000/s take about 10 s");
    }
}
