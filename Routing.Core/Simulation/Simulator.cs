using CallCenter.Routing.Configuration;
using CallCenter.Routing.Lifecycle;
using CallCenter.Routing.Matching;
using CallCenter.Routing.Model;

namespace CallCenter.Routing.Simulation;

/// <summary>
/// A discrete-event simulation in virtual time that drives the real routing engine and the
/// real agent state machine: calls arrive (Poisson), wait, are offered and answered at once,
/// take an exponential handle time, and free their agent after its wrap-up; impatient
/// callers hang up. Deterministic for a seed.
/// </summary>
public static class Simulator
{
    private static readonly DateTimeOffset Origin = new(2026, 1, 5, 0, 0, 0, TimeSpan.Zero);
    private static readonly QueueId Pool = new("pool");

    private enum Kind
    {
        Arrival,
        Completion,
        WrapUpEnd,
        Abandon,
    }

    public static SimulationReport Run(SimulationSettings settings)
    {
        var errors = settings.Validate();
        if (errors.Count > 0)
        {
            throw new InvalidConfigurationException(errors);
        }

        return new SimulationRun(settings).Execute();
    }

    private sealed class SimulationRun
    {
        private readonly SimulationSettings _settings;
        private readonly RoutingEngine _engine;
        private readonly Random _serviceRandom;
        private readonly double[] _arrival;
        private readonly double[] _patience;
        private readonly int[] _tier;
        private readonly double[] _wait;
        private readonly bool[] _abandoned;
        private readonly AgentId[] _agents;
        private readonly AgentState[] _agentStates;
        private readonly AgentPolicy _policy;
        private readonly CallId[] _ids;
        private readonly PriorityQueue<(Kind Kind, int Index), (double Time, long Order)> _events = new();
        private long _order;
        private int _busy;
        private double _busyArea;
        private double _lastTime;
        private readonly double _measureFrom;
        private readonly double _measureTo;
        private readonly int _firstMeasured;

        public SimulationRun(SimulationSettings settings)
        {
            _settings = settings;
            var threshold = settings.ServiceLevelThresholdSeconds;
            var tiers = threshold is { } seconds
                ? settings.Tiers.Select(t => t with { ServiceLevelThreshold = TimeSpan.FromSeconds(seconds) }).ToList()
                : settings.Tiers;
            _engine = new RoutingEngine(new RoutingConfiguration
            {
                Tiers = tiers,
                AntiStarvation = settings.AntiStarvation,
                Queues = [new QueueConfig { Id = Pool, AgentSelection = settings.AgentSelection, ExpectedHandleTime = TimeSpan.FromSeconds(settings.MeanHandleTimeSeconds) }],
            });

            // Separate streams, so that turning abandonment on does not change the arrivals.
            var arrivalRandom = new Random(settings.Seed);
            var tierRandom = new Random(unchecked(settings.Seed * 31 + 1));
            var patienceRandom = new Random(unchecked(settings.Seed * 31 + 2));
            _serviceRandom = new Random(unchecked(settings.Seed * 31 + 3));

            var n = settings.Calls;
            _arrival = new double[n];
            _patience = new double[n];
            _tier = new int[n];
            _wait = new double[n];
            _abandoned = new bool[n];
            _ids = new CallId[n];
            var ladder = settings.Tiers.Select(t => t.Id).ToList();
            var cumulative = Cumulative(settings.TierShares);
            var time = 0.0;
            for (var i = 0; i < n; i++)
            {
                time += Exponential(arrivalRandom, 1 / settings.ArrivalRatePerSecond);
                _arrival[i] = time;
                var draw = tierRandom.NextDouble();
                var share = cumulative.FindIndex(c => draw < c);
                _tier[i] = ladder.IndexOf(settings.TierShares[share < 0 ? cumulative.Count - 1 : share].Tier);
                _patience[i] = settings.MeanPatienceSeconds is { } patience ? Exponential(patienceRandom, patience) : double.PositiveInfinity;
                _wait[i] = double.NaN;
                _ids[i] = new CallId("c" + i);
            }

            _firstMeasured = (int)(n * settings.WarmUpShare);
            _measureFrom = _firstMeasured == 0 ? 0 : _arrival[_firstMeasured];
            _measureTo = _arrival[n - 1];

            _policy = new AgentPolicy { WrapUpDuration = TimeSpan.FromSeconds(settings.WrapUpSeconds) };
            _agents = new AgentId[settings.Agents];
            _agentStates = new AgentState[settings.Agents];
            for (var a = 0; a < settings.Agents; a++)
            {
                _agents[a] = new AgentId("a" + a);
                _agentStates[a] = AgentState.LoggedOut(_agents[a]);
                _engine.LogIn(new AgentProfile { Id = _agents[a], Skills = [] });
                Transition(a, new AgentCommand.LogIn([]), 0);
                Transition(a, AgentCommand.MakeAvailable.Instance, 0);
                Free(a, 0);
            }
        }

        public SimulationReport Execute()
        {
            Push(_arrival[0], Kind.Arrival, 0);
            while (_events.TryPeek(out var next, out var due))
            {
                if (_engine.NextDueTime is { } engineDue && Seconds(engineDue) < due.Time)
                {
                    var at = Seconds(engineDue);
                    Integrate(at);
                    Handle(_engine.Advance(engineDue), at);
                    continue;
                }

                _events.Dequeue();
                Integrate(due.Time);
                Process(next.Kind, next.Index, due.Time);
            }

            return Report();
        }

        private void Process(Kind kind, int index, double time)
        {
            var now = At(time);
            switch (kind)
            {
                case Kind.Arrival:
                    if (index + 1 < _arrival.Length)
                    {
                        Push(_arrival[index + 1], Kind.Arrival, index + 1);
                    }

                    var request = new CallRequest { Id = _ids[index], Queue = Pool, Tier = _settings.Tiers[_tier[index]].Id };
                    Handle(_engine.CallArrived(request, now), time);
                    if (_engine.IsWaiting(_ids[index]) && !double.IsPositiveInfinity(_patience[index]))
                    {
                        Push(time + _patience[index], Kind.Abandon, index);
                    }

                    break;
                case Kind.Completion:
                    var ended = Transition(index, new AgentCommand.CallEnded(_agentStates[index].CurrentCall!.Value.Call), time);
                    if (ended.WrapUpEndsAt is { } wrapUpEnds)
                    {
                        Push(Seconds(wrapUpEnds), Kind.WrapUpEnd, index);
                    }
                    else
                    {
                        _busy--;
                        Free(index, time);
                    }

                    break;
                case Kind.WrapUpEnd:
                    Transition(index, AgentCommand.WrapUpTimerElapsed.Instance, time);
                    _busy--;
                    Free(index, time);
                    break;
                case Kind.Abandon:
                    if (_engine.IsWaiting(_ids[index]))
                    {
                        _abandoned[index] = true;
                        _wait[index] = time - _arrival[index];
                        Handle(_engine.CallRemoved(_ids[index], now), time);
                    }

                    break;
            }
        }

        /// <summary>The agent's own state owns the fairness counters; the engine is told them.</summary>
        private void Free(int agent, double time)
        {
            var state = _agentStates[agent];
            var now = At(time);
            var fairness = new AgentFairness(state.AvailableSince ?? now, state.CallsHandledOn(now));
            Handle(_engine.AgentAvailable(_agents[agent], fairness, now), time);
        }

        private AgentState Transition(int agent, AgentCommand command, double time)
        {
            var decision = AgentLifecycle.Decide(_agentStates[agent], command, At(time), _policy);
            if (decision.Outcome.Code != OutcomeCode.Ok)
            {
                throw new InvalidOperationException($"agent {_agents[agent]} refused {command}: {decision.Outcome}");
            }

            return _agentStates[agent] = decision.State;
        }

        private void Handle(RoutingResult result, double time)
        {
            if (!result.Outcome.Succeeded)
            {
                throw new InvalidOperationException("The simulation sent the engine a command it refused: " + result.Outcome);
            }

            Handle(result.Events, time);
        }

        private void Handle(IReadOnlyList<RoutingEvent> events, double time)
        {
            foreach (var routingEvent in events)
            {
                if (routingEvent is not CallOffered offer)
                {
                    continue;
                }

                // Softphones in the simulation answer at once.
                var call = int.Parse(offer.Call.Value.AsSpan(1));
                var agent = int.Parse(offer.Agent.Value.AsSpan(1));
                Transition(agent, new AgentCommand.Offer(offer.Call, offer.Epoch), time);
                Transition(agent, new AgentCommand.Accept(offer.Epoch), time);
                _engine.OfferAccepted(offer.Call, offer.Epoch);
                _busy++;
                _wait[call] = time - _arrival[call];
                Push(time + Exponential(_serviceRandom, _settings.MeanHandleTimeSeconds), Kind.Completion, agent);
            }
        }

        private void Push(double time, Kind kind, int index) => _events.Enqueue((kind, index), (time, _order++));

        private void Integrate(double time)
        {
            var from = Math.Max(_lastTime, _measureFrom);
            var to = Math.Min(time, _measureTo);
            if (to > from)
            {
                _busyArea += _busy * (to - from);
            }

            _lastTime = time;
        }

        private static DateTimeOffset At(double seconds) => Origin.AddTicks((long)Math.Round(seconds * TimeSpan.TicksPerSecond));

        private static double Seconds(DateTimeOffset at) => (at - Origin).Ticks / (double)TimeSpan.TicksPerSecond;

        private static double Exponential(Random random, double mean) => -Math.Log(1 - random.NextDouble()) * mean;

        private static List<double> Cumulative(IReadOnlyList<TierShare> shares)
        {
            var total = shares.Sum(s => s.Share);
            var running = 0.0;
            return shares.Select(s => running += s.Share / total).ToList();
        }

        private SimulationReport Report()
        {
            var measured = Enumerable.Range(_firstMeasured, _arrival.Length - _firstMeasured).ToList();
            var tierReports = new List<TierReport>();
            foreach (var share in _settings.TierShares)
            {
                var rank = _settings.Tiers.ToList().FindIndex(t => t.Id == share.Tier);
                tierReports.Add(Figures(share.Tier.Value, measured.Where(i => _tier[i] == rank).ToList(), ThresholdOf(rank)));
            }

            var overallThreshold = _settings.ServiceLevelThresholdSeconds
                ?? _settings.Tiers.Select(t => t.ServiceLevelThreshold.TotalSeconds).Max();
            var window = _measureTo - _measureFrom;
            var echo = new SimulationSettingsEcho(
                _settings.Agents,
                _settings.MeanHandleTimeSeconds,
                _settings.ArrivalRatePerSecond,
                _settings.ArrivalRatePerSecond * _settings.MeanHandleTimeSeconds,
                _settings.TierShares.ToDictionary(s => s.Tier.Value, s => s.Share),
                _settings.Calls,
                measured.Count,
                _settings.Seed,
                _settings.MeanPatienceSeconds,
                _settings.WrapUpSeconds,
                _settings.AntiStarvation.ToString());
            return new SimulationReport(
                echo,
                _lastTime,
                window > 0 ? _busyArea / (_settings.Agents * window) : 0,
                Figures("overall", measured, overallThreshold),
                tierReports);
        }

        private double ThresholdOf(int rank) =>
            _settings.ServiceLevelThresholdSeconds ?? _settings.Tiers[rank].ServiceLevelThreshold.TotalSeconds;

        private TierReport Figures(string name, List<int> calls, double threshold)
        {
            var answeredWaits = calls.Where(i => !_abandoned[i] && !double.IsNaN(_wait[i])).Select(i => _wait[i]).ToList();
            var abandoned = calls.Count(i => _abandoned[i]);
            var ended = answeredWaits.Count + abandoned;
            var waited = answeredWaits.Count(w => w > 0) + abandoned;
            return new TierReport(
                name,
                calls.Count,
                answeredWaits.Count,
                abandoned,
                answeredWaits.Count == 0 ? 0 : answeredWaits.Average(),
                BatchMeansHalfWidth(answeredWaits),
                answeredWaits.Count == 0 ? 0 : answeredWaits.Max(),
                threshold,
                ended == 0 ? 0 : answeredWaits.Count(w => w <= threshold) / (double)ended,
                calls.Count == 0 ? 0 : waited / (double)calls.Count,
                calls.Count == 0 ? 0 : abandoned / (double)calls.Count);
        }

        /// <summary>
        /// 95 % half-width of the mean by batch means: waits of successive calls are correlated,
        /// means of 20 long consecutive batches nearly are not.
        /// </summary>
        private static double? BatchMeansHalfWidth(List<double> values)
        {
            const int batches = 20;
            const double studentT19 = 2.093;
            if (values.Count < batches * 10)
            {
                return null;
            }

            var size = values.Count / batches;
            var means = Enumerable.Range(0, batches).Select(b => values.Skip(b * size).Take(size).Average()).ToList();
            var mean = means.Average();
            var variance = means.Sum(m => (m - mean) * (m - mean)) / (batches - 1);
            return studentT19 * Math.Sqrt(variance / batches);
        }
    }
}
