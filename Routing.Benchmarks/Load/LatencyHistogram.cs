using System.Numerics;

namespace CallCenter.Routing.Benchmarks.Load;

/// <summary>
/// Latencies in microseconds, counted in log-linear buckets (64 per power of two, so any
/// percentile is within 1.6 %), safe to record into from many threads while a progress line
/// reads it.
/// </summary>
internal sealed class LatencyHistogram
{
    private const int SubBuckets = 64;
    private const int DirectLimit = 2 * SubBuckets;
    private readonly long[] _counts = new long[DirectLimit + (64 - 7) * SubBuckets];
    private long _count;
    private long _max;

    public long Count => Interlocked.Read(ref _count);

    public double MaxMilliseconds => Interlocked.Read(ref _max) / 1000.0;

    public void Record(long microseconds)
    {
        microseconds = Math.Max(0, microseconds);
        Interlocked.Increment(ref _counts[Index(microseconds)]);
        Interlocked.Increment(ref _count);
        var seen = Interlocked.Read(ref _max);
        while (microseconds > seen)
        {
            var was = Interlocked.CompareExchange(ref _max, microseconds, seen);
            if (was == seen)
            {
                break;
            }

            seen = was;
        }
    }

    /// <summary>The value at quantile <paramref name="q"/> (0..1) in milliseconds; NaN when nothing was recorded.</summary>
    public double Milliseconds(double q)
    {
        var total = Count;
        if (total == 0)
        {
            return double.NaN;
        }

        var rank = Math.Max(1, (long)Math.Ceiling(q * total));
        long seen = 0;
        for (var i = 0; i < _counts.Length; i++)
        {
            seen += Interlocked.Read(ref _counts[i]);
            if (seen >= rank)
            {
                return Math.Min(UpperBound(i), Interlocked.Read(ref _max)) / 1000.0;
            }
        }

        return MaxMilliseconds;
    }

    public LatencySummary Summary() => new(Count, Milliseconds(0.50), Milliseconds(0.99), Milliseconds(0.999), MaxMilliseconds);

    internal static int Index(long value)
    {
        if (value < DirectLimit)
        {
            return (int)value;
        }

        var power = 63 - BitOperations.LeadingZeroCount((ulong)value);
        var shift = power - 6;
        return shift * SubBuckets + (int)(value >> shift);
    }

    /// <summary>The largest value that falls in bucket <paramref name="index"/>.</summary>
    internal static long UpperBound(int index)
    {
        if (index < DirectLimit)
        {
            return index;
        }

        var shift = index / SubBuckets - 1;
        var lowest = (long)(index % SubBuckets + SubBuckets) << shift;
        return lowest + (1L << shift) - 1;
    }
}

public sealed record LatencySummary(long Count, double P50, double P99, double P999, double Max);
