namespace CallCenter.Routing.Benchmarks.Load;

/// <summary>What one load run measured, as the table and the JSON file give it.</summary>
internal sealed record RunReport(
    string Name,
    LoadSettings Settings,
    int Calls,
    double MeasuredSeconds,
    double SentPerSecond,
    double ConnectedPerSecond,
    double EndedPerSecond,
    double LowestConnectedPerSecond,
    LatencySummary ArrivalToOffer,
    LatencySummary ArrivalToAcknowledgement,
    long NotEnded,
    long Unacknowledged,
    long DoubleAssignments,
    long AgentsDisagree,
    long Abandons,
    long Rejections,
    long Disconnects,
    long Revocations,
    long Announcements,
    long RefusedAsOverload,
    long Connected,
    double MessagesPerConnectedCall,
    double RowsPerConnectedCall,
    IReadOnlyDictionary<string, int> Errors,
    double ServerCores,
    double GeneratorCores,
    double MachineCores,
    double PeakServerMemoryMegabytes,
    double ServerGcPauseSeconds,
    double GeneratorGcPauseSeconds,
    LogCheck? Log,
    double LoggedRowsPerSecond)
{
    /// <summary>No call lost, none given to two agents, and (when the log could be read) every call in it as the gateway saw it.</summary>
    public bool Correct => NotEnded == 0 && Unacknowledged == 0 && DoubleAssignments == 0 && AgentsDisagree == 0 && (Log?.AllAccountedFor ?? true);

    public static RunReport From(string name, LoadSettings settings, CallBook book, MeasuredWindow window, Progress progress, LogCheck? log)
    {
        var disagree = 0;
        for (var call = 0; call < book.Calls; call++)
        {
            if (book.ConnectedAgent[call] != 0 && book.AssignedAgent[call] != 0 && book.ConnectedAgent[call] != book.AssignedAgent[call])
            {
                disagree++;
            }
        }

        var runSeconds = settings.WarmUpSeconds + settings.Seconds;
        // A count of the whole run (warm-up and drain included, and the messages of calls refused
        // as overload) over the calls it connected: what each call routed cost.
        var connected = Interlocked.Read(ref book.Connects);
        double PerCall(long count) => (double)count / Math.Max(1, connected);

        var report = new RunReport(
            name,
            settings,
            book.Calls,
            window.Seconds,
            window.PerSecond(c => c.Sent),
            window.PerSecond(c => c.Connects),
            window.PerSecond(c => c.Ended),
            progress.LowestConnectedPerSecond,
            book.OfferLatency.Summary(),
            book.AckLatency.Summary(),
            book.Calls - Interlocked.Read(ref book.Ended) - Interlocked.Read(ref book.Refused),
            book.Calls - Interlocked.Read(ref book.Acknowledged) - Interlocked.Read(ref book.Refused),
            Interlocked.Read(ref book.DoubleAssignments),
            disagree,
            book.Abandons,
            book.Rejections,
            book.Disconnects,
            book.Revocations,
            book.Announcements,
            Interlocked.Read(ref book.Refused),
            connected,
            PerCall(Interlocked.Read(ref book.Messages)),
            log is null ? double.NaN : PerCall(log.RowsLogged),
            new SortedDictionary<string, int>(book.Errors.ToDictionary()),
            progress.ServerCores,
            progress.GeneratorCores,
            progress.MachineCores,
            progress.PeakWorkingSetBytes / 1e6,
            progress.LastMetrics?.GcPauseSeconds ?? double.NaN,
            progress.GeneratorGcPauseSeconds,
            log,
            log is null ? double.NaN : log.RowsLogged / runSeconds);
        report.Print();
        return report;
    }

    public void Print()
    {
        Console.WriteLine($"  {Name}: {Calls:N0} calls; measured {MeasuredSeconds:F1} s: sent {SentPerSecond:N0}/s, connected {ConnectedPerSecond:N0}/s " +
            $"(lowest second {LowestConnectedPerSecond:N0}), ended {EndedPerSecond:N0}/s");
        Console.WriteLine($"    arrival to offer: p50 {ArrivalToOffer.P50:F2} ms, p99 {ArrivalToOffer.P99:F2} ms, p99.9 {ArrivalToOffer.P999:F2} ms, max {ArrivalToOffer.Max:F2} ms");
        Console.WriteLine($"    arrival to acknowledgement: p50 {ArrivalToAcknowledgement.P50:F2} ms, p99 {ArrivalToAcknowledgement.P99:F2} ms, " +
            $"p99.9 {ArrivalToAcknowledgement.P999:F2} ms, max {ArrivalToAcknowledgement.Max:F2} ms");
        Console.WriteLine($"    not ended by the end of the drain {NotEnded}, unacknowledged {Unacknowledged}, double-assigned {DoubleAssignments}, gateway and softphone disagree {AgentsDisagree}; " +
            $"abandoned {Abandons}, rejected {Rejections}, disconnects {Disconnects}, revoked {Revocations}, announcements {Announcements}, refused as overload {RefusedAsOverload}; " +
            $"{MessagesPerConnectedCall:F1} gRPC messages and {RowsPerConnectedCall:F1} rows logged per call connected");
        Console.WriteLine($"    server {ServerCores:F2} cores, peak {PeakServerMemoryMegabytes:N0} MB, GC paused {ServerGcPauseSeconds:F2} s in all; " +
            $"generator {GeneratorCores:F2} cores, GC paused {GeneratorGcPauseSeconds:F2} s; machine {MachineCores:F2} of {Environment.ProcessorCount} cores; logged {LoggedRowsPerSecond:N0} rows/s");
        foreach (var (what, count) in Errors)
        {
            Console.WriteLine($"    {count,7:N0} × {what}");
        }
    }
}
