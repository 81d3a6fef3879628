using CallCenter.Routing.Configuration;
using CallCenter.Routing.Matching;
using CallCenter.Routing.Model;

namespace CallCenter.Routing.Tests.Core.Matching;

/// <summary>
/// Property-style: random centres driven by random commands, and for every offer with a runner-up,
/// the same history replayed on a fresh engine (the engine is deterministic) with the winner taken
/// out just before the deciding command. The runner-up must then be chosen: it is exactly the one
/// that came next, not a guess. Arrivals often share an instant, so ties by arrival order and login
/// order come up as well as tiers, waits, priorities and the agents' figures.
/// </summary>
[TestFixture]
public sealed class RandomizedOfferTraceTests
{
    private static readonly DateTimeOffset Start = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);
    private static readonly SkillId[] Skills = [.. Enumerable.Range(0, 4).Select(i => new SkillId("s" + i))];

    private static IEnumerable<TestCaseData> Cases()
    {
        foreach (var mode in Enum.GetValues<AntiStarvationMode>())
        {
            foreach (var seed in new[] { 1, 2, 3, 4 })
            {
                yield return new TestCaseData(mode, seed).SetName($"Without the chosen one the runner-up is chosen ({mode}, seed {seed})");
            }
        }
    }

    [TestCaseSource(nameof(Cases))]
    public void Without_the_chosen_one_the_runner_up_is_chosen(AntiStarvationMode mode, int seed)
    {
        var run = new Run(mode, seed);
        for (var step = 0; step < 1200; step++)
        {
            // Busy stretches build lines for agents to choose from; quiet ones leave agents idle for calls to choose from.
            run.Step(quiet: step / 60 % 2 == 1);
        }

        Assert.That(run.AgentChecks, Is.GreaterThan(10), "calls chose among idle agents with a runner-up");
        Assert.That(run.CallChecks, Is.GreaterThan(10), "agents chose among waiting calls with a runner-up");
        Assert.That(run.Factors, Is.SupersetOf(new[] { DecidingFactor.ArrivalOrder, DecidingFactor.IdleTime, DecidingFactor.OnlyCandidate }));
    }

    /// <summary>One command of the history: what it does to an engine, at which time.</summary>
    private sealed record Command(DateTimeOffset At, Func<RoutingEngine, RoutingResult> Apply);

    private sealed class Run
    {
        private readonly Random _random;
        private readonly RoutingConfiguration _config;
        private readonly RoutingEngine _engine;
        private readonly List<Command> _history = [];
        private readonly List<AgentProfile> _roster = [];
        private readonly HashSet<AgentId> _loggedIn = [];
        private readonly HashSet<AgentId> _idle = [];
        private readonly Dictionary<CallId, (AgentId Agent, long Epoch)> _ringing = [];
        private readonly HashSet<CallId> _waiting = [];
        private DateTimeOffset _now = Start;
        private int _nextCall;

        public Run(AntiStarvationMode mode, int seed)
        {
            _random = new Random(seed * 104_729 + (int)mode);
            var queues = Enumerable.Range(0, 3).Select(q => new QueueConfig
            {
                Id = new QueueId("q" + q),
                RequiredSkills = [new SkillRequirement(Skills[q], _random.Next(1, 4))],
                AgentSelection = (AgentSelection)_random.Next(3),
                HeadStart = TimeSpan.FromSeconds(_random.Next(3) * 5),
                Priority = _random.Next(-1, 2),
                PreferredAgentTimeout = TimeSpan.FromSeconds(30),
            }).ToList();
            _config = new RoutingConfiguration { Skills = Skills, Queues = queues, AntiStarvation = mode };
            _engine = new RoutingEngine(_config);
            for (var a = 0; a < 10; a++)
            {
                _roster.Add(new AgentProfile
                {
                    Id = new AgentId("a" + a),
                    Skills = [.. Skills.Where(_ => _random.Next(3) > 0).Select(s => new AgentSkill(s, _random.Next(1, 6)))],
                });
            }
        }

        public int AgentChecks { get; private set; }
        public int CallChecks { get; private set; }
        public HashSet<DecidingFactor> Factors { get; } = [];

        public void Step(bool quiet)
        {
            // Cumulative shares of arrive, free, log in, answer, decline, hang up; the rest lets time pass.
            int[] shares = quiet ? [8, 43, 48, 73, 78, 93] : [35, 60, 70, 82, 90, 94];
            var draw = _random.Next(100);
            if (draw < shares[0])
            {
                Arrive();
            }
            else if (draw < shares[1])
            {
                Free();
            }
            else if (draw < shares[2])
            {
                LogIn();
            }
            else if (draw < shares[3])
            {
                Answer();
            }
            else if (draw < shares[4])
            {
                Decline();
            }
            else if (draw < shares[5])
            {
                HangUp();
            }
            else
            {
                // Often no time passes, so calls and agents share instants and the last tie-breaks decide.
                _now += TimeSpan.FromSeconds(_random.Next(0, 3) * 20);
                var at = _now;
                Execute(new Command(at, e => new RoutingResult(Outcome.Ok, e.Advance(at))));
            }
        }

        private void Arrive()
        {
            var id = new CallId("c" + _nextCall++);
            var preferred = _random.Next(8) == 0 ? _roster[_random.Next(_roster.Count)].Id : (AgentId?)null;
            var request = new CallRequest
            {
                Id = id,
                Queue = _config.Queues[_random.Next(_config.Queues.Count)].Id,
                Tier = _config.Tiers[_random.Next(_config.Tiers.Count)].Id,
                Emergency = _random.Next(30) == 0,
                PreferredAgent = preferred,
            };
            var at = _now;
            _waiting.Add(id);
            var command = new Command(at, e => e.CallArrived(request, at));
            var result = Execute(command);
            if (result.Events.OfType<CallOffered>().FirstOrDefault(o => o.Call == id) is { Trace: AgentChosen { RunnerUp: { } runnerUp } trace } offer)
            {
                Assert.That(trace.Chosen.Agent, Is.EqualTo(offer.Agent));
                Factors.Add(trace.DecidedBy);
                var replayed = Counterfactual(command, e => e.AgentBusy(offer.Agent));
                var instead = replayed.Events.OfType<CallOffered>().FirstOrDefault(o => o.Call == id);
                Assert.That(instead?.Agent, Is.EqualTo(runnerUp.Agent),
                    $"without {offer.Agent}, {id} should have gone to the runner-up {runnerUp.Agent} ({trace.DecidedBy})");
                AgentChecks++;
            }
        }

        private void Free()
        {
            var candidates = _loggedIn.Where(a => !_idle.Contains(a) && _ringing.Values.All(r => r.Agent != a)).ToList();
            if (candidates.Count == 0)
            {
                return;
            }

            var agent = candidates[_random.Next(candidates.Count)];
            var fairness = new AgentFairness(_now - TimeSpan.FromSeconds(_random.Next(0, 3) * 30), _random.Next(3));
            var at = _now;
            var command = new Command(at, e => e.AgentAvailable(agent, fairness, at));
            var result = Execute(command);
            if (result.Events.OfType<CallOffered>().FirstOrDefault(o => o.Agent == agent) is { Trace: CallChosen trace } offer)
            {
                Assert.That(trace.Chosen.Call, Is.EqualTo(offer.Call));
                Factors.Add(trace.DecidedBy);
                if (trace.RunnerUp is { } runnerUp)
                {
                    Assert.That(trace.Chosen.Key.CompareTo(runnerUp.Key) < 0 || trace.ByName, Is.True, "the chosen call comes first in line");
                    var replayed = Counterfactual(command, e => e.CallRemoved(offer.Call, at));
                    var instead = replayed.Events.OfType<CallOffered>().FirstOrDefault(o => o.Agent == agent);
                    Assert.That(instead?.Call, Is.EqualTo(runnerUp.Call),
                        $"without {offer.Call}, {agent} should have taken the runner-up {runnerUp.Call} ({trace.DecidedBy})");
                    CallChecks++;
                }
            }
        }

        private void LogIn()
        {
            var profile = _roster[_random.Next(_roster.Count)];
            if (_loggedIn.Contains(profile.Id))
            {
                return;
            }

            _loggedIn.Add(profile.Id);
            Execute(new Command(_now, e => new RoutingResult(e.LogIn(profile), [])));
        }

        private void Answer()
        {
            if (_ringing.Count == 0)
            {
                return;
            }

            var (call, (_, epoch)) = _ringing.ElementAt(_random.Next(_ringing.Count));
            Execute(new Command(_now, e => new RoutingResult(e.OfferAccepted(call, epoch), [])));
        }

        private void Decline()
        {
            if (_ringing.Count == 0)
            {
                return;
            }

            var (call, (_, epoch)) = _ringing.ElementAt(_random.Next(_ringing.Count));
            var at = _now;
            Execute(new Command(at, e => e.OfferDeclined(call, epoch, at)));
        }

        private void HangUp()
        {
            var live = _waiting.Concat(_ringing.Keys).ToList();
            if (live.Count == 0)
            {
                return;
            }

            var call = live[_random.Next(live.Count)];
            var at = _now;
            Execute(new Command(at, e => e.CallRemoved(call, at)));
        }

        /// <summary>Runs the command on the live engine, records it, and follows who is idle, ringing or waiting.</summary>
        private RoutingResult Execute(Command command)
        {
            var result = command.Apply(_engine);
            _history.Add(command);
            Follow();
            return result;
        }

        private void Follow()
        {
            // The engine is the reference here; its queries say where everyone stands after the command.
            _idle.Clear();
            foreach (var agent in _loggedIn)
            {
                if (_engine.IsIdle(agent))
                {
                    _idle.Add(agent);
                }
            }

            _ringing.Clear();
            foreach (var agent in _loggedIn)
            {
                if (_engine.RingingAt(agent) is { } ringing)
                {
                    _ringing[ringing.Call] = (agent, ringing.Epoch);
                }
            }

            _waiting.RemoveWhere(call => !_engine.IsWaiting(call));
            foreach (var call in _ringing.Keys)
            {
                _waiting.Remove(call);
            }

            for (var i = 0; i < _nextCall; i++)
            {
                var id = new CallId("c" + i);
                if (_engine.IsWaiting(id))
                {
                    _waiting.Add(id);
                }
            }
        }

        /// <summary>
        /// A fresh engine given the same history up to the deciding command, the deciding moment's timers
        /// carried out, the winner taken out, and then the deciding command itself.
        /// </summary>
        private RoutingResult Counterfactual(Command deciding, Func<RoutingEngine, object> takeOutWinner)
        {
            var engine = new RoutingEngine(_config);
            foreach (var earlier in _history.Take(_history.Count - 1))
            {
                earlier.Apply(engine);
            }

            engine.Advance(deciding.At);
            takeOutWinner(engine);
            return deciding.Apply(engine);
        }
    }
}
