using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Runtime;
using Akka.Actor;
using Akka.Configuration;
using CallCenter.Routing.Agents.AgentActors;
using CallCenter.Routing.Agents.Calls;
using CallCenter.Routing.Agents.Domain;
using CallCenter.Routing.Agents.Serialization;
using CallCenter.Routing.Configuration;
using CallCenter.Routing.Lifecycle;
using CallCenter.Routing.Model;

namespace CallCenter.Routing.Benchmarks;

/// <summary>
/// The actors in one process: a routing domain with thousands of logged-in agents whose
/// softphones answer every offer at once and hang up straight after, with no wrap-up.
/// First as many complete call lifecycles (arrive, offer, accept, end, wrap-up, free) as
/// the machine can carry; then calls at a fixed rate, timing each from the moment the
/// gateway's arrival is sent to the moment the softphone has the offer.
/// </summary>
public static class ActorBenchmark
{
    private static readonly QueueId Main = new("main");

    public static int Run(IReadOnlyList<string> args)
    {
        var agents = Option(args, "--agents", 10_000);
        var calls = Option(args, "--calls", 200_000);
        var rate = Option(args, "--rate", 2_000);
        var seconds = Option(args, "--seconds", 10);

        var countMessages = args.Contains("--count-messages");
        Console.WriteLine($"actor benchmark: {agents:N0} agents, {Environment.ProcessorCount} cores, {(GCSettings.IsServerGC ? "server" : "workstation")} GC ({GCSettings.LatencyMode})");

        using var sampler = args.Contains("--allocations") ? new AllocationSampler() : null;
        var throughput = MeasureThroughput(agents, calls, countMessages, out var messages, out var thrown);
        sampler?.Report(Console.Out, top: 40);
        Console.WriteLine($"  complete call lifecycles: {throughput:N0} per second ({calls:N0} calls)");
        Console.WriteLine($"  per lifecycle: {thrown.Allocated / (double)calls:N0} bytes allocated{(countMessages ? $", {messages / (double)calls:F1} messages" : "")}; {thrown}");

        var latency = MeasureLatency(agents, rate, seconds, out var latencyFigures);
        Console.WriteLine($"  garbage collection during the latency run: {latencyFigures}");
        var last = GC.GetGCMemoryInfo(GCKind.Any);
        Console.WriteLine($"  last collection: gen{last.Generation}, promoted {last.PromotedBytes / 1048576.0:N1} MB, paused {last.PauseDurations[0].TotalMilliseconds:F1} ms, heap {last.HeapSizeBytes / 1048576.0:N0} MB");
        Console.WriteLine($"  arrival to offer at {rate:N0} calls/s for {seconds} s: p50 {latency.P50:F3} ms, p99 {latency.P99:F3} ms, p99.9 {latency.P999:F3} ms, max {latency.Max:F3} ms ({latency.Count:N0} calls)");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"RESULT actors lifecyclesPerSecond={throughput:F0} offerP99Ms={latency.P99:F3} offerP50Ms={latency.P50:F3} offerP999Ms={latency.P999:F3} bytesPerLifecycle={thrown.Allocated / (double)calls:F0} latencyRunPauseMs={latencyFigures.Paused.TotalMilliseconds:F0}"));
        return 0;
    }

    private static double MeasureThroughput(int agents, int calls, bool countMessages, out long messages, out GcFigures collected)
    {
        using var centre = new Centre(agents, window: 4_000, calls, countMessages);

        // From here on: what the calls cost, not the agents' logins.
        var gc = GcFigures.Start();
        var clock = Stopwatch.StartNew();
        var messagesBefore = CountingMailbox.Count;
        for (var i = 0; i < calls; i++)
        {
            // A bounded number of calls in flight, as gateways would keep; the sender blocks, it does not spin.
            centre.InFlight.Wait();
            centre.Arrive(i);
        }

        centre.AwaitAllEnded(calls);
        var elapsed = clock.Elapsed;
        collected = gc.Stop();
        messages = CountingMailbox.Count - messagesBefore;
        return calls / elapsed.TotalSeconds;
    }

    private static Latency MeasureLatency(int agents, int rate, int seconds, out GcFigures collected)
    {
        var total = rate * seconds;
        using var centre = new Centre(agents, window: int.MaxValue / 2, total, countMessages: false);
        var gc = GcFigures.Start();
        var interval = Stopwatch.Frequency / (double)rate;
        var start = Stopwatch.GetTimestamp();
        var sent = 0;
        while (sent < total)
        {
            // Send what is due, then sleep: the sender must not take a core from the server.
            var now = Stopwatch.GetTimestamp();
            while (sent < total && start + (long)(sent * interval) <= now)
            {
                centre.Arrive(sent++);
            }

            Thread.Sleep(1);
        }

        centre.AwaitAllEnded(total);
        collected = gc.Stop();

        // The first second warms the JIT and the mailboxes.
        var samples = centre.OfferLatencies.Skip(rate).Select(t => t * 1000.0 / Stopwatch.Frequency).OrderBy(t => t).ToArray();
        return new Latency(samples.Length, At(samples, 0.50), At(samples, 0.99), At(samples, 0.999), samples[^1]);
    }

    private static double At(double[] sorted, double quantile) => sorted[Math.Min(sorted.Length - 1, (int)(quantile * sorted.Length))];

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

    private sealed record Latency(int Count, double P50, double P99, double P999, double Max);

    /// <summary>What the collector did over a stretch: bytes allocated, collections by generation, time paused.</summary>
    internal sealed record GcFigures(long Allocated, int Gen0, int Gen1, int Gen2, TimeSpan Paused)
    {
        public static GcFigures Start() => Now();

        public GcFigures Stop()
        {
            var now = Now();
            return new GcFigures(now.Allocated - Allocated, now.Gen0 - Gen0, now.Gen1 - Gen1, now.Gen2 - Gen2, now.Paused - Paused);
        }

        public override string ToString() =>
            $"{Allocated / 1048576.0:N0} MB allocated, {Gen0} gen0, {Gen1} gen1, {Gen2} gen2, paused {Paused.TotalMilliseconds:F0} ms";

        private static GcFigures Now() => new(
            GC.GetTotalAllocatedBytes(precise: true), GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2), GC.GetTotalPauseDuration());
    }

    /// <summary>An actor system with a routing domain, its agents logged in, and softphones that answer at once.</summary>
    private sealed class Centre : IDisposable
    {
        private readonly ActorSystem _system;
        private readonly IActorRef _domain;
        private readonly long[] _sentAt;
        private readonly ConcurrentQueue<long> _offerLatencies = new();
        private long _ended;

        public Centre(int agents, int window, int calls, bool countMessages)
        {
            InFlight = new SemaphoreSlim(window);
            var config = "akka.loglevel = WARNING";
            if (countMessages)
            {
                // Every actor's mailbox counts what is put in it (system messages such as Watch are not counted).
                config += $"\nakka.actor.default-mailbox.mailbox-type = \"{typeof(CountingMailbox).AssemblyQualifiedName}\"";
            }

            _system = ActorSystem.Create("benchmark", ConfigurationFactory.ParseString(config)
                .WithFallback(CompactMailbox.Configuration).WithFallback(RoutingSerialization.Configuration));
            var configuration = new RoutingConfiguration { Queues = [new QueueConfig { Id = Main }], AntiStarvation = AntiStarvationMode.None };
            var settings = new DomainSettings
            {
                Agents = new AgentSettings { Policy = new AgentPolicy { WrapUpDuration = TimeSpan.Zero } },
                EndedCallRetention = TimeSpan.FromSeconds(1),
            };
            _domain = _system.ActorOf(RoutingDomainActor.Props(configuration, settings), "routing");
            _sentAt = new long[calls];
            Replies = _system.ActorOf(Props.Create(() => new Sink()), "replies");
            var softphones = _system.ActorOf(Props.Create(() => new Softphones(this)), "softphones");
            var ends = _system.ActorOf(Props.Create(() => new EndCounter(this)), "ends");
            _system.EventStream.Subscribe(ends, typeof(CallEvent.Ended));

            var ready = new List<Task>();
            for (var a = 0; a < agents; a++)
            {
                var id = new AgentId("agent-" + a);
                _domain.Tell(new AgentProtocol.LogIn(id, []));
                _domain.Tell(new AgentProtocol.Subscribe(id, softphones));
                ready.Add(_domain.Ask<CommandResult>(new AgentProtocol.MakeAvailable(id), TimeSpan.FromSeconds(60)));
            }

            Task.WaitAll([.. ready]);

            // The agents and the actor system were all made just now: collect once so they are old
            // before the run starts, as in a server whose agents logged in long before these calls,
            // and so the previous run's garbage is not charged to this one.
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
        }

        public long Ended => Interlocked.Read(ref _ended);

        public SemaphoreSlim InFlight { get; }

        /// <summary>Takes the commands' answers, which the benchmark does not read.</summary>
        public IActorRef Replies { get; private set; } = ActorRefs.Nobody;

        public IEnumerable<long> OfferLatencies => _offerLatencies;

        public void Arrive(int call)
        {
            _sentAt[call] = Stopwatch.GetTimestamp();
            _domain.Tell(new CallProtocol.Arrive(new CallId(call.ToString(CultureInfo.InvariantCulture)), Main, DefaultTiers.Standard), Replies);
        }

        public void Offered(CallId call)
        {
            var index = int.Parse(call.Value, CultureInfo.InvariantCulture);
            _offerLatencies.Enqueue(Stopwatch.GetTimestamp() - _sentAt[index]);
        }

        /// <summary>Waits for every call to end; a call that never does is a lost call, and the run fails.</summary>
        public void AwaitAllEnded(long calls)
        {
            var deadline = Stopwatch.StartNew();
            while (Ended < calls)
            {
                if (deadline.Elapsed > TimeSpan.FromSeconds(60))
                {
                    throw new InvalidOperationException($"{calls - Ended} of {calls} calls never ended");
                }

                Thread.Sleep(1);
            }
        }

        public void CountEnd()
        {
            Interlocked.Increment(ref _ended);
            InFlight.Release();
        }

        public void Dispose() => _system.Terminate().Wait();
    }

    /// <summary>Every agent's softphone: answers each offer at once, then hangs up.</summary>
    private sealed class Softphones : ReceiveActor
    {
        public Softphones(Centre centre)
        {
            Receive<AgentProtocol.OfferPresented>(offer =>
            {
                // Straight back to the agent's actor, as a softphone's stream would.
                centre.Offered(offer.Call);
                Sender.Tell(new AgentProtocol.Accept(offer.Agent, offer.Call, offer.Epoch), centre.Replies);
                Sender.Tell(new AgentProtocol.HangUp(offer.Agent, offer.Call), centre.Replies);
            });
            ReceiveAny(_ => { });
        }
    }

    private sealed class Sink : ReceiveActor
    {
        public Sink()
        {
            ReceiveAny(_ => { });
        }
    }

    private sealed class EndCounter : ReceiveActor
    {
        public EndCounter(Centre centre)
        {
            Receive<CallEvent.Ended>(_ => centre.CountEnd());
        }
    }
}
