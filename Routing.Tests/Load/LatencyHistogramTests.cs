using CallCenter.Routing.Benchmarks.Load;

namespace CallCenter.Routing.Tests.Load;

public sealed class LatencyHistogramTests
{
    [TestCase(0)]
    [TestCase(1)]
    [TestCase(127)]
    [TestCase(128)]
    [TestCase(129)]
    [TestCase(255)]
    [TestCase(256)]
    [TestCase(1_000)]
    [TestCase(4_999)]
    [TestCase(1_000_000)]
    [TestCase(3_600_000_000)]
    public void A_value_falls_in_a_bucket_whose_bound_is_within_one_sixty_fourth_above_it(long value)
    {
        var bound = LatencyHistogram.UpperBound(LatencyHistogram.Index(value));

        Assert.That(bound, Is.GreaterThanOrEqualTo(value));
        Assert.That(bound - value, Is.LessThanOrEqualTo(value / 64));
    }

    [Test]
    public void Buckets_are_in_the_order_of_their_values()
    {
        var previous = -1;
        for (long value = 0; value < 1_000_000; value += 1 + value / 100)
        {
            var index = LatencyHistogram.Index(value);
            Assert.That(index, Is.GreaterThanOrEqualTo(previous), $"value {value}");
            previous = index;
        }
    }

    [TestCase(1)]
    [TestCase(2)]
    [TestCase(3)]
    public void Percentiles_of_random_samples_are_within_the_bucket_precision_of_the_exact_ones(int seed)
    {
        var random = new Random(seed);
        var histogram = new LatencyHistogram();
        var samples = new long[20_000];
        for (var i = 0; i < samples.Length; i++)
        {
            // Mostly around a millisecond, with a long tail, as latencies are.
            samples[i] = (long)(Math.Exp(random.NextDouble() * 6) * 100 + random.Next(50));
            histogram.Record(samples[i]);
        }

        Array.Sort(samples);
        foreach (var q in new[] { 0.5, 0.9, 0.99, 0.999 })
        {
            var exact = samples[(int)Math.Ceiling(q * samples.Length) - 1] / 1000.0;
            Assert.That(histogram.Milliseconds(q), Is.InRange(exact, exact * (1 + 1.0 / 64) + 0.001), $"quantile {q}");
        }

        Assert.That(histogram.MaxMilliseconds, Is.EqualTo(samples[^1] / 1000.0));
        Assert.That(histogram.Count, Is.EqualTo(samples.Length));
    }

    [Test]
    public void An_empty_histogram_has_no_percentiles() => Assert.That(new LatencyHistogram().Milliseconds(0.99), Is.NaN);
}
