using System.Diagnostics;
using System.Globalization;
using CallCenter.Routing.Configuration;
using CallCenter.Routing.Matching;
using CallCenter.Routing.Model;

namespace CallCenter.Routing.Benchmarks;

/// <summary>
/// Routing decisions per second on one thread, in a large contact center held at steady
/// state: every agent busy and a long line of waiting calls, so each freed agent takes the
/// best call across its queues and each new call is placed in line (position and estimated
/// wait included). Then the other side: idle agents, and each arriving call offered at once.
/// Also reports the memory a waiting call costs.
/// </summary>
public static class CoreBenchmark
{
    private static readonly DateTimeOffset Start = new(2026, 1, 5, 8, 0, 0, TimeSpan.Zero);

    public static int Run(IReadOnlyList<string> args)
    {
        var agents = Option(args, "--agents", 10_000);
        var queues = Option(args, "--queues", 500);
        var skills = Option(args, "--skills", 50);
        var waiting = Option(args, "--waiting", 100_000);
        var decisions = Option(args, "--decisions", 2_000_000);
        var seed = Option(args, "--seed", 42);

        Console.WriteLine($"core benchmark: {agents:N0} agents, {queues:N0} queues, {skills:N0} skills, {waiting:N0} waiting calls, {decisions:N0} decisions, 1 thread");
        var scenario = new Scenario(agents, queues, skills, seed);

        // Memory: every agent busy, then fill the line and measure what it grew by.
        var engine = scenario.NewEngineWithBusyAgents();
        var before = GC.GetTotalMemory(forceFullCollection: true);
        for (var i = 0; i < waiting; i++)
        {
            scenario.Arrive(engine);
        }

        var after = GC.GetTotalMemory(forceFullCollection: true);
        var bytesPerCall = (after - before) / (double)waiting;
        Console.WriteLine($"  memory per waiting call: {bytesPerCall:F0} bytes ({(after - before) / 1048576.0:F1} MiB for {engine.WaitingCount:N0} calls)");

        // Busy centre: alternate "an agent frees up" and "a call arrives".
        Measure(scenario, engine, decisions / 10, busy: true); // warm-up: let the JIT settle
        var busy = Measure(scenario, engine, decisions, busy: true);
        Console.WriteLine($"  busy centre (agent frees up, takes best call; new call queued): {busy.PerSecond:N0} decisions/s " +
                          $"({busy.AgentFree:N0} agent-free at {busy.AgentFreeMicros:F2} us, {busy.Arrivals:N0} arrivals at {busy.ArrivalMicros:F2} us), line {engine.WaitingCount:N0}; " +
                          $"{busy.BytesPerDecision:F0} bytes allocated per decision, {busy.Collections}");

        // Quiet centre: agents idle; each call is offered at once, answered, ended.
        var quietEngine = scenario.NewEngineWithIdleAgents();
        Measure(scenario, quietEngine, decisions / 10, busy: false);
        var quiet = Measure(scenario, quietEngine, decisions, busy: false);
        Console.WriteLine($"  quiet centre (call arrives, offered to best idle agent; agent freed): {quiet.PerSecond:N0} decisions/s " +
                          $"({quiet.ArrivalMicros:F2} us per arrival, {quiet.AgentFreeMicros:F2} us per agent-free); " +
                          $"{quiet.BytesPerDecision:F0} bytes allocated per decision, {quiet.Collections}");

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"RESULT core busyDecisionsPerSecond={busy.PerSecond:F0} quietDecisionsPerSecond={quiet.PerSecond:F0} bytesPerWaitingCall={bytesPerCall:F0}"));

        if (args.Contains("--scaling"))
        {
            Scaling(scenario, decisions);
        }

        return 0;
    }

    /// <summary>The busy-centre cost per decision as the line grows tenfold at a time: it should grow with log n.</summary>
    private static void Scaling(Scenario scenario, int decisions)
    {
        Console.WriteLine("  line length -> busy-centre cost per decision:");
        foreach (var line in new[] { 20_000, 100_000, 500_000 })
        {
            var engine = scenario.NewEngineWithBusyAgents();
            for (var i = 0; i < line; i++)
            {
                scenario.Arrive(engine);
            }

            Measure(scenario, engine, decisions / 10, busy: true);
            var figures = Measure(scenario, engine, decisions, busy: true);
            Console.WriteLine($"    {line,9:N0} waiting: {1e6 / figures.PerSecond:F2} us per decision ({figures.PerSecond:N0}/s)");
        }
    }

    private static Figures Measure(Scenario scenario, RoutingEngine engine, int decisions, bool busy)
    {
        long agentFreeTicks = 0, arrivalTicks = 0;
        int agentFree = 0, arrivals = 0;
        var clock = new Stopwatch();
        var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        var collectionsBefore = (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2));
        for (var i = 0; i < decisions / 2; i++)
        {
            clock.Restart();
            var taken = busy ? scenario.FreeRandomBusyAgent(engine) : scenario.Arrive(engine);
            var first = clock.ElapsedTicks;
            clock.Restart();
            if (busy)
            {
                // Keep every queue's line as long as it was: a new call where the freed agent took one.
                if (taken is { } queue)
                {
                    scenario.Arrive(engine, queue);
                }
            }
            else
            {
                scenario.FreeRandomBusyAgent(engine);
            }

            var second = clock.ElapsedTicks;
            agentFreeTicks += busy ? first : second;
            arrivalTicks += busy ? second : first;
            agentFree++;
            arrivals++;
        }

        var seconds = (agentFreeTicks + arrivalTicks) / (double)Stopwatch.Frequency;
        return new Figures(
            (agentFree + arrivals) / seconds,
            agentFree,
            arrivals,
            agentFreeTicks * 1e6 / Stopwatch.Frequency / agentFree,
            arrivalTicks * 1e6 / Stopwatch.Frequency / arrivals,
            (GC.GetAllocatedBytesForCurrentThread() - allocatedBefore) / (double)(agentFree + arrivals),
            $"{GC.CollectionCount(0) - collectionsBefore.Item1} gen0, {GC.CollectionCount(1) - collectionsBefore.Item2} gen1, {GC.CollectionCount(2) - collectionsBefore.Item3} gen2");
    }

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

    private sealed record Figures(
        double PerSecond, int AgentFree, int Arrivals, double AgentFreeMicros, double ArrivalMicros, double BytesPerDecision, string Collections);

    /// <summary>A synthetic centre: agents with five skills each, queues needing one or two.</summary>
    private sealed class Scenario
    {
        private readonly Random _random;
        private readonly RoutingConfiguration _configuration;
        private readonly List<AgentProfile> _profiles = [];
        private readonly List<QueueId> _queueIds = [];
        private readonly TierId[] _tierDraw;
        private List<AgentId> _busy = [];
        private long _nextCall;
        private DateTimeOffset _now = Start;

        public Scenario(int agents, int queues, int skills, int seed)
        {
            _random = new Random(seed);
            var skillIds = Enumerable.Range(0, skills).Select(s => new SkillId("skill" + s)).ToList();
            var queueConfigs = new List<QueueConfig>();
            for (var q = 0; q < queues; q++)
            {
                // Four queues in five need one skill, the rest two (a product and a language).
                var first = skillIds[q % skills];
                IReadOnlyList<SkillRequirement> requirement = q % 5 == 4
                    ? [new(first, 1), new(skillIds[(q / skills + q + 1) % skills], 1)]
                    : [new(first, 1 + q % 3)];
                queueConfigs.Add(new QueueConfig
                {
                    Id = new QueueId("queue" + q),
                    RequiredSkills = requirement,
                    AgentSelection = (AgentSelection)(q % 3),
                });
                _queueIds.Add(queueConfigs[^1].Id);
            }

            _configuration = new RoutingConfiguration { Skills = skillIds, Queues = queueConfigs };
            for (var a = 0; a < agents; a++)
            {
                var held = Enumerable.Range(0, 5).Select(k => skillIds[(a * 7 + k * 11) % skills]).Distinct();
                _profiles.Add(new AgentProfile
                {
                    Id = new AgentId("agent" + a),
                    Skills = held.Select(s => new AgentSkill(s, _random.Next(Proficiency.Minimum, Proficiency.Maximum + 1))).ToList(),
                });
            }

            _tierDraw = [.. Enumerable.Repeat(DefaultTiers.Vip, 1), .. Enumerable.Repeat(DefaultTiers.Gold, 2),
                .. Enumerable.Repeat(DefaultTiers.Standard, 5), .. Enumerable.Repeat(DefaultTiers.Basic, 2)];
        }

        public RoutingEngine NewEngineWithBusyAgents()
        {
            var engine = new RoutingEngine(_configuration);
            _busy = [];
            foreach (var profile in _profiles)
            {
                engine.LogIn(profile);
                engine.AgentBusy(profile.Id);
                _busy.Add(profile.Id);
            }

            return engine;
        }

        public RoutingEngine NewEngineWithIdleAgents()
        {
            var engine = new RoutingEngine(_configuration);
            _busy = [];
            foreach (var profile in _profiles)
            {
                engine.LogIn(profile);
                engine.AgentAvailable(profile.Id, new AgentFairness(_now, 0), _now);
            }

            return engine;
        }

        public QueueId? Arrive(RoutingEngine engine, QueueId? queue = null)
        {
            _now = _now.AddMilliseconds(1);
            var request = new CallRequest
            {
                Id = new CallId("call" + _nextCall++),
                Queue = queue ?? _queueIds[_random.Next(_queueIds.Count)],
                Tier = _tierDraw[_random.Next(_tierDraw.Length)],
            };
            return Accept(engine, engine.CallArrived(request, _now));
        }

        /// <summary>Frees a busy agent; returns the queue of the call it took, if any.</summary>
        public QueueId? FreeRandomBusyAgent(RoutingEngine engine)
        {
            if (_busy.Count == 0)
            {
                return null;
            }

            var index = _random.Next(_busy.Count);
            var agent = _busy[index];
            _busy[index] = _busy[^1];
            _busy.RemoveAt(_busy.Count - 1);
            _now = _now.AddMilliseconds(1);
            return Accept(engine, engine.AgentAvailable(agent, new AgentFairness(_now, 0), _now));
        }

        /// <summary>Every offer is answered at once, so the agent stays busy until freed again.</summary>
        private QueueId? Accept(RoutingEngine engine, RoutingResult result)
        {
            QueueId? queue = null;
            foreach (var routingEvent in result.Events)
            {
                if (routingEvent is CallOffered offer)
                {
                    engine.OfferAccepted(offer.Call, offer.Epoch);
                    _busy.Add(offer.Agent);
                    queue = offer.Queue;
                }
            }

            return queue;
        }
    }
}
