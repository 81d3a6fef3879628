using CallCenter.Routing.Configuration;
using CallCenter.Routing.Host.InteractionLog;
using CallCenter.Routing.Lifecycle;
using CallCenter.Routing.Matching;
using CallCenter.Routing.Model;
using CallCenter.Routing.Tests.Core.Lifecycle;

namespace CallCenter.Routing.Tests.Core.Matching;

/// <summary>
/// A restarted engine serves as the one that stopped would have. A random centre runs for a
/// while; every call has its own state machine, fed with the engine's decisions as the call actor
/// feeds it, so its events are the journal a restart reads. At a random moment the server "stops":
/// a new engine is built as the routing domain builds it (the agents in the order they logged in,
/// every staffed one busy; the waiting and ringing calls from <see cref="CallRecovery.Resume"/>, in
/// the order they first reached routing; an offer that rang is void). The stopped engine is brought
/// to the same point (its idle agents busy, its ringing offers returned without a decline), the same
/// agents become free in the same order with the same figures in both, and the same random future
/// is played on both. The offers must be the same, call for call and agent for agent.
/// </summary>
/// <remarks>
/// Arrivals are microseconds apart: calls that began routing at the same instant are restored in
/// call-id order.
/// </remarks>
[TestFixture]
public sealed class EngineRestoreTests
{
    private static readonly DateTimeOffset Start = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);
    private static readonly SkillId[] Skills = [.. Enumerable.Range(0, 5).Select(i => new SkillId("s" + i))];
    private static readonly TimeSpan Microsecond = TimeSpan.FromTicks(10);

    private static IEnumerable<TestCaseData> Seeds() =>
        Enumerable.Range(1, 200).Select(seed => new TestCaseData(seed).SetName($"A restored engine offers what the stopped one would have (seed {seed})"));

    [TestCaseSource(nameof(Seeds))]
    public void A_restored_engine_offers_what_the_stopped_one_would_have(int seed)
    {
        var run = new Run(seed);
        var before = 100 + run.Random.Next(500);
        for (var step = 0; step < before; step++)
        {
            run.Step();
        }

        run.Crash();
        for (var step = 0; step < 400; step++)
        {
            run.Step();
        }

        Assert.That(run.RestoredCalls, Is.GreaterThan(0), "the stop found calls to restore");
        Assert.That(run.OffersCompared, Is.GreaterThan(10), "the engines were compared on offers");
    }

    /// <summary>Every seed together: the restore is not exercised by luck.</summary>
    [Test]
    public void The_runs_restore_ringing_declined_overflowed_and_preferred_calls()
    {
        var totals = new Dictionary<string, int>();
        for (var seed = 1; seed <= 40; seed++)
        {
            var run = new Run(seed);
            var before = 100 + run.Random.Next(500);
            for (var step = 0; step < before; step++)
            {
                run.Step();
            }

            run.Crash();
            foreach (var (what, count) in run.Restored)
            {
                totals[what] = totals.GetValueOrDefault(what) + count;
            }
        }

        Assert.That(totals.GetValueOrDefault("ringing"), Is.GreaterThan(10));
        Assert.That(totals.GetValueOrDefault("declined"), Is.GreaterThan(10));
        Assert.That(totals.GetValueOrDefault("overflowed"), Is.GreaterThan(10));
        Assert.That(totals.GetValueOrDefault("preferred"), Is.GreaterThan(5));
        Assert.That(totals.GetValueOrDefault("transferred"), Is.GreaterThan(2));
        Assert.That(totals.GetValueOrDefault("overflowed after a transfer"), Is.GreaterThan(5));
        Assert.That(totals.GetValueOrDefault("held"), Is.GreaterThan(1));
        Assert.That(totals.GetValueOrDefault("overflow refused"), Is.GreaterThan(5));
        Assert.That(totals.GetValueOrDefault("backup of an agent logged out"), Is.GreaterThan(5));
        Assert.That(totals.GetValueOrDefault("callback"), Is.GreaterThan(2));
    }

    private static RoutingConfiguration TwoQueues(TimeSpan firstHeadStart) => EngineFixture.Configuration(
        AntiStarvationMode.None,
        new QueueConfig
        {
            Id = new QueueId("first"), HeadStart = firstHeadStart, MaximumWait = TimeSpan.FromSeconds(60),
            WhenMaximumWait = QueueExitAction.Overflow, OverflowQueue = new QueueId("second"),
        },
        new QueueConfig { Id = new QueueId("second") });

    private static CallCommand.Arrive ArriveIn(string queue, AgentId? preferred = null) =>
        new(new QueueId(queue), DefaultTiers.Standard, false, preferred, []);

    [Test]
    public void A_restored_call_past_its_queues_maximum_wait_moves_on_at_the_restore()
    {
        var call = new RecoveryFixtures.CallScript("late").Do(ArriveIn("first")).Do(new CallCommand.Queued(new QueueId("first"), 1, null));
        var now = call.Now + TimeSpan.FromSeconds(90);
        var engine = new RoutingEngine(TwoQueues(TimeSpan.Zero));

        engine.RestoreWaitingCall(CallRecovery.Resume(call.State.Id, call.Events, now)!.Routing!, now);
        var result = engine.RestoreDone(now);

        var moved = result.Events.OfType<CallOverflowed>().Single();
        Assert.That(moved.At, Is.EqualTo(now), "at the restore, as a call back from ringing moves on when it comes back");
        Assert.That(moved.Reason, Is.EqualTo(QueueExitReason.MaximumWait));
        Assert.That(engine.GetWaitEstimate(call.State.Id)?.Queue, Is.EqualTo(new QueueId("second")));
    }

    [Test]
    public void A_restored_call_within_its_queues_maximum_wait_stays()
    {
        var call = new RecoveryFixtures.CallScript("early").Do(ArriveIn("first")).Do(new CallCommand.Queued(new QueueId("first"), 1, null));
        var now = call.Now + TimeSpan.FromSeconds(30);
        var engine = new RoutingEngine(TwoQueues(TimeSpan.Zero));

        var result = engine.RestoreWaitingCall(CallRecovery.Resume(call.State.Id, call.Events, now)!.Routing!, now);

        Assert.That(result.Events.Concat(engine.RestoreDone(now).Events).OfType<CallOverflowed>(), Is.Empty);
        Assert.That(engine.NextDueTime, Is.EqualTo(call.Events[0].At + TimeSpan.FromSeconds(60)), "its maximum wait counts from when its routing placed it");
    }

    /// <summary>
    /// The engine's placing of a blind-transferred call leaves no event (the call is in line already, so
    /// its CallQueued changes nothing): the queue that placed it is followed from the transfer (seed 126, c1).
    /// </summary>
    [Test]
    public void A_transferred_call_that_overflowed_before_it_rang_keeps_the_queue_that_placed_it()
    {
        var call = new RecoveryFixtures.CallScript("handed-on").Do(ArriveIn("second"))
            .Do(new CallCommand.Offered(new AgentId("a1"), 1)).Do(new CallCommand.Answered(new AgentId("a1"), 1))
            .Do(new CallCommand.RequestTransfer(TransferKind.Blind, TransferTarget.ToQueue(new QueueId("first"))));
        Assert.That(CallLifecycle.Decide(call.State, new CallCommand.Queued(new QueueId("first"), 1, null), call.Now).Events, Is.Empty,
            "the engine's placing of the call in 'first' leaves no event");
        call.Do(new CallCommand.Overflowed(new QueueId("first"), new QueueId("second"), QueueExitReason.MaximumWait), TimeSpan.FromSeconds(60));

        Assert.That(CallRecovery.Resume(call.State.Id, call.Events, call.Now)!.Routing!.PlacedBy, Is.EqualTo(new QueueId("first")));
    }

    /// <summary>The engine's decisions told to the call, as the call actor tells them (only those these tests meet).</summary>
    private static void Tell(RecoveryFixtures.CallScript call, RoutingResult result)
    {
        foreach (var e in result.Events.Where(e => e.Call == call.State.Id))
        {
            call.Do(e switch
            {
                CallQueued q => new CallCommand.Queued(q.Queue, q.Position, q.EstimatedWait),
                HeldForAgent h => new CallCommand.HeldForAgent(h.Agent, h.Rule == MatchRule.BackupAgent),
                OverflowRefused o => new CallCommand.OverflowRefused(o.Queue, o.RefusedBy, o.Reason),
                LongWaitCrossed l => new CallCommand.LongWaitCrossed(l.Threshold),
                _ => throw new AssertionException($"not expected here: {e}"),
            }, TimeSpan.Zero);
        }
    }

    private static AgentProfile Agent(string id, string? backup = null) =>
        new() { Id = new AgentId(id), Skills = [], Backup = backup is null ? null : new AgentId(backup) };

    /// <summary>A queue whose maximum wait (60 s) overflows into a queue that holds one call.</summary>
    private static RoutingConfiguration OverflowIntoAQueueOfOne() => EngineFixture.Configuration(
        AntiStarvationMode.None,
        new QueueConfig
        {
            Id = new QueueId("first"), MaximumWait = TimeSpan.FromSeconds(60),
            WhenMaximumWait = QueueExitAction.Overflow, OverflowQueue = new QueueId("second"),
        },
        new QueueConfig { Id = new QueueId("second"), MaximumSize = 1, WhenFull = QueueExitAction.None });

    /// <summary>
    /// Seed 2, c4 and c8: the queue a call's maximum wait sends it to was full, so it stayed; after the
    /// restart, with room there, the restored engine moved it on, which the stopped one never does.
    /// </summary>
    [Test]
    public void A_call_whose_overflow_was_refused_stays_in_its_queue_after_a_restart()
    {
        var configuration = OverflowIntoAQueueOfOne();
        var start = EngineFixture.Start;
        var stopped = new RoutingEngine(configuration);
        var filler = new CallRequest { Id = new CallId("filler"), Queue = new QueueId("second"), Tier = DefaultTiers.Standard };
        Assert.That(stopped.CallArrived(filler, start).Events.OfType<CallQueued>(), Is.Not.Empty);
        var call = new RecoveryFixtures.CallScript("late") { Now = start }.Do(ArriveIn("first"), TimeSpan.Zero);
        Tell(call, stopped.CallArrived(CallRouting.RequestFor(call.State), start));

        call.Now = start + TimeSpan.FromSeconds(60);
        Tell(call, new RoutingResult(Outcome.Ok, stopped.Advance(call.Now)));
        Assert.That(call.Events[^1], Is.TypeOf<CallEvent.OverflowRefused>(), "the second queue is full: the call stays");
        stopped.CallRemoved(filler.Id, call.Now);

        var now = start + TimeSpan.FromSeconds(90);
        var restored = new RoutingEngine(configuration, firstEpoch: 1000);
        var result = restored.RestoreWaitingCall(CallRecovery.Resume(call.State.Id, call.Events, now)!.Routing!, now);

        Assert.That(result.Events.Concat(restored.RestoreDone(now).Events).OfType<CallOverflowed>(), Is.Empty, "its overflow was tried, and is not tried again");
        Assert.That(stopped.Advance(now).OfType<CallOverflowed>(), Is.Empty);
        Assert.That(restored.GetWaitEstimate(call.State.Id)?.Queue, Is.EqualTo(new QueueId("first")));
        Assert.That(stopped.GetWaitEstimate(call.State.Id)?.Queue, Is.EqualTo(new QueueId("first")));
    }

    /// <summary>Seed 142, c9: restored before the call in the queue it overflows to, it moved into a queue that was full.</summary>
    [Test]
    public void A_restored_call_past_its_maximum_wait_finds_the_next_queue_with_every_restored_call_in_it()
    {
        var configuration = OverflowIntoAQueueOfOne();
        var late = new RecoveryFixtures.CallScript("late").Do(ArriveIn("first")).Do(new CallCommand.Queued(new QueueId("first"), 1, null));
        var other = new RecoveryFixtures.CallScript("other").Do(ArriveIn("second"), TimeSpan.FromSeconds(1)).Do(new CallCommand.Queued(new QueueId("second"), 1, null));
        var now = late.Now + TimeSpan.FromSeconds(90);
        var engine = new RoutingEngine(configuration);

        // In the order they first reached routing: the late call first.
        engine.RestoreWaitingCall(CallRecovery.Resume(late.State.Id, late.Events, now)!.Routing!, now);
        engine.RestoreWaitingCall(CallRecovery.Resume(other.State.Id, other.Events, now)!.Routing!, now);
        var done = engine.RestoreDone(now);

        Assert.That(done.Events.OfType<OverflowRefused>().Single().RefusedBy, Is.EqualTo(new QueueId("second")));
        Assert.That(engine.GetWaitEstimate(late.State.Id)?.Queue, Is.EqualTo(new QueueId("first")));
    }

    /// <summary>Seed 45, c31: its agent logged in after the call was placed; the restored engine held the call for it.</summary>
    [Test]
    public void A_call_placed_while_its_agent_was_away_is_not_held_for_it_after_a_restart()
    {
        var configuration = TwoQueues(TimeSpan.Zero);
        var now = EngineFixture.Start;
        var stopped = new RoutingEngine(configuration);
        stopped.LogIn(Agent("a1"));
        var call = new RecoveryFixtures.CallScript("for-a1") { Now = now }.Do(ArriveIn("second", new AgentId("a1")), TimeSpan.Zero);
        Tell(call, stopped.CallArrived(CallRouting.RequestFor(call.State), now));
        stopped.AgentBusy(new AgentId("a1"));

        var restored = new RoutingEngine(configuration, firstEpoch: 1000);
        restored.LogIn(Agent("a1"));
        restored.AgentBusy(new AgentId("a1"));
        restored.RestoreWaitingCall(CallRecovery.Resume(call.State.Id, call.Events, now)!.Routing!, now);

        foreach (var engine in new[] { stopped, restored })
        {
            engine.LogIn(Agent("a2"));
            var offer = engine.AgentAvailable(new AgentId("a2"), new AgentFairness(now, 0), now).Events.OfType<CallOffered>().SingleOrDefault();
            Assert.That(offer?.Call, Is.EqualTo(call.State.Id), "not held for a1: anyone may take it");
        }
    }

    /// <summary>A call held for a backup stays held for the backup, though its own agent is there after the restart.</summary>
    [Test]
    public void A_call_held_for_the_backup_of_its_agent_is_held_for_the_backup_after_a_restart()
    {
        var configuration = TwoQueues(TimeSpan.Zero);
        var now = EngineFixture.Start;
        var stopped = new RoutingEngine(configuration);
        stopped.LogIn(Agent("a1", backup: "a2"));
        stopped.LogOut(new AgentId("a1"), now);
        stopped.LogIn(Agent("a2"));
        stopped.AgentBusy(new AgentId("a2"));
        var call = new RecoveryFixtures.CallScript("for-a1") { Now = now }.Do(ArriveIn("second", new AgentId("a1")), TimeSpan.Zero);
        Tell(call, stopped.CallArrived(CallRouting.RequestFor(call.State), now));
        Assert.That(call.Events.OfType<CallEvent.HeldForAgent>().Single().Agent, Is.EqualTo(new AgentId("a2")));
        stopped.LogIn(Agent("a1", backup: "a2"));
        stopped.AgentBusy(new AgentId("a1"));

        var restored = new RoutingEngine(configuration, firstEpoch: 1000);
        restored.LogIn(Agent("a2"));
        restored.AgentBusy(new AgentId("a2"));
        restored.LogIn(Agent("a1", backup: "a2"));
        restored.AgentBusy(new AgentId("a1"));
        restored.RestoreWaitingCall(CallRecovery.Resume(call.State.Id, call.Events, now)!.Routing!, now);

        foreach (var engine in new[] { stopped, restored })
        {
            Assert.That(engine.AgentAvailable(new AgentId("a1"), new AgentFairness(now, 0), now).Events.OfType<CallOffered>(), Is.Empty, "held for a2");
            var offer = engine.AgentAvailable(new AgentId("a2"), new AgentFairness(now, 0), now).Events.OfType<CallOffered>().Single();
            Assert.That((offer.Call, offer.Rule), Is.EqualTo((call.State.Id, MatchRule.BackupAgent)));
        }
    }

    /// <summary>
    /// The engine keeps a backup after its agent logs out; the routing domain registers only the agents
    /// logged in at the restart and tells the engine the backups of the others (seed 93, c126).
    /// </summary>
    [Test]
    public void A_call_for_an_agent_who_logged_out_goes_to_its_backup_after_a_restart_as_before()
    {
        var configuration = TwoQueues(TimeSpan.Zero);
        var request = new CallRequest { Id = new CallId("for-a1"), Queue = new QueueId("second"), Tier = DefaultTiers.Standard, PreferredAgent = new AgentId("a1") };
        var now = EngineFixture.Start;

        var stopped = new RoutingEngine(configuration);
        stopped.LogIn(new AgentProfile { Id = new AgentId("a1"), Skills = [], Backup = new AgentId("a2") });
        stopped.LogIn(new AgentProfile { Id = new AgentId("a2"), Skills = [] });
        stopped.LogOut(new AgentId("a1"), now);
        stopped.AgentAvailable(new AgentId("a2"), new AgentFairness(now, 0), now);
        Assert.That(stopped.CallArrived(request, now).Events.OfType<CallOffered>().Single().Rule, Is.EqualTo(MatchRule.BackupAgent));

        var restored = new RoutingEngine(configuration, firstEpoch: 1000);
        restored.LogIn(new AgentProfile { Id = new AgentId("a2"), Skills = [] });
        Assert.That(restored.RememberBackup(new AgentId("a1"), new AgentId("a2")), Is.EqualTo(Outcome.Ok));
        restored.AgentAvailable(new AgentId("a2"), new AgentFairness(now, 0), now);
        Assert.That(restored.CallArrived(request, now).Events.OfType<CallOffered>().Single().Rule, Is.EqualTo(MatchRule.BackupAgent));
    }

    private enum Presence
    {
        Away,
        Idle,
        Busy,
    }

    private sealed class AgentTrack
    {
        public required AgentProfile Profile { get; init; }
        public required long LoginOrder { get; init; }
        public Presence Presence { get; set; } = Presence.Away;
        public AgentFairness Fairness { get; set; }
    }

    private sealed class CallTrack
    {
        public required CallState State { get; set; }
        public List<CallEvent> Journal { get; } = [];
    }

    /// <summary>One engine and what it has rung, with the offers it made in the current step.</summary>
    private sealed class Side(string name, RoutingEngine engine)
    {
        public string Name { get; } = name;
        public RoutingEngine Engine { get; } = engine;
        public Dictionary<CallId, (AgentId Agent, long Epoch)> Ringing { get; } = [];
        public List<(CallId Call, AgentId Agent)> Offers { get; } = [];
        public List<long> Epochs { get; } = [];

        public IReadOnlyList<RoutingEvent> Take(RoutingResult result, string what)
        {
            if (!result.Outcome.Succeeded)
            {
                Assert.Fail($"{Name}: {what}: {result.Outcome}");
            }

            return Take(result.Events);
        }

        public IReadOnlyList<RoutingEvent> Take(IReadOnlyList<RoutingEvent> events)
        {
            foreach (var e in events)
            {
                switch (e)
                {
                    case CallOffered offer:
                        if (Ringing.ContainsKey(offer.Call) || Ringing.Values.Any(r => r.Agent == offer.Agent))
                        {
                            Assert.That(Ringing.ContainsKey(offer.Call), Is.False, $"{Name}: {offer.Call} offered twice at once");
                            Assert.That(Ringing.Values.Any(r => r.Agent == offer.Agent), Is.False, $"{Name}: {offer.Agent} holds two offers");
                        }

                        Ringing[offer.Call] = (offer.Agent, offer.Epoch);
                        Offers.Add((offer.Call, offer.Agent));
                        Epochs.Add(offer.Epoch);
                        break;
                    case OfferReturned returned:
                        if (!Ringing.Remove(returned.Call))
                        {
                            Assert.Fail($"{Name}: {returned.Call} came back but was not ringing");
                        }

                        break;
                }
            }

            return events;
        }
    }

    private sealed class Run
    {
        private readonly RoutingConfiguration _config;
        private readonly List<(AgentId Id, List<AgentSkill> Skills, AgentId? Backup)> _roster = [];
        private readonly Dictionary<AgentId, AgentTrack> _agents = [];

        /// <summary>Agents who logged in and out again, with the backup of their last login: what their checkpoints keep.</summary>
        private readonly Dictionary<AgentId, AgentId?> _loggedOut = [];
        private readonly Dictionary<CallId, CallTrack> _calls = [];
        private readonly SortedSet<(DateTimeOffset Due, string Call)> _callbacksDue = [];
        private readonly HashSet<DateTimeOffset> _routingStarts = [];
        private readonly Side _original;
        private Side? _restored;
        private DateTimeOffset _now = Start;
        private long _nextLogin;
        private int _nextCall;
        private long _firstEpoch;
        private long _lastEpochBefore;

        public Run(int seed)
        {
            Seed = seed;
            Random = new Random(seed * 7919);
            var mode = (AntiStarvationMode)(seed % 3);
            var queues = new List<QueueConfig>();
            for (var q = 0; q < 4; q++)
            {
                var requirement = RandomRequirement(Random.Next(0, 3), 6);
                var relaxation = requirement.Length > 0 && Random.Next(2) == 0
                    ? new List<RelaxationStep> { new() { After = TimeSpan.FromSeconds(Random.Next(10, 60)), RequiredSkills = [requirement[0] with { MinimumLevel = 1 }] } }
                    : [];
                var overflow = q < 3 ? new QueueId("q" + Random.Next(q + 1, 4)) : (QueueId?)null;
                queues.Add(new QueueConfig
                {
                    Id = new QueueId("q" + q),
                    RequiredSkills = requirement,
                    Relaxation = relaxation,
                    MaximumSize = Random.Next(2) == 0 ? Random.Next(3, 10) : null,
                    WhenFull = overflow is null ? QueueExitAction.OfferCallback : (QueueExitAction)Random.Next(3),
                    MaximumWait = overflow is null ? null : TimeSpan.FromSeconds(Random.Next(30, 200)),
                    WhenMaximumWait = overflow is null ? QueueExitAction.None : QueueExitAction.Overflow,
                    OverflowQueue = overflow,
                    AgentSelection = (AgentSelection)Random.Next(3),
                    PreferredAgentTimeout = TimeSpan.FromSeconds(Random.Next(0, 40)),
                    Priority = Random.Next(3),
                    HeadStart = TimeSpan.FromSeconds(Random.Next(3) * 15),
                });
            }

            _config = new RoutingConfiguration { Skills = Skills, Queues = queues, AntiStarvation = mode };
            _original = new Side("original", new RoutingEngine(_config));
            for (var a = 0; a < 10; a++)
            {
                var skills = Skills.Where(_ => Random.Next(3) > 0)
                    .Select(s => new AgentSkill(s, Random.Next(Proficiency.Minimum, Proficiency.Maximum + 1))).ToList();
                var backup = Random.Next(3) == 0 ? new AgentId("a" + Random.Next(10)) : (AgentId?)null;
                _roster.Add((new AgentId("a" + a), skills, backup));
            }
        }

        public int Seed { get; }
        public Random Random { get; }
        public int RestoredCalls { get; private set; }
        public int OffersCompared { get; private set; }
        public Dictionary<string, int> Restored { get; } = [];

        private IEnumerable<Side> Sides => _restored is null ? [_original] : [_original, _restored];

        private string Where => $"seed {Seed}, {_now:HH:mm:ss.ffffff}";

        public void Step()
        {
            switch (Random.Next(100))
            {
                case < 25:
                    Arrive();
                    break;
                case < 43:
                    FreeAgent();
                    break;
                case < 47:
                    AgentGoesAway();
                    break;
                case < 52:
                    LogInOrOut();
                    break;
                case < 63:
                    Answer();
                    break;
                case < 71:
                    ReturnOffer();
                    break;
                case < 76:
                    HangUp();
                    break;
                case < 79:
                    Transfer();
                    break;
                case < 82:
                    LeaveForCallback();
                    break;
                default:
                    AdvanceTo(_now + Microsecond * Random.Next(1, 25_000_000));
                    break;
            }

            Compare("the step");
        }

        // ---- the random history ---------------------------------------------------------------

        private void Arrive()
        {
            var start = RoutingStart();
            var id = new CallId("c" + _nextCall++);
            var track = new CallTrack { State = CallState.New(id) };
            _calls[id] = track;
            var preferred = Random.Next(6) == 0 ? new AgentId("a" + Random.Next(10)) : (AgentId?)null;
            var earlier = Random.Next(10) == 0 ? start - Microsecond * Random.Next(1, 60_000_000) : (DateTimeOffset?)null;
            Execute(track, new CallCommand.Arrive(
                new QueueId("q" + Random.Next(4)), _config.Tiers[Random.Next(_config.Tiers.Count)].Id, Random.Next(25) == 0,
                preferred, Random.Next(5) == 0 ? RandomRequirement(1, 4) : [], earlier));
            Route(track);
        }

        /// <summary>Moves time on by a few microseconds to an instant no other call began routing at, so ties fall the same way.</summary>
        private DateTimeOffset RoutingStart()
        {
            var at = _now + Microsecond * Random.Next(1, 1000);
            while (_routingStarts.Contains(at) || _callbacksDue.Any(c => c.Due == at))
            {
                at += Microsecond;
            }

            AdvanceTo(at);
            _routingStarts.Add(at);
            return at;
        }

        /// <summary>The call asks routing, as the call actor does: its request from its state.</summary>
        private void Route(CallTrack track, AgentId? preferred = null)
        {
            var request = CallRouting.RequestFor(track.State, preferred);
            OnEveryEngine(side => side.Engine.CallArrived(request, _now), $"{request.Id} arrives");
        }

        private void FreeAgent()
        {
            var candidates = _agents.Values.Where(a => a.Presence != Presence.Idle && RingingAt(a.Profile.Id) is null).ToList();
            if (candidates.Count == 0)
            {
                return;
            }

            var agent = candidates[Random.Next(candidates.Count)];
            agent.Fairness = new AgentFairness(_now - Microsecond * Random.Next(0, 100_000_000), Random.Next(20));
            agent.Presence = Presence.Idle;
            OnEveryEngine(side => side.Engine.AgentAvailable(agent.Profile.Id, agent.Fairness, _now), $"{agent.Profile.Id} free");
        }

        private void AgentGoesAway()
        {
            var candidates = _agents.Values.Where(a => RingingAt(a.Profile.Id) is null).ToList();
            if (candidates.Count == 0)
            {
                return;
            }

            var agent = candidates[Random.Next(candidates.Count)];
            var away = Random.Next(2) == 0;
            agent.Presence = away ? Presence.Away : Presence.Busy;
            if (away)
            {
                OnEveryEngine(side => side.Engine.AgentAway(agent.Profile.Id, _now), $"{agent.Profile.Id} away");
                return;
            }

            foreach (var side in Sides)
            {
                Assert.That(side.Engine.AgentBusy(agent.Profile.Id).Succeeded, Is.True);
            }
        }

        private void LogInOrOut()
        {
            var (id, skills, backup) = _roster[Random.Next(_roster.Count)];

            if (_agents.Remove(id))
            {
                _loggedOut[id] = backup;
                OnEveryEngine(side => side.Engine.LogOut(id, _now), $"{id} logs out");
                return;
            }

            if (_agents.ContainsKey(id))
            {
                return;
            }

            var profile = new AgentProfile { Id = id, Skills = skills, Backup = backup };
            _agents[id] = new AgentTrack { Profile = profile, LoginOrder = _nextLogin++ };
            _loggedOut.Remove(id);
            foreach (var side in Sides)
            {
                Assert.That(side.Engine.LogIn(profile).Succeeded, Is.True);
            }
        }

        private CallId? RandomRinging()
        {
            var ringing = _original.Ringing.Keys.OrderBy(c => c.Value, StringComparer.Ordinal).ToList();
            return ringing.Count == 0 ? null : ringing[Random.Next(ringing.Count)];
        }

        private (CallId Call, long Epoch)? RingingAt(AgentId agent) =>
            _original.Ringing.Where(r => r.Value.Agent == agent).Select(r => ((CallId, long)?)(r.Key, r.Value.Epoch)).FirstOrDefault();

        private void Answer()
        {
            if (RandomRinging() is not { } call)
            {
                return;
            }

            var (agent, epoch) = _original.Ringing[call];
            foreach (var side in Sides)
            {
                Assert.That(side.Ringing.Remove(call, out var offer), Is.True, $"{side.Name}: {call} is not ringing ({Where})");
                Assert.That(side.Engine.OfferAccepted(call, offer.Epoch).Code, Is.EqualTo(OutcomeCode.Ok), $"{side.Name}: {call} answered");
            }

            _agents[agent].Presence = Presence.Busy;
            Execute(_calls[call], new CallCommand.Answered(agent, epoch));
        }

        /// <summary>Ways a ringing offer comes back that the engine is told of one by one (a logout is an agent's own step).</summary>
        private static readonly OfferReturnReason[] ReturnReasons =
            [OfferReturnReason.Declined, OfferReturnReason.TimedOut, OfferReturnReason.Bounced, OfferReturnReason.SoftphoneLost];

        /// <summary>The ringing agent declines, lets it ring out, loses its softphone, or was no longer free (a bounce, not held against it).</summary>
        private void ReturnOffer()
        {
            if (RandomRinging() is not { } call)
            {
                return;
            }

            var how = ReturnReasons[Random.Next(ReturnReasons.Length)];
            _agents[_original.Ringing[call].Agent].Presence = Presence.Busy;
            OnEveryEngine(
                side => side.Engine.OfferDeclined(call, side.Ringing.TryGetValue(call, out var offer) ? offer.Epoch : -1, _now, how),
                $"{call} returned");
        }

        private void HangUp()
        {
            var live = _calls.Values.Where(c => c.State.Status != CallStatus.Ended && c.State.CallerOnLine)
                .OrderBy(c => c.State.Id.Value, StringComparer.Ordinal).ToList();
            if (live.Count == 0)
            {
                return;
            }

            var track = live[Random.Next(live.Count)];
            var id = track.State.Id;
            Execute(track, CallCommand.CallerHungUp.Instance);
            if (_original.Engine.IsWaiting(id) || _original.Engine.GetOffer(id) is not null)
            {
                OnEveryEngine(side => { side.Ringing.Remove(id); return side.Engine.CallRemoved(id, _now); }, $"{id} hung up");
            }
        }

        /// <summary>A connected agent hands the caller on blindly, to a queue or to a named agent.</summary>
        private void Transfer()
        {
            var connected = _calls.Values.Where(c => c.State.Status == CallStatus.Connected)
                .OrderBy(c => c.State.Id.Value, StringComparer.Ordinal).ToList();
            if (connected.Count == 0)
            {
                return;
            }

            RoutingStart();
            var track = connected[Random.Next(connected.Count)];
            AgentId? toAgent = Random.Next(4) == 0 ? new AgentId("a" + Random.Next(10)) : null;
            var target = toAgent is { } agent ? TransferTarget.ToAgent(agent) : TransferTarget.ToQueue(new QueueId("q" + Random.Next(4)));
            if (CallLifecycle.Decide(track.State, new CallCommand.RequestTransfer(TransferKind.Blind, target), _now).Outcome != Outcome.Ok)
            {
                return; // to the agent already on the call
            }

            Execute(track, new CallCommand.RequestTransfer(TransferKind.Blind, target));
            Route(track, toAgent);
        }

        /// <summary>A caller in line leaves it: to be called back in turn (keeping the place), or at an appointment.</summary>
        private void LeaveForCallback()
        {
            var waiting = _calls.Values.Where(c => c.State.Status is CallStatus.Queued && c.State.Transfer is null && _original.Engine.IsWaiting(c.State.Id))
                .OrderBy(c => c.State.Id.Value, StringComparer.Ordinal).ToList();
            if (waiting.Count == 0)
            {
                return;
            }

            var track = waiting[Random.Next(waiting.Count)];
            if (Random.Next(2) == 0)
            {
                Execute(track, CallCommand.RequestCallback.Instance);
                return;
            }

            var due = _now + Microsecond * Random.Next(1_000_000, 300_000_000);
            while (_routingStarts.Contains(due) || _callbacksDue.Any(c => c.Due == due))
            {
                due += Microsecond;
            }

            Execute(track, new CallCommand.ScheduleCallback(due));
            _callbacksDue.Add((due, track.State.Id.Value));
            OnEveryEngine(side => side.Engine.CallRemoved(track.State.Id, _now), $"{track.State.Id} scheduled");
        }

        /// <summary>Time passes as the dispatcher's timer lets it: each engine acts at each due time, and callbacks fall due.</summary>
        private void AdvanceTo(DateTimeOffset target)
        {
            while (true)
            {
                var next = Sides.Select(s => s.Engine.NextDueTime).Append(_callbacksDue.Count > 0 ? _callbacksDue.Min.Due : null)
                    .Where(d => d is not null).Min();
                if (next is not { } due || due > target)
                {
                    break;
                }

                if (due > _now)
                {
                    _now = due;
                }

                while (_callbacksDue.Count > 0 && _callbacksDue.Min.Due <= _now)
                {
                    var (_, call) = _callbacksDue.Min;
                    _callbacksDue.Remove(_callbacksDue.Min);
                    var track = _calls[new CallId(call)];
                    if (CallLifecycle.Decide(track.State, CallCommand.CallbackDue.Instance, _now).Outcome == Outcome.Ok)
                    {
                        _routingStarts.Add(_now);
                        Execute(track, CallCommand.CallbackDue.Instance);
                        Route(track);
                    }
                }

                OnEveryEngine(side => new RoutingResult(Outcome.Ok, side.Engine.Advance(_now)), "time passing");
                Compare("a due time");
            }

            _now = target;
        }

        /// <summary>
        /// One command to every engine, then the stopped one's decisions to the calls: a call sent back
        /// to routing while they are told reaches every engine after the command, in the same order.
        /// </summary>
        private void OnEveryEngine(Func<Side, RoutingResult> command, string what)
        {
            IReadOnlyList<RoutingEvent> decided = [];
            foreach (var side in Sides)
            {
                var events = side.Take(command(side), what);
                if (side == _original)
                {
                    decided = events;
                }
            }

            Feed(decided);
        }

        // ---- the calls' state machines, fed as the call actor feeds them --------------------------

        private void Execute(CallTrack track, CallCommand command)
        {
            var decision = CallLifecycle.Decide(track.State, command, _now);
            if (decision.Outcome.Code is not (OutcomeCode.Ok or OutcomeCode.Unchanged))
            {
                Assert.Fail($"{track.State.Id}: {command} at {track.State.Status}: {decision.Outcome} ({Where})");
            }

            track.State = decision.State;
            track.Journal.AddRange(decision.Events);
        }

        /// <summary>The engine's decisions told to each call, as <c>CallActor.HandleRouted</c> tells them.</summary>
        private void Feed(IReadOnlyList<RoutingEvent> events)
        {
            foreach (var e in events)
            {
                var track = _calls[e.Call];
                switch (e)
                {
                    case CallQueued queued:
                        Execute(track, new CallCommand.Queued(queued.Queue, queued.Position, queued.EstimatedWait));
                        break;
                    case CallOffered offered:
                        Execute(track, new CallCommand.Offered(offered.Agent, offered.Epoch));
                        _agents[offered.Agent].Presence = Presence.Busy;
                        break;
                    case OfferReturned returned:
                        Execute(track, new CallCommand.OfferReturned(returned.Epoch, returned.Reason));
                        break;
                    case CallOverflowed overflowed:
                        Execute(track, new CallCommand.Overflowed(overflowed.From, overflowed.To, overflowed.Reason));
                        break;
                    case CallRefused refused:
                        var decision = CallLifecycle.Decide(track.State, new CallCommand.Refused(refused.Queue, QueueRefusalReasons.Of(refused.Reason), refused.CallbackOffered), _now);
                        if (decision.Outcome is { Code: OutcomeCode.Conflict, Field: "transfer" })
                        {
                            // The transfer's target queue turned the call away: back where it came from.
                            Execute(track, new CallCommand.TransferFailed($"queue '{refused.Queue}' refused the call: {refused.Reason}"));
                            Route(track);
                        }
                        else
                        {
                            Execute(track, new CallCommand.Refused(refused.Queue, QueueRefusalReasons.Of(refused.Reason), refused.CallbackOffered));
                        }

                        break;
                    case LongWaitCrossed mark:
                        Execute(track, new CallCommand.LongWaitCrossed(mark.Threshold));
                        break;
                    case CallPromoted:
                        Execute(track, CallCommand.Promoted.Instance);
                        break;
                    case OverflowRefused refusedOverflow:
                        Execute(track, new CallCommand.OverflowRefused(refusedOverflow.Queue, refusedOverflow.RefusedBy, refusedOverflow.Reason));
                        break;
                    case HeldForAgent held:
                        Execute(track, new CallCommand.HeldForAgent(held.Agent, held.Rule == MatchRule.BackupAgent));
                        break;
                    case PreferenceExpired expired:
                        Execute(track, new CallCommand.PreferenceExpired(expired.Agent));
                        break;
                }
            }
        }

        // ---- the stop and the restart ---------------------------------------------------------

        public void Crash()
        {
            _lastEpochBefore = _original.Epochs.Count > 0 ? _original.Epochs.Max() : 0;
            _firstEpoch = (1L << PostgresDomainJournal.EpochBits) + 1;
            var restored = new Side("restored", new RoutingEngine(_config, _firstEpoch));

            var agents = _agents.Values.OrderBy(a => a.LoginOrder).ToList();
            foreach (var agent in agents)
            {
                Assert.That(restored.Engine.LogIn(agent.Profile).Succeeded, Is.True);
                if (agent.Presence != Presence.Away)
                {
                    Assert.That(restored.Engine.AgentBusy(agent.Profile.Id).Succeeded, Is.True);
                }
            }

            foreach (var (id, backup) in _loggedOut.Where(a => a.Value is not null))
            {
                Assert.That(restored.Engine.RememberBackup(id, backup).Succeeded, Is.True);
                Restored["backup of an agent logged out"] = Restored.GetValueOrDefault("backup of an agent logged out") + 1;
            }

            // Every open call from its journal, read back through its rows.
            var waiting = new List<(RecoveredCall Call, CallId Id)>();
            foreach (var track in _calls.Values.Where(c => c.State.Status != CallStatus.Ended))
            {
                var journal = track.Journal
                    .Select(e => LogMapping.ToCallEvent(LogMapping.FromCallEvent(e).OfType<LogRecord.CallEventEntry>().Single()))
                    .ToList();
                var recovered = CallRecovery.Resume(track.State.Id, journal, _now)!;
                var held = _original.Engine.IsWaiting(track.State.Id) || _original.Engine.GetOffer(track.State.Id) is not null;
                Assert.That(recovered.Routing is not null, Is.EqualTo(held),
                    $"{track.State.Id} ({track.State.Status}) is {(held ? "" : "not ")}held by the stopped engine ({Where})");
                if (recovered.Routing is not null)
                {
                    waiting.Add((recovered, track.State.Id));
                    Count(recovered, track);
                }
            }

            var restoreOrder = waiting
                .OrderBy(c => c.Call.Routing!.RoutedSince).ThenBy(c => c.Call.State.ArrivedAt).ThenBy(c => c.Id.Value, StringComparer.Ordinal)
                .ToList();
            foreach (var (call, id) in restoreOrder)
            {
                restored.Take(restored.Engine.RestoreWaitingCall(call.Routing!, _now), $"{id} restored");
                RestoredCalls++;
            }

            // Told to the calls as the stopped engine's decisions are not: the restored engine's are compared with them.
            restored.Take(restored.Engine.RestoreDone(_now), "the restore done");
            Assert.That(restored.Offers, Is.Empty, "no agent was free to take a restored call");

            // The stopped engine brought to the same point: nobody free, every ringing offer void.
            var free = agents.Where(a => a.Presence == Presence.Idle || RingingAt(a.Profile.Id) is not null).ToList();
            foreach (var agent in agents.Where(a => a.Presence == Presence.Idle))
            {
                Assert.That(_original.Engine.AgentBusy(agent.Profile.Id).Succeeded, Is.True);
            }

            // In the order the restored engine moves on the calls past their maximum wait: those last, in the order they were restored.
            var place = restoreOrder.Select((c, i) => (c.Id, i)).ToDictionary(c => c.Id, c => c.i);
            bool PastMaximumWait(CallId id) => restoreOrder[place[id]].Call.Routing is { } routing
                && !routing.QueueExitDone && _config.Queues.Single(q => q.Id == routing.Request.Queue) is { WhenMaximumWait: not QueueExitAction.None, MaximumWait: { } maximum }
                && _now - routing.QueueEnteredAt >= maximum;
            foreach (var (call, offer) in _original.Ringing.OrderBy(r => PastMaximumWait(r.Key)).ThenBy(r => place[r.Key]).ToList())
            {
                Feed(_original.Take(_original.Engine.OfferDeclined(call, offer.Epoch, _now, OfferReturnReason.Voided), $"{call} void"));
            }

            _restored = restored;
            Compare("the restore");
            ComparePlaces();

            // The same agents free again in the same order, with the figures they had.
            foreach (var agent in free.OrderBy(_ => Random.Next()))
            {
                agent.Presence = Presence.Idle;
                OnEveryEngine(side => side.Engine.AgentAvailable(agent.Profile.Id, agent.Fairness, _now), $"{agent.Profile.Id} free again");
                Compare($"{agent.Profile.Id} free again");
            }
        }

        private void Count(RecoveredCall recovered, CallTrack track)
        {
            void Add(string what) => Restored[what] = Restored.GetValueOrDefault(what) + 1;
            if (recovered.Events.OfType<CallEvent.OfferReturned>().Any())
            {
                Add("ringing");
            }

            if (recovered.Routing!.DeclinedBy.Count > 0)
            {
                Add("declined");
            }

            if (track.Journal.OfType<CallEvent.Overflowed>().Any())
            {
                Add("overflowed");
            }

            if (recovered.Routing.Request.PreferredAgent is not null)
            {
                Add("preferred");
            }

            if (recovered.State.Transfer is not null || track.Journal.OfType<CallEvent.TransferFailed>().Any())
            {
                Add("transferred");
            }

            // Placed by a transfer (or its failure), which leaves no Queued event, then moved on.
            if (track.Journal.SkipWhile(e => e is not (CallEvent.TransferStarted { Transfer.Kind: TransferKind.Blind } or CallEvent.TransferFailed))
                .OfType<CallEvent.Overflowed>().Any())
            {
                Add("overflowed after a transfer");
            }

            if (recovered.Routing.HeldFor is not null)
            {
                Add("held");
            }

            if (recovered.Routing.QueueExitDone)
            {
                Add("overflow refused");
            }

            if (recovered.IsCallback)
            {
                Add("callback");
            }
        }

        /// <summary>Both engines made the same offers, and hold the same calls, waiting or ringing at the same agents.</summary>
        private void Compare(string what)
        {
            if (_restored is null)
            {
                _original.Offers.Clear();
                return;
            }

            if (!_restored.Offers.SequenceEqual(_original.Offers))
            {
                foreach (var queue in _original.Offers.Concat(_restored.Offers).Select(o => _calls[o.Call].State.Queue).Distinct())
                {
                    TestContext.Out.WriteLine(Describe(queue));
                }
            }

            Assert.That(_restored.Offers, Is.EqualTo(_original.Offers), $"the offers at {what} ({Where})");
            OffersCompared += _original.Offers.Count;
            _original.Offers.Clear();
            _restored.Offers.Clear();
            Assert.That(_restored.Epochs.All(e => e >= _firstEpoch && e > _lastEpochBefore), Is.True, "the restored engine's epochs start above the stopped one's");
            Assert.That(_restored.Engine.WaitingCount, Is.EqualTo(_original.Engine.WaitingCount), $"the calls held at {what} ({Where})");

            // Asserted only where they differ: every call at every step, with its message, was most of the run time.
            foreach (var call in _calls.Keys)
            {
                if (_restored.Engine.IsWaiting(call) != _original.Engine.IsWaiting(call)
                    || _restored.Ringing.GetValueOrDefault(call).Agent != _original.Ringing.GetValueOrDefault(call).Agent)
                {
                    Assert.That(_restored.Engine.IsWaiting(call), Is.EqualTo(_original.Engine.IsWaiting(call)), $"{call} waiting at {what} ({Where})");
                    Assert.That(_restored.Ringing.GetValueOrDefault(call).Agent, Is.EqualTo(_original.Ringing.GetValueOrDefault(call).Agent), $"{call} ringing at {what} ({Where})");
                }
            }
        }

        /// <summary>Every waiting call has the same queue and place in its line in both engines.</summary>
        private void ComparePlaces()
        {
            foreach (var call in _calls.Keys.Where(_original.Engine.IsWaiting))
            {
                var original = _original.Engine.GetWaitEstimate(call)!.Value;
                var restored = _restored!.Engine.GetWaitEstimate(call);
                if (restored?.Queue != original.Queue || restored?.Position != original.Position)
                {
                    TestContext.Out.WriteLine(Describe(original.Queue));
                }

                Assert.That(restored?.Queue, Is.EqualTo(original.Queue), $"{call}'s queue after the restore ({Where})");
                Assert.That(restored?.Position, Is.EqualTo(original.Position), $"{call}'s place in {original.Queue} after the restore ({Where})");
            }
        }

        /// <summary>The calls of a queue in both engines, with their journals: what a failure is read from.</summary>
        private string Describe(QueueId queue)
        {
            var text = new System.Text.StringBuilder($"queue {queue} ({_config.Queues.Single(q => q.Id == queue)}) at {_now:HH:mm:ss.ffffff}\n");
            foreach (var q in _config.Queues)
            {
                text.AppendLine($"  {q.Id}: priority {q.Priority}, head start {q.HeadStart}, max wait {q.MaximumWait} -> {q.OverflowQueue}, size {q.MaximumSize}, preferred {q.PreferredAgentTimeout}");
            }

            foreach (var (id, track) in _calls.Where(c => c.Value.State.Status != CallStatus.Ended))
            {
                var original = _original.Engine.GetWaitEstimate(id);
                var restored = _restored?.Engine.GetWaitEstimate(id);
                if (original?.Queue != queue && restored?.Queue != queue && track.State.Queue != queue)
                {
                    continue;
                }

                text.AppendLine($"{id}: original {original?.Queue}#{original?.Position} {KeyOf(_original.Engine, id)}, restored {restored?.Queue}#{restored?.Position} {(_restored is null ? "" : KeyOf(_restored.Engine, id))}, state {track.State.Status} in {track.State.Queue}");
                foreach (var e in track.Journal)
                {
                    text.AppendLine($"    {e.At:HH:mm:ss.ffffff} {e}");
                }
            }

            return text.ToString();
        }

        private static string KeyOf(RoutingEngine engine, CallId id)
        {
            var calls = (Dictionary<CallId, CallEntry>)typeof(RoutingEngine).GetField("_calls", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!.GetValue(engine)!;
            return calls.TryGetValue(id, out var call)
                ? $"[{call.Key.Band} {new DateTimeOffset(call.Key.Primary, TimeSpan.Zero):HH:mm:ss.ffffff} {call.Key.Tie} {call.Key.Sequence} target {call.Target?.Id} step {call.RelaxationStep} entered {new DateTimeOffset(call.QueueEnteredTicks, TimeSpan.Zero):HH:mm:ss.ffffff}]"
                : "[]";
        }

        private SkillRequirement[] RandomRequirement(int count, int maximumLevel) =>
            [.. Skills.OrderBy(_ => Random.Next()).Take(count).Select(s => new SkillRequirement(s, Random.Next(1, maximumLevel + 1)))];
    }
}
