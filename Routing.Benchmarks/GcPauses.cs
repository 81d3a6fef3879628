using System.Globalization;

namespace CallCenter.Routing.Benchmarks;

/// <summary>
/// Every collection over a stretch, with its pause and what it promoted: a thread looks at the
/// runtime's last collection every few milliseconds (two collections that close together would
/// show as one, which the counts printed beside it would reveal).
/// </summary>
public sealed class GcPauses
{
    private readonly List<(int Generation, double PausedMs, double PromotedMb)> _seen = [];
    private readonly Thread _thread;
    private volatile bool _stop;
    private long _lastIndex;

    public GcPauses()
    {
        _lastIndex = GC.GetGCMemoryInfo(GCKind.Any).Index;
        _thread = new Thread(Watch) { IsBackground = true, Name = "gc-pauses" };
        _thread.Start();
    }

    public IReadOnlyList<(int Generation, double PausedMs, double PromotedMb)> Stop()
    {
        _stop = true;
        _thread.Join();
        Look();
        return _seen;
    }

    public static string Describe(IReadOnlyList<(int Generation, double PausedMs, double PromotedMb)> pauses) =>
        pauses.Count == 0
            ? "none"
            : string.Join(", ", pauses.Select(p => string.Create(CultureInfo.InvariantCulture, $"gen{p.Generation} {p.PausedMs:F1} ms ({p.PromotedMb:F1} MB promoted)")));

    private void Watch()
    {
        while (!_stop)
        {
            Look();
            Thread.Sleep(5);
        }
    }

    private void Look()
    {
        var last = GC.GetGCMemoryInfo(GCKind.Any);
        if (last.Index == _lastIndex)
        {
            return;
        }

        _lastIndex = last.Index;
        lock (_seen)
        {
            _seen.Add((last.Generation, last.PauseDurations[0].TotalMilliseconds + last.PauseDurations[1].TotalMilliseconds, last.PromotedBytes / 1e6));
        }
    }
}
