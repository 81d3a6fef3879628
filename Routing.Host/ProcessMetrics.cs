using System.Diagnostics;

namespace CallCenter.Routing.Host;

/// <summary>
/// What the server process costs its machine, served as JSON on <c>/metrics</c> so a load
/// generator (or an operator's probe) can read memory and CPU from outside the process.
/// </summary>
public sealed record ProcessMetrics(
    long WorkingSetBytes,
    long GcHeapBytes,
    long GcCommittedBytes,
    double CpuSeconds,
    double GcPauseSeconds,
    int Gen0Collections,
    int Gen1Collections,
    int Gen2Collections,
    int ProcessorCount,
    double UptimeSeconds,
    CollectionSummary? LastCollection = null,
    long CallsRefusedAsOverload = 0,
    double RoutingLagMilliseconds = 0)
{
    public static ProcessMetrics Read()
    {
        using var process = Process.GetCurrentProcess();
        var memory = GC.GetGCMemoryInfo(GCKind.Any);
        return new ProcessMetrics(
            process.WorkingSet64,
            memory.HeapSizeBytes,
            memory.TotalCommittedBytes,
            process.TotalProcessorTime.TotalSeconds,
            GC.GetTotalPauseDuration().TotalSeconds,
            GC.CollectionCount(0),
            GC.CollectionCount(1),
            GC.CollectionCount(2),
            Environment.ProcessorCount,
            (DateTime.Now - process.StartTime).TotalSeconds,
            CollectionSummary.Of(memory));
    }
}

/// <summary>The most recent collection: which generation, how long the process was paused, what it kept.</summary>
public sealed record CollectionSummary(long Index, int Generation, double PauseMilliseconds, long PromotedBytes, long HeapBytes)
{
    public static CollectionSummary? Of(GCMemoryInfo memory) =>
        memory.Index == 0
            ? null
            : new(memory.Index, memory.Generation, memory.PauseDurations.ToArray().Sum(p => p.TotalMilliseconds), memory.PromotedBytes, memory.HeapSizeBytes);
}
