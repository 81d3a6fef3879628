using System.Globalization;
using Akka.Actor;
using Akka.Event;
using Akka.Hosting;
using CallCenter.Routing.Agents.AgentActors;
using CallCenter.Routing.Agents.Calls;
using CallCenter.Routing.Agents.Dispatching;
using CallCenter.Routing.Agents.Operations;
using CallCenter.Routing.Agents.Queues;
using CallCenter.Routing.Configuration;
using CallCenter.Routing.Lifecycle;
using CallCenter.Routing.Matching;
using CallCenter.Routing.Model;

namespace CallCenter.Routing.Agents.Domain;

/// <summary>
/// One routing domain (a contact centre, a tenant, a site): its dispatcher, queues, agents
/// and calls live together as its children, so a routing decision never crosses a network.
/// Everything from outside comes through here and is handed to the child it names.
/// </summary>
public sealed class RoutingDomainActor : ReceiveActor, IWithTimers, IWithUnboundedStash
{
    private const string RetireTimer = "retire-ended-calls";
    private const string RecoveryTimer = "recovery-retry";

    private readonly DomainSettings _settings;
    private readonly IDomainJournal? _journal;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private RoutingCatalog _catalog;
    private RoutingConfiguration _configuration;
    private IActorRef _dispatcher = ActorRefs.Nobody;

    /// <summary>The operators' view of this domain, which answers the edge's <see cref="StateViewProtocol.IRequest"/>s.</summary>
    private readonly IActorRef _stateView;
    private readonly Dictionary<QueueId, IActorRef> _queues = [];
    private readonly Dictionary<AgentId, IActorRef> _agents = [];
    private readonly Dictionary<CallId, IActorRef> _calls = [];

    /// <summary>
    /// Recovered calls only waiting, whose actors start at the first message for them or in the
    /// background once the domain serves (<see cref="DomainSettings.RecoveredCallsStartedAtOnce"/>):
    /// starting a hundred thousand actors is most of a recovery.
    /// </summary>
    private readonly Dictionary<CallId, RecoveredCall> _dormant = [];

    /// <summary>The actors started from <see cref="_dormant"/>, for what was sent to their stand-ins (<see cref="DormantCallRef"/>).</summary>
    private readonly Dictionary<CallId, IActorRef> _woken = [];

    /// <summary>The stand-ins of recovered calls, registered with the provider until their calls end.</summary>
    private readonly Dictionary<CallId, DormantCallRef> _standIns = [];

    /// <summary>
    /// Ended calls, for the retention: what repeats and queries are answered from. Their actors
    /// are stopped at the end: an actor costs many times its state, and a collector that keeps
    /// minutes of ended calls' actors alive pays for every byte of them.
    /// </summary>
    private readonly Dictionary<CallId, EndedCall> _ended = [];

    /// <summary>Ended calls in the order they ended, so the first is always the next to forget.</summary>
    private readonly Queue<(DateTimeOffset Due, EndedCall Final)> _retained = new();
    private long _nextChild;

    /// <summary>The log of the node the domain runs on, once looked up (<see cref="DomainDurability"/>).</summary>
    private IActorRef? _durability;
    private DomainProtocol.Ready _ready = new(0, 0, 1);

    /// <summary>Times the recovery, for its log line.</summary>
    private System.Diagnostics.Stopwatch? _loading;
    private (TimeSpan Paused, int Collections) _collectionsBefore;

    /// <param name="journal">
    /// Where the domain's durable state is: with one, the domain rebuilds itself from it before it
    /// serves (messages meanwhile wait); without, it starts empty.
    /// </param>
    public RoutingDomainActor(RoutingConfiguration configuration, DomainSettings settings, IDomainJournal? journal = null)
    {
        _settings = settings;
        _journal = journal;
        _stateView = Context.ActorOf(StateViewActor.Props(settings.Domain), "state-view");
        StateViewActor.Subscribe(Context.System.EventStream, _stateView);
        _configuration = configuration;
        _catalog = new RoutingCatalog(configuration);
        if (journal is null)
        {
            Start(DomainJournalContents.Empty, []);
        }
        else
        {
            Recovering();
        }
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public IStash Stash { get; set; } = null!;

    public static Props Props(RoutingConfiguration configuration, DomainSettings settings, IDomainJournal? journal = null) =>
        Akka.Actor.Props.Create(() => new RoutingDomainActor(configuration, settings, journal));

    protected override void PreStart()
    {
        if (_journal is not null)
        {
            LoadJournal();
        }
    }

    private void LoadJournal()
    {
        _loading = System.Diagnostics.Stopwatch.StartNew();
        _collectionsBefore = (GC.GetTotalPauseDuration(), GC.CollectionCount(0));
        _journal!.LoadAsync(CancellationToken.None).PipeTo(Self, success: contents => new JournalLoaded(contents), failure: e => new JournalFailed(e));
    }

    private void Recovering()
    {
        Receive<JournalLoaded>(m => ResumeCalls(m.Contents));
        Receive<CallsResumed>(m => Start(m.Contents, m.Calls));
        Receive<JournalFailed>(m =>
        {
            _log.Warning("Routing domain: its journal cannot be read ({0}); trying again in {1}", m.Error.Message, _settings.RecoveryRetryDelay);
            Timers.StartSingleTimer(RecoveryTimer, RetryRecovery.Instance, _settings.RecoveryRetryDelay);
        });
        Receive<RetryRecovery>(_ => LoadJournal());
        // Nothing of this incarnation is in the log yet: handed off, it just stops.
        Receive<DomainProtocol.HandOff>(_ => Context.Stop(Self));
        ReceiveAny(_ => Stash.Stash());
    }

    private IActorRefProvider Provider => ((ExtendedActorSystem)Context.System).Provider;

    /// <summary>The stand-ins of recovered calls go with the domain.</summary>
    protected override void PostStop()
    {
        foreach (var call in _standIns.Keys.ToList())
        {
            ReleaseStandIn(call);
        }
    }

    private void Serving()
    {
        Receive<IAgentMessage>(HandleAgentMessage);
        Receive<CallProtocol.Arrive>(m => ForNewOrKnownCall(m.Call, m, CallActor.Check(m, _catalog)));
        Receive<CallProtocol.ScheduleCallback>(m => ForNewOrKnownCall(m.Call, m, CallActor.Check(m, _catalog, Context.System.Scheduler.Now)));
        Receive<ICallMessage>(HandleCallMessage);
        Receive<QueueProtocol.IQueueMessage>(HandleQueueMessage);
        Receive<CallProtocol.Retired>(HandleRetired);
        Receive<CallProtocol.Finished>(HandleFinished);
        Receive<RetireDue>(_ => HandleRetireDue());
        Receive<Dispatch.Reconfigure>(m => _dispatcher.Forward(m));
        Receive<Dispatch.Reconfigured>(HandleReconfigured);
        Receive<DomainProtocol.GetConfiguration>(_ => Sender.Tell(_configuration));
        Receive<DomainProtocol.WhenReady>(_ => Sender.Tell(_ready));
        Receive<DomainProtocol.WhenDurable>(HandleWhenDurable);
        Receive<StateViewProtocol.IRequest>(m => _stateView.Forward(m));
        Receive<DomainProtocol.HandOff>(_ => HandOff());
        Receive<ForDormantCall>(HandleForDormantCall);
        Receive<WakeDormantCalls>(_ => WakeSomeDormantCalls());
    }

    /// <summary>
    /// Starts the domain's dispatcher and queues, takes back what the journal holds, then serves:
    /// the messages that waited meanwhile are handled in the order they came.
    /// </summary>
    /// <summary>
    /// Replays every open call from its journal off the actor's thread, on every core: the replay is
    /// pure, and a large recovery spends much of its time in it. Messages keep waiting meanwhile.
    /// </summary>
    private void ResumeCalls(DomainJournalContents contents)
    {
        var now = Context.System.Scheduler.Now;
        Task.Run(() =>
        {
            var resumed = new RecoveredCall?[contents.Calls.Count];
            Parallel.For(0, resumed.Length, i => resumed[i] = CallRecovery.Resume(contents.Calls[i].Call, contents.Calls[i].Events, now));
            return new CallsResumed(contents, resumed);
        }).PipeTo(Self, failure: e => new JournalFailed(e));
    }

    private void Start(DomainJournalContents contents, IReadOnlyList<RecoveredCall?> resumed)
    {
        // Before anything this incarnation publishes: its log learns whose records to write.
        if (contents.Incarnation > 0 && Durability() is { } log)
        {
            log.Tell(new DomainProtocol.Serving(_settings.Domain, contents.Incarnation));
        }

        if (contents.Configuration is { } recorded)
        {
            _configuration = recorded;
            _catalog = new RoutingCatalog(recorded);
        }

        _dispatcher = Context.ActorOf(DispatcherActor.Props(_configuration, contents.FirstEpoch, _settings.Domain), "dispatcher");

        // A domain without its dispatcher cannot route: it fails with it (an unhandled Terminated).
        // Watching something also keeps Akka's full watch state in place, which an actor that
        // watches nothing rebuilds and throws away for every child that stops (every ended call).
        Context.Watch(_dispatcher);
        StartNewQueues();
        var loaded = _loading?.Elapsed;
        var recovered = Restore(contents, resumed);
        _ready = new DomainProtocol.Ready(recovered, contents.Agents.Count, contents.FirstEpoch);
        if (_journal is not null)
        {
            // The collections' share of it: what recovery builds survives, and each collection copies it.
            var took = string.Create(CultureInfo.InvariantCulture,
                $"journal read in {loaded!.Value.TotalMilliseconds:F0} ms, rebuilt in {(_loading!.Elapsed - loaded.Value).TotalMilliseconds:F0} ms, " +
                $"{GC.CollectionCount(0) - _collectionsBefore.Collections} collections pausing {(GC.GetTotalPauseDuration() - _collectionsBefore.Paused).TotalMilliseconds:F0} ms");
            _log.Info("Routing domain {0} recovered {1} calls and {2} agents ({3}); offers start at epoch {4}",
                _settings.Domain, recovered, contents.Agents.Count, took, contents.FirstEpoch);
        }

        Become(Serving);
        Stash?.UnstashAll();
        WakeMoreLater();
    }

    /// <summary>
    /// Rebuilds the calls (each from its events) and the agents (each from its last checkpoint),
    /// then hands the dispatcher the agents in the order they logged in and the waiting calls in the
    /// order they first reached routing, so every line comes back in its order. Returns the calls recovered.
    /// </summary>
    private int Restore(DomainJournalContents contents, IReadOnlyList<RecoveredCall?> resumed)
    {
        var calls = new Dictionary<CallId, (RecoveredCall Call, IActorRef Actor)>(resumed.Count);
        for (var i = 0; i < resumed.Count; i++)
        {
            var journal = contents.Calls[i];
            if (resumed[i] is not { } recovered)
            {
                continue;
            }

            if (recovered.State.Status == CallStatus.Ended)
            {
                // Its end was journaled but not its interaction's: answered from its final state, as any ended call.
                Retain(recovered.State);
                continue;
            }

            IActorRef actor;
            if (CallActor.CanStartLater(recovered))
            {
                CallActor.Announce(recovered, Context.System.EventStream, _settings.Domain, _queues);
                _dormant[journal.Call] = recovered;
                actor = StandInFor(journal.Call);
            }
            else
            {
                actor = Context.ActorOf(CallActor.Props(recovered, _dispatcher, _queues, _catalog, _settings), "call-" + _nextChild++);
                _calls[journal.Call] = actor;
            }

            calls[journal.Call] = (recovered, actor);
        }

        // Who talks on which call by the calls' journal, which wins over the agents' checkpoints.
        var talking = new Dictionary<AgentId, (CallAssignment Work, QueueId Queue, bool IsCallback, IActorRef Actor)>();
        foreach (var (id, call) in calls)
        {
            if (call.Call.State.Connection is { } connection)
            {
                talking[connection.Agent] = (new CallAssignment(id, connection.Epoch), call.Call.State.Queue, call.Call.IsCallback, call.Actor);
            }
        }

        var agents = new List<Dispatch.RestoredAgent>();
        var backups = new List<Dispatch.LoggedOutBackup>();
        foreach (var journaled in contents.Agents.OrderBy(c => c.LoggedInAt ?? DateTimeOffset.MinValue).ThenBy(c => c.State.Id, StringComparer.Ordinal))
        {
            var checkpoint = journaled;
            var id = checkpoint.Agent;
            // The call the agent talks to by the calls' journal: its call, or the offer whose answer the
            // journal holds while the agent's checkpoint after it was not written; or, when the checkpoint
            // lags further, a call it does not know yet.
            IActorRef? callActor = null;
            var held = checkpoint.State.CurrentCall ?? checkpoint.State.CurrentOffer;
            if (talking.TryGetValue(id, out var talk))
            {
                callActor = talk.Actor;
                if (held != talk.Work)
                {
                    held = talk.Work;
                    checkpoint = checkpoint with
                    {
                        State = AgentRecovery.CatchUp(checkpoint.State, talk.Work), WorkQueue = talk.Queue, WorkIsCallback = talk.IsCallback,
                    };
                }
            }

            var agent = Context.ActorOf(AgentActor.Props(checkpoint, callActor, _dispatcher, _settings.Agents), $"agent-{_nextChild++}");
            _agents[id] = agent;
            callActor?.Tell(new CallProtocol.AgentRestored(held!.Value.Call, id, agent));
            if (checkpoint.State.Status != AgentStatus.LoggedOut)
            {
                var profile = new AgentProfile { Id = id, Skills = checkpoint.State.Skills, Backup = checkpoint.Backup };
                agents.Add(new Dispatch.RestoredAgent(profile, agent, Staffed: checkpoint.State.Status != AgentStatus.NotReady));
            }
            else if (checkpoint.Backup is { } backup)
            {
                // The engine that stopped kept it from the agent's login: a call for the agent went to its backup.
                backups.Add(new Dispatch.LoggedOutBackup(id, backup));
            }
        }

        var waiting = calls.Values
            .Where(c => c.Call.Routing is not null)
            .OrderBy(c => c.Call.Routing!.RoutedSince)
            .ThenBy(c => c.Call.State.ArrivedAt)
            .ThenBy(c => c.Call.State.Id.Value, StringComparer.Ordinal)
            .Select(c => new Dispatch.RestoredWaitingCall(c.Call.Routing!, c.Actor, c.Call.IsCallback))
            .ToList();
        _dispatcher.Tell(new Dispatch.Restore(agents, backups, waiting));
        return calls.Count;
    }

    /// <summary>
    /// To the log of this node, which the domain's events went to: a command's answer reached the
    /// edge after its events reached the log, so this arrives there after them too. A node without
    /// a log (an actor system of the tests) has nothing to wait for.
    /// </summary>
    private void HandleWhenDurable(DomainProtocol.WhenDurable message)
    {
        if (Durability() is { } log)
        {
            log.Forward(message);
        }
        else
        {
            Sender.Tell(DomainProtocol.Durable.Instance);
        }
    }

    /// <summary>
    /// The domain moves to another node (this one leaves the cluster): it stops once what it logged
    /// is committed, so the next incarnation recovers from all of it and no late write of this one
    /// lands after the other has read the journal. What still arrives meanwhile is not carried out
    /// (its asker is answered by a timeout and tries again, reaching the domain on its new node).
    /// </summary>
    private void HandOff()
    {
        if (Durability() is not { } log)
        {
            Context.Stop(Self);
            return;
        }

        log.Tell(new DomainProtocol.WhenDurable([]));
        Become(() =>
        {
            // Stops whether the commit succeeded or not: a failed one is what a crash would have left.
            Receive<DomainProtocol.Committing>(m => m.Committed.ContinueWith(_ => DomainProtocol.Durable.Instance, TaskScheduler.Default).PipeTo(Self));
            Receive<DomainProtocol.Durable>(_ => Context.Stop(Self));
            ReceiveAny(_ => { });
        });
    }

    /// <summary>The log of this node, once it is registered; null on a node without one.</summary>
    private IActorRef? Durability()
    {
        if (_durability is null && ActorRegistry.For(Context.System).TryGet<DomainDurability>(out var log))
        {
            _durability = log;
        }

        return _durability;
    }

    /// <summary>New calls are checked against the new configuration; new queues get their actors.</summary>
    private void HandleReconfigured(Dispatch.Reconfigured message)
    {
        _configuration = message.Configuration;
        _catalog = new RoutingCatalog(_configuration);
        StartNewQueues();
    }

    /// <summary>Gives every queue of the configuration that has none yet its actor.</summary>
    private void StartNewQueues()
    {
        var threshold = _configuration.Tiers[0].ServiceLevelThreshold;
        foreach (var queue in _configuration.Queues.Where(q => !_queues.ContainsKey(q.Id)))
        {
            _queues[queue.Id] = Context.ActorOf(QueueActor.Props(queue, threshold, _dispatcher), $"queue-{_nextChild++}");
        }
    }

    private void HandleAgentMessage(IAgentMessage message)
    {
        if (Unknown(message) is { } refusal)
        {
            Sender.Tell(new CommandResult(refusal));
            return;
        }

        if (message is AgentProtocol.FinishWrapUp { Disposition: { } disposition } finish && !Knows(disposition.Call))
        {
            message = finish with { CallKnown = false };
        }

        if (!_agents.TryGetValue(message.Agent, out var agent))
        {
            // Agents are kept after they log out: their fairness counters must survive a new login.
            agent = Context.ActorOf(AgentActor.Props(message.Agent, _dispatcher, _settings.Agents), $"agent-{_nextChild++}");
            _agents[message.Agent] = agent;
        }

        agent.Forward(message);
    }

    /// <summary>
    /// A softphone's or gateway's command naming an agent that never logged in, or a call the domain
    /// does not know (never arrived, or ended longer ago than it keeps ended calls): NOT_FOUND, the
    /// same for every command. Only a log-in brings a new agent.
    /// </summary>
    private Outcome? Unknown(IAgentMessage message)
    {
        if (message is not AgentProtocol.IForKnownAgent)
        {
            return null;
        }

        if (!_agents.ContainsKey(message.Agent))
        {
            return Outcome.NotFound("agentId", $"agent '{message.Agent}' has never logged in");
        }

        var call = message switch
        {
            AgentProtocol.Accept m => m.Call,
            AgentProtocol.Reject m => m.Call,
            AgentProtocol.HangUp m => m.Call,
            _ => (CallId?)null,
        };
        return call is { } named && !Knows(named) ? Outcome.NotFound("callId", $"call '{named}' is not known") : null;
    }

    /// <summary>A transfer from or to an agent that never logged in: NOT_FOUND, as for any command naming one.</summary>
    private Outcome? UnknownAgentOf(CallProtocol.Transfer transfer) =>
        !_agents.ContainsKey(transfer.From) ? Outcome.NotFound("from", $"agent '{transfer.From}' has never logged in")
        : transfer.ToAgent is { } to && !_agents.ContainsKey(to) ? Outcome.NotFound("target", $"agent '{to}' has never logged in")
        : null;

    /// <summary>Whether the call is here, waiting to be started, or ended recently; asking does not start it.</summary>
    private bool Knows(CallId call) => _calls.ContainsKey(call) || _dormant.ContainsKey(call) || _ended.ContainsKey(call);

    /// <summary>A message that may start a call: refused here, before any actor exists, if it is bad.</summary>
    private void ForNewOrKnownCall(CallId id, ICallMessage message, Outcome? problem)
    {
        if (AnsweredAfterEnd(message))
        {
            return;
        }

        if (CallFor(id, create: false) is null && problem is { } refusal)
        {
            Sender.Tell(new CommandResult(refusal));
            return;
        }

        CallFor(id, create: true)!.Forward(message);
    }

    private void HandleCallMessage(ICallMessage message)
    {
        if (message is CallProtocol.Transfer transfer && Knows(transfer.Call) && UnknownAgentOf(transfer) is { } unknown)
        {
            Sender.Tell(new CommandResult(unknown));
            return;
        }

        if (CallFor(message.Call, create: false) is { } call)
        {
            call.Forward(message);
            return;
        }

        if (AnsweredAfterEnd(message))
        {
            return;
        }

        Sender.Tell(message is CallProtocol.GetState
            ? new Status.Failure(new KeyNotFoundException($"call '{message.Call}' is not known"))
            : new CommandResult(Outcome.NotFound("callId", $"call '{message.Call}' is not known")));
    }

    /// <summary>A message for an ended call is answered from its final state, as its actor would have answered.</summary>
    private bool AnsweredAfterEnd(ICallMessage message)
    {
        if (!_ended.TryGetValue(message.Call, out var final))
        {
            return false;
        }

        if (CallActor.AnswerAfterEnd(final.ToState(), message, Context.System.Scheduler.Now) is { } answer)
        {
            Sender.Tell(answer);
        }
        else
        {
            Unhandled(message);
        }

        return true;
    }

    private void HandleQueueMessage(QueueProtocol.IQueueMessage message)
    {
        if (_queues.TryGetValue(message.Queue, out var queue))
        {
            queue.Forward(message);
        }
        else if (message is QueueProtocol.GetSnapshot)
        {
            Sender.Tell(new Status.Failure(new KeyNotFoundException($"queue '{message.Queue}' is not known")));
        }
    }

    private IActorRef? CallFor(CallId id, bool create)
    {
        if (_calls.TryGetValue(id, out var call))
        {
            return call;
        }

        if (WakeIfDormant(id) is { } woken)
        {
            return woken;
        }

        if (!create)
        {
            return null;
        }

        // Not watched: a call actor stops only when its domain stops it, at the end (a failure restarts it),
        // and a watch per call costs a death-watch entry and two system messages.
        call = Context.ActorOf(CallActor.Props(id, _dispatcher, _queues, _catalog, _settings), "call-" + _nextChild++);
        _calls[id] = call;
        return call;
    }

    /// <summary>
    /// Starts the actor of a recovered call that waits without one (its recovery was published when it
    /// was taken back); null when the call has none to start.
    /// </summary>
    private IActorRef? WakeIfDormant(CallId id)
    {
        if (!_dormant.Remove(id, out var recovered))
        {
            return null;
        }

        var actor = Context.ActorOf(CallActor.Props(recovered, _dispatcher, _queues, _catalog, _settings, announced: true), "call-" + _nextChild++);
        _calls[id] = actor;
        _woken[id] = actor;
        return actor;
    }

    /// <summary>
    /// A message sent to a recovered call's stand-in goes to the actor started for it (now, if it has
    /// none yet). Once that call has ended, it goes nowhere, as it would to a stopped actor.
    /// </summary>
    private void HandleForDormantCall(ForDormantCall message)
    {
        WakeIfDormant(message.Call);
        if (_woken.TryGetValue(message.Call, out var actor))
        {
            actor.Tell(message.Message, Sender);
        }
    }

    /// <summary>
    /// A recovered call's stand-in, registered with the provider under a temporary path: a reference to
    /// it written into a message (an offer to an agent) resolves to this very stand-in again.
    /// </summary>
    private DormantCallRef StandInFor(CallId call)
    {
        var provider = Provider;
        var standIn = new DormantCallRef(Self, call, provider.TempPath(), provider);
        provider.RegisterTempActor(standIn, standIn.Path);
        _standIns[call] = standIn;
        return standIn;
    }

    /// <summary>
    /// The call ended: its stand-in is no longer found by its path. Whoever holds it may still tell it,
    /// and that goes nowhere, as it would to the stopped actor.
    /// </summary>
    private void ReleaseStandIn(CallId call)
    {
        if (_standIns.Remove(call, out var standIn))
        {
            Provider.UnregisterTempActor(standIn.Path);
        }
    }

    /// <summary>Starts the actors of some of the calls still without one, then lets other messages through before the next.</summary>
    private void WakeSomeDormantCalls()
    {
        foreach (var call in _dormant.Keys.Take(_settings.RecoveredCallsStartedAtOnce).ToList())
        {
            WakeIfDormant(call);
        }

        WakeMoreLater();
    }

    /// <summary>Asks for the next start of calls without actors, unless none is left or they start only when needed.</summary>
    private void WakeMoreLater()
    {
        if (_dormant.Count > 0 && _settings.RecoveredCallsStartedAtOnce > 0)
        {
            Self.Tell(WakeDormantCalls.Instance);
        }
    }

    private void HandleRetired(CallProtocol.Retired message)
    {
        _ended.Remove(message.Call);
        if (_calls.Remove(message.Call, out var call))
        {
            _woken.Remove(message.Call);
            ReleaseStandIn(message.Call);
            call.Tell(PoisonPill.Instance);
        }
    }

    /// <summary>
    /// The call ended, and its dispatcher has let go of it (this comes through the dispatcher): its
    /// final state is kept for the retention, and its actor stops after what was already sent to it.
    /// The retention is the same for every call, so ends queue in order.
    /// </summary>
    private void HandleFinished(CallProtocol.Finished message)
    {
        // Only the actor that ended: a call retired early and then started again under its id is another actor.
        if (!_calls.TryGetValue(message.Call, out var call) || !call.Equals(Sender))
        {
            return;
        }

        _calls.Remove(message.Call);
        _woken.Remove(message.Call);
        ReleaseStandIn(message.Call);
        call.Tell(PoisonPill.Instance);
        Retain(message.Final);
    }

    /// <summary>Keeps an ended call's final state for the retention; ends queue in order, since the retention is the same for all.</summary>
    private void Retain(CallState ended)
    {
        var final = EndedCall.Of(ended);
        _ended[ended.Id] = final;
        _retained.Enqueue((Context.System.Scheduler.Now + _settings.EndedCallRetention, final));
        if (_retained.Count == 1)
        {
            Timers.StartSingleTimer(RetireTimer, RetireDue.Instance, _settings.EndedCallRetention);
        }
    }

    private void HandleRetireDue()
    {
        var now = Context.System.Scheduler.Now;
        while (_retained.TryPeek(out var retained) && retained.Due <= now)
        {
            _retained.Dequeue();

            // Only that end: a call retired early, started again under its id and ended again is kept anew.
            if (_ended.TryGetValue(retained.Final.Id, out var final) && final == retained.Final)
            {
                _ended.Remove(retained.Final.Id);
            }
        }

        if (_retained.TryPeek(out var next))
        {
            Timers.StartSingleTimer(RetireTimer, RetireDue.Instance, next.Due - now);
        }
    }

    // Piped to the domain itself when its journal is read: the whole journal, which never leaves the node.
    private sealed record JournalLoaded(DomainJournalContents Contents) : INoSerializationVerificationNeeded;

    /// <summary>What was sent to a recovered call's stand-in, with the call it is for.</summary>
    /// <remarks>From the stand-in to its own domain; the message inside is checked when it is handed on.</remarks>
    private sealed record ForDormantCall(CallId Call, object Message) : INoSerializationVerificationNeeded;

    // Sent by the domain to itself only.
    private sealed record WakeDormantCalls : INoSerializationVerificationNeeded
    {
        public static readonly WakeDormantCalls Instance = new();

        private WakeDormantCalls()
        {
        }
    }

    /// <summary>
    /// Stands in for a recovered waiting call's actor until it starts: the dispatcher (and the agents
    /// it offers the call to) hold it, and what they send goes through the domain, which starts the
    /// actor first. It stays the call's reference for them, so their messages keep their order. Its
    /// path is a temporary one of the provider's (<see cref="StandInFor"/>).
    /// </summary>
    private sealed class DormantCallRef(IActorRef domain, CallId call, ActorPath path, IActorRefProvider provider) : MinimalActorRef
    {
        public override ActorPath Path { get; } = path;

        public override IActorRefProvider Provider => provider;

        protected override void TellInternal(object message, IActorRef sender) => domain.Tell(new ForDormantCall(call, message), sender);
    }

    // Piped to the domain itself, with an exception.
    private sealed record JournalFailed(Exception Error) : INoSerializationVerificationNeeded;

    /// <summary>The journal, and each of its calls as its replay left it (null: nothing to take back).</summary>
    /// <remarks>Piped to the domain itself from the replay on the thread pool.</remarks>
    private sealed record CallsResumed(DomainJournalContents Contents, IReadOnlyList<RecoveredCall?> Calls) : INoSerializationVerificationNeeded;

    private sealed record RetryRecovery
    {
        public static readonly RetryRecovery Instance = new();

        private RetryRecovery()
        {
        }
    }

    private sealed record RetireDue
    {
        public static readonly RetireDue Instance = new();

        private RetireDue()
        {
        }
    }
}
