using System.Diagnostics;
using System.Globalization;
using CallCenter.Routing.Host.InteractionLog;
using CallCenter.Routing.Lifecycle;
using CallCenter.Routing.Matching;
using CallCenter.Routing.Model;
using Npgsql;

namespace CallCenter.Routing.Benchmarks;

/// <summary>
/// The interaction log into a local PostgreSQL (started here, in a fresh folder, durable commits):
/// calls' records appended at a target rate for a set time, as the shells would append them (what
/// one gateway or softphone event causes, in one append). Prints the records per second sustained
/// and the time from append to durable commit, as a caller awaiting its acknowledgement sees it.
/// </summary>
public static class LogBenchmark
{
    private static readonly DateTimeOffset Start = new(2026, 1, 5, 8, 0, 0, TimeSpan.Zero);
    private static readonly QueueId Queue = new("billing");
    private static readonly TierId Tier = new("Standard");

    /// <summary>Calls between a call's arrival and its answer, and again to its end.</summary>
    private const int Lag = 1_000;

    public static int Run(IReadOnlyList<string> args) => RunAsync(args).GetAwaiter().GetResult();

    private static async Task<int> RunAsync(IReadOnlyList<string> args)
    {
        var seconds = Option(args, "--seconds", 60);
        var warmUp = Option(args, "--warm-up", 5);
        var rate = Option(args, "--rate", 60_000);
        var batch = Option(args, "--batch", new InteractionLogOptions().MaxBatchRecords);
        var connections = Option(args, "--connections", new InteractionLogOptions().Connections);

        var folder = Path.Combine(Path.GetTempPath(), $"callcenter-log-benchmark-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        if (!OperatingSystem.IsWindows())
        {
            // PostgreSQL may run as its own user, which must be able to enter the folder.
            File.SetUnixFileMode(folder, (UnixFileMode)0b111_101_101);
        }

        try
        {
            await using var server = await LocalPostgres.StartAsync(Path.Combine(folder, "data"));
            await server.CreateDatabaseAsync("benchmark");
            await using var database = NpgsqlDataSource.Create(server.ConnectionString("benchmark"));
            await SchemaMigrator.ApplyAsync(database);
            Console.WriteLine($"log benchmark: {rate:N0} records/s for {warmUp} s of warm-up and {seconds} s measured, into PostgreSQL on port {server.Port} " +
                              $"(synchronous commit, batches up to {batch:N0} records, {connections} connections), {Environment.ProcessorCount} cores");

            return await MeasureAsync(database, warmUp, seconds, rate, batch, connections);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static async Task<int> MeasureAsync(NpgsqlDataSource database, int warmUpSeconds, int seconds, int rate, int batch, int connections)
    {
        await using var writer = new InteractionLogWriter(new InteractionLogOptions
        {
            MaxBatchRecords = batch, Connections = connections, ApplyMigrations = false,
        });
        writer.Start(database);

        var latencies = new List<double>(capacity: rate * seconds / 4);
        // Appends complete in the order they were made, so waiting for the last one waits for all;
        // keeping every task instead would grow the heap the collector has to walk.
        var last = Task.CompletedTask;
        var appendCount = 0L;
        var issuedRecords = 0L;
        var call = 0;
        var clock = Stopwatch.StartNew();
        var warmUp = TimeSpan.FromSeconds(warmUpSeconds);
        var end = warmUp + TimeSpan.FromSeconds(seconds);
        var measuring = false;
        var cpuAtStart = TimeSpan.Zero;
        var pausedAtStart = TimeSpan.Zero;
        var collectionsAtStart = (0, 0, 0);
        var committedAtStart = 0L;
        var slices = new List<double>(); // records committed per second, over each 5 s of the measured window
        var nextSlice = warmUp + TimeSpan.FromSeconds(5);
        var committedAtSlice = 0L;

        // Open loop: whatever the writer does, records are issued on schedule, as a busy centre would.
        while (clock.Elapsed < end)
        {
            if (!measuring && clock.Elapsed >= warmUp)
            {
                measuring = true;
                cpuAtStart = Environment.CpuUsage.TotalTime;
                pausedAtStart = GC.GetTotalPauseDuration();
                collectionsAtStart = (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2));
                committedAtStart = committedAtSlice = writer.Metrics.RecordsCommitted;
            }

            var due = (long)(clock.Elapsed.TotalSeconds * rate);
            while (issuedRecords < due)
            {
                // A call's answer and end come well after its arrival, in later commits, as they would.
                var appends = new[] { Call(call)[0], call >= Lag ? Call(call - Lag)[1] : null, call >= 2 * Lag ? Call(call - 2 * Lag)[2] : null };
                call++;
                foreach (var append in appends)
                {
                    if (append is null)
                    {
                        continue;
                    }

                    var started = Stopwatch.GetTimestamp();
                    var committed = writer.AppendAsync(append);
                    if (measuring)
                    {
                        _ = Track(started, committed, latencies);
                    }

                    last = committed;
                    appendCount++;
                    issuedRecords += append.Count;
                }
            }

            if (measuring && clock.Elapsed >= nextSlice)
            {
                var m = writer.Metrics;
                slices.Add((m.RecordsCommitted - committedAtSlice) / 5.0);
                committedAtSlice = m.RecordsCommitted;
                Console.WriteLine($"  {(clock.Elapsed - warmUp).TotalSeconds,4:F0} s: {slices[^1],9:N0} records/s committed, {m.Buffered:N0} appends buffered");
                nextSlice += TimeSpan.FromSeconds(5);
            }

            await Task.Delay(1);
        }

        var committedInWindow = writer.Metrics.RecordsCommitted - committedAtStart;
        var windowSeconds = (clock.Elapsed - warmUp).TotalSeconds;
        var cpu = Environment.CpuUsage.TotalTime - cpuAtStart;
        var stoppedIssuing = clock.Elapsed;
        await last;
        var drained = (clock.Elapsed - stoppedIssuing).TotalSeconds;
        var metrics = writer.Metrics;
        await writer.StopAsync();

        double[] sorted;
        lock (latencies)
        {
            sorted = [.. latencies];
        }

        Array.Sort(sorted);
        var sustained = committedInWindow / windowSeconds;
        var p50 = Percentile(sorted, 0.50);
        var p99 = Percentile(sorted, 0.99);
        var max = sorted.Length == 0 ? 0 : sorted[^1];
        Console.WriteLine($"  issued {issuedRecords:N0} records in {appendCount:N0} appends ({call:N0} calls); the last committed {drained:F2} s after issuing stopped");
        Console.WriteLine($"  sustained over the {windowSeconds:F0} s after warm-up: {sustained:N0} records/s committed " +
                          $"(slowest 5 s: {(slices.Count == 0 ? 0 : slices.Min()):N0}); " +
                          $"{metrics.RecordsCommitted / (double)metrics.Batches:N0} records per commit on average");
        Console.WriteLine($"  this process (records made, appended, copied) used {cpu.TotalSeconds / windowSeconds:F2} cores; " +
                          $"garbage collection: {GC.CollectionCount(0) - collectionsAtStart.Item1} gen0, {GC.CollectionCount(1) - collectionsAtStart.Item2} gen1, " +
                          $"{GC.CollectionCount(2) - collectionsAtStart.Item3} gen2, paused {(GC.GetTotalPauseDuration() - pausedAtStart).TotalMilliseconds:F0} ms");
        Console.WriteLine($"  append to durable commit ({sorted.Length:N0} appends after warm-up): p50 {p50:F1} ms, p99 {p99:F1} ms, max {max:F1} ms");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"RESULT log targetRecordsPerSecond={rate} sustainedRecordsPerSecond={sustained:F0} commitP50Ms={p50:F2} commitP99Ms={p99:F2} commitMaxMs={max:F2}"));
        return metrics.RecordsCommitted == issuedRecords ? 0 : 1;
    }

    private static async Task Track(long started, Task append, List<double> latencies)
    {
        await append.ConfigureAwait(false);
        var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        lock (latencies)
        {
            latencies.Add(elapsed);
        }
    }

    /// <summary>
    /// One answered call as three appends: the arrival (queued, offered to an agent, with the
    /// decision and the agent's reservation: 8 records), the answer (3), the end (3).
    /// </summary>
    private static IReadOnlyList<LogRecord>[] Call(int n)
    {
        var id = new CallId($"call-{n}");
        var agent = new AgentId($"agent-{n % 2_000}");
        var at = Start.AddMilliseconds(n);
        var offer = new AgentAssignment(agent, n + 1L);
        var agentSequence = 3L * n;
        var arrival = new List<LogRecord>();
        arrival.AddRange(LogMapping.FromCallEvent(new CallEvent.Arrived(id, 1, at, Queue, Tier, false, null, [], at)));
        arrival.AddRange(LogMapping.FromCallEvent(new CallEvent.Queued(id, 2, at, Queue, 3, TimeSpan.FromSeconds(40))));
        // A freed agent's choice, traced as the engine traces it: the call taken and the runner-up.
        var trace = new CallChosen(40,
            new CallStanding(id, Queue, Tier, new PriorityKey(PriorityKey.FirstTierBand, at.UtcTicks, 0, n)),
            new CallStanding(new CallId($"call-{n + 1}"), Queue, Tier, new PriorityKey(PriorityKey.FirstTierBand, at.UtcTicks + 10_000, 0, n + 1)));
        arrival.Add(LogMapping.FromOffer(new CallOffered(id, at.AddSeconds(5), agent, Queue, offer.Epoch, MatchRule.AgentSelection, 0,
            TimeSpan.FromSeconds(5), trace), configurationVersion: 1));
        arrival.AddRange(LogMapping.FromCallEvent(new CallEvent.Offered(id, 3, at.AddSeconds(5), offer)));
        arrival.Add(LogMapping.FromAgentEvent(new AgentEvent.StatusChanged(agent, at.AddSeconds(5), AgentStatus.Available,
            AgentStatus.Reserved, StatusChangeReasons.Offered), agentSequence + 1, id));

        var answer = new List<LogRecord>(LogMapping.FromCallEvent(new CallEvent.Connected(id, 4, at.AddSeconds(8), offer)))
        {
            LogMapping.FromAgentEvent(new AgentEvent.StatusChanged(agent, at.AddSeconds(8), AgentStatus.Reserved, AgentStatus.OnCall,
                StatusChangeReasons.OfferAccepted), agentSequence + 2, id),
        };
        var end = new List<LogRecord>(LogMapping.FromCallEvent(
            new CallEvent.Ended(id, 5, at.AddSeconds(180), CallOutcome.Answered, agent, TimeSpan.FromSeconds(172))))
        {
            LogMapping.FromAgentEvent(new AgentEvent.StatusChanged(agent, at.AddSeconds(180), AgentStatus.OnCall, AgentStatus.WrapUp,
                StatusChangeReasons.CallEnded), agentSequence + 3, id),
        };
        return [arrival, answer, end];
    }

    private static double Percentile(double[] sorted, double share) =>
        sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)(share * sorted.Length))];

    private static int Option(IReadOnlyList<string> args, string name, int fallback)
    {
        for (var i = 0; i + 1 < args.Count; i++)
        {
            if (args[i] == name)
            {
                return int.Parse(args[i + 1], CultureInfo.InvariantCulture);
            }
        }

        return fallback;
    }
}
