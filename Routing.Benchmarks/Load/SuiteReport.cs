namespace CallCenter.Routing.Benchmarks.Load;

/// <summary>Everything one <c>load</c> command measured: the floors, the runs, the capacity; a table for people and the JSON file.</summary>
internal sealed class SuiteReport
{
    public string Machine { get; init; } = "";
    public EchoFigures? Echo { get; set; }
    public CopyFigures? Copy { get; set; }
    public List<RunReport> Runs { get; } = [];
    public CapacityReport? Capacity { get; set; }

    public bool Correct => Runs.All(r => r.Correct) && (Capacity?.Held ?? true);

    public void Print()
    {
        Console.WriteLine();
        Console.WriteLine($"| Figure | Result | Floor | Ratio to floor | Target |");
        Console.WriteLine($"|---|---|---|---|---|");
        foreach (var run in Runs)
        {
            var rate = $"{run.Settings.Rate:N0} calls/s";
            // The floors' CPU for the messages and rows each connected call took bounds the calls a second, routing aside.
            var cost = Echo is not null && Copy is not null && !double.IsNaN(run.RowsPerConnectedCall)
                ? FloorCost.MicrosecondsPerCall(run.MessagesPerConnectedCall, run.RowsPerConnectedCall, Echo, Copy)
                : (double?)null;
            var bound = cost is { } c ? FloorCost.CallsPerSecond(c, Environment.ProcessorCount) : (double?)null;
            Row($"{run.Name}: calls connected per second ({run.MeasuredSeconds:F0} s)", $"{run.ConnectedPerSecond:N0} (lowest second {run.LowestConnectedPerSecond:N0})",
                bound is { } b ? $"{b:N0} calls/s at the floors' cost" : null, run.ConnectedPerSecond / bound,
                run.Settings.Rate >= 10_000 ? "≥ 10,000 for 60 s" : "");
            if (cost is not null)
            {
                Row($"{run.Name}: floors' CPU a call connected, at {run.MessagesPerConnectedCall:F1} gRPC messages and {run.RowsPerConnectedCall:F1} rows logged a call",
                    $"{cost:F0} µs, so at most {bound:N0} calls/s on {Environment.ProcessorCount} cores",
                    $"{Echo!.CpuMicrosecondsPerMessage:F1} µs a message, {Copy!.CpuMicrosecondsPerRow:F1} µs a row", null, "");
            }

            Row($"{run.Name}: arrival to offer at {rate}", Latency(run.ArrivalToOffer),
                Echo is null ? null : $"echo round trip p99 {Echo.RoundTrip.P99:F2} ms", Echo is null ? null : run.ArrivalToOffer.P99 / Echo.RoundTrip.P99,
                run.Settings.Rate <= 1_000 ? "p99 < 5 ms" : "");
            Row($"{run.Name}: arrival to durable acknowledgement at {rate}", Latency(run.ArrivalToAcknowledgement),
                Copy is null ? null : $"COPY commit p99 {Copy.Commit.P99:F2} ms", Copy is null ? null : run.ArrivalToAcknowledgement.P99 / Copy.Commit.P99,
                run.Settings.Rate <= 1_000 ? "p99 < 50 ms" : "");
            Row($"{run.Name}: rows logged per second", $"{run.LoggedRowsPerSecond:N0}",
                Copy is null ? null : $"{Copy.RowsPerSecond:N0} COPY rows/s", Copy is null ? null : run.LoggedRowsPerSecond / Copy.RowsPerSecond, "");
            Row($"{run.Name}: not ended, double-assigned, not as logged",
                $"{run.NotEnded}, {run.DoubleAssignments}, {(run.Log is null ? "not checked" : (run.Log.Missing + run.Log.NotEnded + run.Log.OutcomeDiffers + run.Log.AgentDiffers).ToString("N0"))}",
                null, null, "0, 0, 0");
            Row($"{run.Name}: server CPU and peak memory", $"{run.ServerCores:F2} cores, {run.PeakServerMemoryMegabytes:N0} MB (machine {run.MachineCores:F2} cores busy, generator {run.GeneratorCores:F2})",
                null, null, "");
        }

        if (Capacity is { } capacity)
        {
            Row($"capacity: peak server memory with {capacity.Agents:N0} agents and {capacity.CallsWaiting:N0} calls waiting, over {capacity.SettleSeconds:F0} s after loading",
                $"{capacity.WorkingSetMebibytes:N0} MiB (GC heap {capacity.GcHeapMebibytes:N0} MiB at the end)", null, null, "< 4,096 MiB");
        }
    }

    private static string Latency(LatencySummary s) => $"p50 {s.P50:F2}, p99 {s.P99:F2}, p99.9 {s.P999:F2}, max {s.Max:F2} ms";

    private static void Row(string figure, string result, string? floor, double? ratio, string target) =>
        Console.WriteLine($"| {figure} | {result} | {floor ?? ""} | {(ratio is { } r ? $"{r:F2}" : "")} | {target} |");
}
