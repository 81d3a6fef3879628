using System.Diagnostics;
using CallCenter.Routing.Host;

namespace CallCenter.Routing.Benchmarks.Load;

/// <summary>
/// A line a second while a run goes (calls per second, calls in the system, p99 so far, what
/// the server and the machine spend), and the figures the report takes from those samples.
/// </summary>
internal sealed class Progress(ServerUnderLoad server, CallBook book)
{
    private readonly MachineLoad _machine = new();
    private readonly List<double> _serverCores = [];
    private readonly List<double> _machineCores = [];
    private readonly List<double> _generatorCores = [];
    private readonly List<double> _connectedPerSecond = [];
    private readonly TimeSpan _generatorPausedAtStart = GC.GetTotalPauseDuration();
    private long _refusedBefore;

    /// <summary>Set while the measured window is open: only its seconds count towards the figures.</summary>
    public volatile bool Measuring;

    public long PeakWorkingSetBytes { get; private set; }
    public ProcessMetrics? LastMetrics { get; private set; }
    public double ServerCores => Average(_serverCores);
    public double MachineCores => Average(_machineCores);
    public double GeneratorCores => Average(_generatorCores);
    /// <summary>How long the generator itself stood still for its collections since the run began: time its clocks also count.</summary>
    public double GeneratorGcPauseSeconds => (GC.GetTotalPauseDuration() - _generatorPausedAtStart).TotalSeconds;
    public double LowestConnectedPerSecond => _connectedPerSecond.Count == 0 ? double.NaN : _connectedPerSecond.Min();

    public async Task RunAsync(CancellationToken stop)
    {
        var last = Counters.Of(book);
        var metrics = await server.MetricsAsync();
        var seconds = 0;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(1000, stop);
            }
            catch (OperationCanceledException)
            {
                break;
            }

            seconds++;
            var now = Counters.Of(book);
            var elapsed = (now.At - last.At) / (double)Stopwatch.Frequency;
            var next = await server.MetricsAsync();
            var (machine, generator) = _machine.Next();
            var serverCores = next is null || metrics is null ? double.NaN : (next.CpuSeconds - metrics.CpuSeconds) / elapsed;
            var connected = (now.Connects - last.Connects) / elapsed;
            if (next is not null)
            {
                PeakWorkingSetBytes = Math.Max(PeakWorkingSetBytes, next.WorkingSetBytes);
                LastMetrics = next;
            }

            if (Measuring)
            {
                _serverCores.Add(serverCores);
                _machineCores.Add(machine);
                _generatorCores.Add(generator);
                _connectedPerSecond.Add(connected);
            }

            var errors = book.Errors.Values.Sum();
            var refused = Interlocked.Read(ref book.Refused);
            var collections = next is null || metrics is null
                ? ""
                : $"  gc {(next.GcPauseSeconds - metrics.GcPauseSeconds) * 1000,4:F0} ms ({next.Gen0Collections - metrics.Gen0Collections}/{next.Gen1Collections - metrics.Gen1Collections}/{next.Gen2Collections - metrics.Gen2Collections}{LastCollection(next, metrics)})";
            Console.WriteLine(
                $"  {seconds,4} s  sent {(now.Sent - last.Sent) / elapsed,7:N0}/s  connected {connected,7:N0}/s  ended {(now.Ended - last.Ended) / elapsed,7:N0}/s  " +
                $"in system {now.Sent - now.Ended - refused,6:N0}  offer p99 {book.OfferLatency.Milliseconds(0.99),6:F2} ms  ack p99 {book.AckLatency.Milliseconds(0.99),6:F1} ms  " +
                $"errors {errors}  refused {(refused - _refusedBefore) / elapsed,6:N0}/s  server {serverCores:F2} cores {(next?.WorkingSetBytes ?? 0) / 1e6:N0} MB{collections}  machine {machine:F2} cores");
            last = now;
            _refusedBefore = refused;
            metrics = next ?? metrics;
        }
    }

    /// <summary>The last collection, when it happened in this second: its generation, pause and what it promoted.</summary>
    private static string LastCollection(ProcessMetrics now, ProcessMetrics before) =>
        now.LastCollection is { } last && last.Index != before.LastCollection?.Index
            ? $" last gen{last.Generation} {last.PauseMilliseconds:F0} ms {last.PromotedBytes / 1e6:F1} MB kept of {last.HeapBytes / 1e6:F0}"
            : "";

    private static double Average(List<double> samples)
    {
        var known = samples.Where(s => !double.IsNaN(s)).ToArray();
        return known.Length == 0 ? double.NaN : known.Average();
    }
}
