using CallCenter.Routing.Configuration;
using CallCenter.Routing.Matching;
using CallCenter.Routing.Model;

namespace CallCenter.Routing.Tests.Core.Matching;

/// <summary>
/// Property-style tests: random centres driven by thousands of random commands (arrivals,
/// agents freeing up, going away, logging in and out, answers, declines, hang-ups, stale
/// answers, time passing). A model built only from the engine's events checks after every
/// step that no rule was broken.
/// </summary>
[TestFixture]
public sealed class RandomizedRoutingInvariantsTests
{
    private static readonly DateTimeOffset Start = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);
    private static readonly SkillId[] Skills = [.. Enumerable.Range(0, 6).Select(i => new SkillId("s" + i))];

    private static IEnumerable<TestCaseData> Cases()
    {
        foreach (var mode in Enum.GetValues<AntiStarvationMode>())
        {
            foreach (var seed in new[] { 1, 2, 3, 4, 5, 6 })
            {
                yield return new TestCaseData(mode, seed).SetName($"Routing invariants hold ({mode}, seed {seed})");
            }
        }
    }

    [TestCaseSource(nameof(Cases))]
    public void Every_rule_holds_after_every_step(AntiStarvationMode mode, int seed)
    {
        var run = new ModelRun(mode, seed);
        for (var step = 0; step < 3000; step++)
        {
            run.Step(step);
        }

        Assert.That(run.Offers, Is.GreaterThan(300), "the run exercised matching");
        Assert.That(run.OrderChecks, Is.GreaterThan(300), "the run compared waiting calls");
    }

    private sealed class ModelCall
    {
        public required CallId Id { get; init; }
        public required int Sequence { get; init; }
        public required int TierRank { get; init; }
        public required bool Emergency { get; init; }
        public required DateTimeOffset Arrived { get; init; }
        public required SkillRequirement[] Extras { get; init; }
        public required bool HasPreference { get; init; }
        public QueueId Queue { get; set; }
        public int Step { get; set; }
        public bool Overdue { get; set; }
        public HashSet<AgentId> DeclinedBy { get; } = [];
        public (AgentId Agent, long Epoch)? Ringing { get; set; }
    }

    private enum AgentMode
    {
        Away,
        Idle,
        Busy,
    }

    private sealed class ModelAgent
    {
        public required AgentId Id { get; init; }
        public required Dictionary<SkillId, int> Skills { get; init; }
        public AgentMode Mode { get; set; }
        public CallId? Ringing { get; set; }
    }

    private sealed class ModelRun
    {
        private readonly Random _random;
        private readonly AntiStarvationMode _mode;
        private readonly RoutingConfiguration _config;
        private readonly RoutingEngine _engine;
        private readonly Dictionary<QueueId, QueueConfig> _queues;
        private readonly Dictionary<CallId, ModelCall> _calls = [];
        private readonly Dictionary<AgentId, ModelAgent> _agents = [];
        private readonly List<(AgentId Id, List<AgentSkill> Skills, AgentId? Backup)> _roster = [];
        private readonly List<(CallId Call, long Epoch)> _pastOffers = [];
        private readonly List<CallId> _ended = [];
        private DateTimeOffset _now = Start;
        private int _nextCall;

        public ModelRun(AntiStarvationMode mode, int seed)
        {
            _mode = mode;
            _random = new Random(seed * 7919 + (int)mode);
            var queues = new List<QueueConfig>();
            for (var q = 0; q < 4; q++)
            {
                var requirement = RandomRequirement(_random.Next(0, 3), 6);
                var relaxation = requirement.Length > 0 && _random.Next(2) == 0
                    ? new List<RelaxationStep> { new() { After = TimeSpan.FromSeconds(_random.Next(10, 60)), RequiredSkills = [requirement[0] with { MinimumLevel = 1 }] } }
                    : [];
                var overflow = q < 3 ? new QueueId("q" + _random.Next(q + 1, 4)) : (QueueId?)null;
                queues.Add(new QueueConfig
                {
                    Id = new QueueId("q" + q),
                    RequiredSkills = requirement,
                    Relaxation = relaxation,
                    MaximumSize = _random.Next(3) == 0 ? _random.Next(3, 10) : null,
                    WhenFull = overflow is null ? QueueExitAction.OfferCallback : (QueueExitAction)_random.Next(3),
                    MaximumWait = overflow is null ? null : TimeSpan.FromSeconds(_random.Next(30, 200)),
                    WhenMaximumWait = overflow is null ? QueueExitAction.None : QueueExitAction.Overflow,
                    OverflowQueue = overflow,
                    AgentSelection = (AgentSelection)_random.Next(3),
                    PreferredAgentTimeout = TimeSpan.FromSeconds(_random.Next(0, 40)),
                });
            }

            _config = new RoutingConfiguration { Skills = Skills, Queues = queues, AntiStarvation = mode };
            _engine = new RoutingEngine(_config);
            _queues = queues.ToDictionary(q => q.Id);
            for (var a = 0; a < 14; a++)
            {
                var skills = Skills.Where(_ => _random.Next(3) > 0)
                    .Select(s => new AgentSkill(s, _random.Next(Proficiency.Minimum, Proficiency.Maximum + 1))).ToList();
                var backup = _random.Next(3) == 0 ? new AgentId("a" + _random.Next(14)) : (AgentId?)null;
                _roster.Add((new AgentId("a" + a), skills, backup));
            }
        }

        public int Offers { get; private set; }
        public int OrderChecks { get; private set; }

        public void Step(int step)
        {
            var action = _random.Next(100);
            switch (action)
            {
                case < 30:
                    Arrive();
                    break;
                case < 50:
                    FreeAgent();
                    break;
                case < 54:
                    AgentGoesAway();
                    break;
                case < 60:
                    LogInOrOut();
                    break;
                case < 72:
                    AnswerRinging();
                    break;
                case < 78:
                    DeclineRinging();
                    break;
                case < 84:
                    HangUp();
                    break;
                case < 87:
                    StaleAnswer();
                    break;
                default:
                    _now += TimeSpan.FromSeconds(_random.Next(0, 25));
                    Apply(_engine.Advance(_now), freedAgent: null);
                    break;
            }

            CheckState(step);
        }

        private void Arrive()
        {
            var id = new CallId("c" + _nextCall);
            var queue = new QueueId("q" + _random.Next(4));
            var preferred = _random.Next(10) == 0 ? new AgentId("a" + _random.Next(14)) : (AgentId?)null;
            var request = new CallRequest
            {
                Id = id,
                Queue = queue,
                Tier = _config.Tiers[_random.Next(_config.Tiers.Count)].Id,
                Emergency = _random.Next(25) == 0,
                ExtraSkills = _random.Next(5) == 0 ? RandomRequirement(1, 4) : [],
                PreferredAgent = preferred,
            };
            var result = _engine.CallArrived(request, _now);
            Assert.That(result.Outcome.Code, Is.EqualTo(OutcomeCode.Ok));
            _calls[id] = new ModelCall
            {
                Id = id,
                Sequence = _nextCall++,
                TierRank = _config.Tiers.ToList().FindIndex(t => t.Id == request.Tier),
                Emergency = request.Emergency,
                Arrived = _now,
                Extras = [.. request.ExtraSkills],
                HasPreference = preferred is not null,
                Queue = queue,
            };
            Apply(result.Events, freedAgent: null);
        }

        private void FreeAgent()
        {
            var candidates = _agents.Values.Where(a => a.Mode != AgentMode.Idle && a.Ringing is null).ToList();
            if (candidates.Count == 0)
            {
                return;
            }

            var agent = candidates[_random.Next(candidates.Count)];
            var result = _engine.AgentAvailable(agent.Id, new AgentFairness(_now - TimeSpan.FromSeconds(_random.Next(0, 100)), _random.Next(20)), _now);
            Assert.That(result.Outcome.Code, Is.EqualTo(OutcomeCode.Ok), result.Outcome.ToString());
            agent.Mode = AgentMode.Idle;
            Apply(result.Events, freedAgent: agent.Id);
        }

        private void AgentGoesAway()
        {
            var candidates = _agents.Values.Where(a => a.Ringing is null).ToList();
            if (candidates.Count == 0)
            {
                return;
            }

            var agent = candidates[_random.Next(candidates.Count)];
            if (_random.Next(2) == 0)
            {
                Assert.That(_engine.AgentBusy(agent.Id).Code, Is.EqualTo(OutcomeCode.Ok));
                agent.Mode = AgentMode.Busy;
            }
            else
            {
                var result = _engine.AgentAway(agent.Id, _now);
                Assert.That(result.Outcome.Code, Is.EqualTo(OutcomeCode.Ok));
                agent.Mode = AgentMode.Away;
                Apply(result.Events, freedAgent: null);
            }
        }

        private void LogInOrOut()
        {
            var (id, skills, backup) = _roster[_random.Next(_roster.Count)];
            if (_agents.TryGetValue(id, out var agent))
            {
                var result = _engine.LogOut(id, _now);
                Assert.That(result.Outcome.Code, Is.EqualTo(OutcomeCode.Ok));
                if (agent.Ringing is { } ringing)
                {
                    BackInLine(_calls[ringing], id);
                }

                _agents.Remove(id);
                Apply(result.Events, freedAgent: null);
            }
            else
            {
                Assert.That(_engine.LogIn(new AgentProfile { Id = id, Skills = skills, Backup = backup }).Code, Is.EqualTo(OutcomeCode.Ok));
                _agents[id] = new ModelAgent { Id = id, Skills = skills.ToDictionary(s => s.Skill, s => s.Level), Mode = AgentMode.Away };
            }
        }

        private ModelCall? RandomRinging()
        {
            var ringing = _calls.Values.Where(c => c.Ringing is not null).ToList();
            return ringing.Count == 0 ? null : ringing[_random.Next(ringing.Count)];
        }

        private void AnswerRinging()
        {
            if (RandomRinging() is not { } call)
            {
                return;
            }

            var (agent, epoch) = call.Ringing!.Value;
            Assert.That(_engine.OfferAccepted(call.Id, epoch).Code, Is.EqualTo(OutcomeCode.Ok));
            _agents[agent].Ringing = null;
            _agents[agent].Mode = AgentMode.Busy;
            _calls.Remove(call.Id);
            _ended.Add(call.Id);
        }

        private void DeclineRinging()
        {
            if (RandomRinging() is not { } call)
            {
                return;
            }

            var (agent, epoch) = call.Ringing!.Value;
            var result = _engine.OfferDeclined(call.Id, epoch, _now);
            Assert.That(result.Outcome.Code, Is.EqualTo(OutcomeCode.Ok));
            BackInLine(call, agent);
            Apply(result.Events, freedAgent: null);
        }

        private void BackInLine(ModelCall call, AgentId agent)
        {
            call.Ringing = null;
            call.DeclinedBy.Add(agent);
            if (_agents.TryGetValue(agent, out var model))
            {
                model.Ringing = null;
                model.Mode = AgentMode.Busy;
            }
        }

        private void HangUp()
        {
            if (_calls.Count == 0 || _random.Next(10) == 0)
            {
                // A repeated hang-up, or one for a call never seen: refused, harmless.
                var gone = _ended.Count > 0 && _random.Next(2) == 0 ? _ended[_random.Next(_ended.Count)] : new CallId("never-seen");
                var result = _engine.CallRemoved(gone, _now);
                Assert.That(result.Outcome.Code, Is.EqualTo(OutcomeCode.NotFound), "a hang-up for a call that is gone was accepted");
                Apply(result.Events, freedAgent: null);
                return;
            }

            var call = _calls.Values.ElementAt(_random.Next(_calls.Count));
            var removed = _engine.CallRemoved(call.Id, _now);
            Assert.That(removed.Outcome.Code, Is.EqualTo(OutcomeCode.Ok));
            if (call.Ringing is { } ringing)
            {
                _agents[ringing.Agent].Ringing = null;
                _agents[ringing.Agent].Mode = AgentMode.Busy;
            }

            _calls.Remove(call.Id);
            _ended.Add(call.Id);
            Apply(removed.Events, freedAgent: null);
        }

        private void StaleAnswer()
        {
            if (_pastOffers.Count == 0)
            {
                return;
            }

            var (call, epoch) = _pastOffers[_random.Next(_pastOffers.Count)];
            if (_calls.TryGetValue(call, out var model) && model.Ringing?.Epoch == epoch)
            {
                return; // still the live offer
            }

            var outcome = _engine.OfferAccepted(call, epoch);
            Assert.That(outcome.Code, Is.AnyOf(OutcomeCode.Conflict, OutcomeCode.NotFound), "a stale answer must never connect a call");
        }

        private void Apply(IReadOnlyList<RoutingEvent> events, AgentId? freedAgent)
        {
            foreach (var routingEvent in events)
            {
                switch (routingEvent)
                {
                    case CallOffered offer:
                        CheckOffer(offer, freedAgent);
                        break;
                    case CallRefused refused:
                        Assert.That(_calls.Remove(refused.Call), Is.True);
                        _ended.Add(refused.Call);
                        break;
                    case CallOverflowed moved:
                        Assert.That(_calls[moved.Call].Queue, Is.EqualTo(moved.From));
                        _calls[moved.Call].Queue = moved.To;
                        _calls[moved.Call].Step = 0;
                        break;
                    case RequirementRelaxed relaxed:
                        Assert.That(relaxed.Step, Is.GreaterThan(_calls[relaxed.Call].Step));
                        _calls[relaxed.Call].Step = relaxed.Step;
                        break;
                    case CallPromoted promoted:
                        var call = _calls[promoted.Call];
                        Assert.That(_mode, Is.EqualTo(AntiStarvationMode.MaximumWait));
                        Assert.That(promoted.At - call.Arrived, Is.EqualTo(_config.Tiers[call.TierRank].MaximumWait));
                        call.Overdue = true;
                        break;
                    case LongWaitCrossed mark:
                        Assert.That(mark.At - _calls[mark.Call].Arrived, Is.EqualTo(mark.Threshold));
                        break;
                }
            }
        }

        private void CheckOffer(CallOffered offer, AgentId? freedAgent)
        {
            Offers++;
            Assert.That(_calls.TryGetValue(offer.Call, out var call), Is.True, "an offer for a call that is not being routed");
            Assert.That(call!.Ringing, Is.Null, "a call offered to two agents at once");
            Assert.That(_agents.TryGetValue(offer.Agent, out var agent), Is.True, "an offer to an agent who is not logged in");
            Assert.That(agent!.Ringing, Is.Null, "an agent holding two offers");
            Assert.That(agent.Mode == AgentMode.Idle || offer.Agent == freedAgent, "an offer to an agent who is not free");
            Assert.That(call.DeclinedBy, Does.Not.Contain(offer.Agent), "a call offered again to an agent who declined it");
            Assert.That(offer.Queue, Is.EqualTo(call.Queue));
            Assert.That(offer.RelaxationStep, Is.EqualTo(call.Step));
            Assert.That(Eligible(agent, call), Is.True, $"{offer.Agent} lacks the skills for {offer.Call}");

            if (!call.HasPreference)
            {
                foreach (var other in _calls.Values)
                {
                    if (other == call || other.Ringing is not null || other.HasPreference
                        || other.DeclinedBy.Contains(offer.Agent) || !Eligible(agent, other))
                    {
                        continue;
                    }

                    OrderChecks++;
                    Assert.That(Precedes(other, call), Is.False,
                        $"{offer.Agent} took {call.Id} while {other.Id}, which goes first, was waiting ({_mode})");
                    CheckStarvationBound(call, other);
                }
            }

            call.Ringing = (offer.Agent, offer.Epoch);
            agent.Ringing = call.Id;
            agent.Mode = AgentMode.Busy;
            _pastOffers.Add((offer.Call, offer.Epoch));
        }

        /// <summary>The rule's bound: how late a call may arrive and still be served before a waiting one.</summary>
        private void CheckStarvationBound(ModelCall served, ModelCall waiting)
        {
            if (served.Emergency || waiting.Emergency)
            {
                return;
            }

            var tiers = _config.Tiers;
            switch (_mode)
            {
                case AntiStarvationMode.Aging:
                    Assert.That(served.Arrived, Is.LessThanOrEqualTo(
                        waiting.Arrived + tiers[served.TierRank].AgingHeadStart - tiers[waiting.TierRank].AgingHeadStart));
                    break;
                case AntiStarvationMode.MaximumWait:
                    Assert.That(served.Arrived, Is.LessThan(waiting.Arrived + tiers[waiting.TierRank].MaximumWait!.Value));
                    break;
            }
        }

        private bool Precedes(ModelCall a, ModelCall b)
        {
            if (a.Emergency != b.Emergency)
            {
                return a.Emergency;
            }

            if (a.Emergency)
            {
                return a.Sequence < b.Sequence;
            }

            var tiers = _config.Tiers;
            switch (_mode)
            {
                case AntiStarvationMode.Aging:
                    var agedA = a.Arrived - tiers[a.TierRank].AgingHeadStart;
                    var agedB = b.Arrived - tiers[b.TierRank].AgingHeadStart;
                    return agedA != agedB ? agedA < agedB : a.Sequence < b.Sequence;
                case AntiStarvationMode.MaximumWait when a.Overdue || b.Overdue:
                    if (a.Overdue != b.Overdue)
                    {
                        return a.Overdue;
                    }

                    var deadlineA = a.Arrived + tiers[a.TierRank].MaximumWait!.Value;
                    var deadlineB = b.Arrived + tiers[b.TierRank].MaximumWait!.Value;
                    return deadlineA != deadlineB ? deadlineA < deadlineB : a.Sequence < b.Sequence;
                default:
                    return a.TierRank != b.TierRank ? a.TierRank < b.TierRank
                        : a.Arrived != b.Arrived ? a.Arrived < b.Arrived : a.Sequence < b.Sequence;
            }
        }

        private bool Eligible(ModelAgent agent, ModelCall call)
        {
            var queue = _queues[call.Queue];
            var stepRequirement = call.Step == 0 ? queue.RequiredSkills : queue.Relaxation[call.Step - 1].RequiredSkills;
            return stepRequirement.Concat(call.Extras)
                .All(r => agent.Skills.TryGetValue(r.Skill, out var level) && level >= r.MinimumLevel);
        }

        private void CheckState(int step)
        {
            Assert.That(_engine.WaitingCount, Is.EqualTo(_calls.Count), $"step {step}: engine and model disagree on the calls held");
            foreach (var call in _calls.Values)
            {
                var deadline = call.Arrived + _config.Tiers[call.TierRank].MaximumWait!.Value;
                if (_mode == AntiStarvationMode.MaximumWait && !call.Emergency && deadline <= _now && call.Ringing is null)
                {
                    Assert.That(call.Overdue, Is.True, $"step {step}: {call.Id} is past its maximum wait but was not promoted");
                }

                Assert.That(_engine.IsWaiting(call.Id), Is.EqualTo(call.Ringing is null));
                if (call.HasPreference || call.Ringing is not null)
                {
                    continue;
                }

                // Work is never left waiting beside a free agent who could take it.
                foreach (var agent in _agents.Values)
                {
                    if (agent.Mode == AgentMode.Idle && !call.DeclinedBy.Contains(agent.Id))
                    {
                        Assert.That(Eligible(agent, call), Is.False, $"step {step}: {call.Id} waits while {agent.Id} is idle and suitable");
                    }
                }
            }

            if (step % 50 == 0)
            {
                foreach (var group in _calls.Values.Where(c => c.Ringing is null).GroupBy(c => c.Queue))
                {
                    var positions = group.Select(c => _engine.GetWaitEstimate(c.Id)!.Value.Position).OrderBy(p => p);
                    Assert.That(positions, Is.EqualTo(Enumerable.Range(1, group.Count())), $"step {step}: positions in {group.Key}");
                }
            }
        }

        private SkillRequirement[] RandomRequirement(int count, int maximumLevel) =>
            [.. Skills.OrderBy(_ => _random.Next()).Take(count).Select(s => new SkillRequirement(s, _random.Next(1, maximumLevel + 1)))];
    }
}
