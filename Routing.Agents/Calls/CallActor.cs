using Akka.Actor;
using CallCenter.Routing.Agents.AgentActors;
using CallCenter.Routing.Agents.Dispatching;
using CallCenter.Routing.Agents.Domain;
using CallCenter.Routing.Agents.Queues;
using CallCenter.Routing.Lifecycle;
using CallCenter.Routing.Matching;
using CallCenter.Routing.Model;
using CallCenter.Routing.Statistics;

namespace CallCenter.Routing.Agents.Calls;

/// <summary>
/// One call: a shell around the call state machine. It owns the call's lifecycle, its timers
/// (announcements, callback due and lateness, transfer timeout) and the order of its events,
/// which it numbers and publishes. The answer that connects the call is fenced here too: an
/// answer naming any offer but the ringing one is refused, so no call is connected twice, and
/// none is connected after it ended.
/// </summary>
public sealed class CallActor : UntypedActor, IWithTimers
{
    private const string AnnounceTimer = "announce";
    private const string CallbackDueTimer = "callback-due";
    private const string CallbackLateTimer = "callback-late";
    private const string TransferTimer = "transfer";

    private readonly IActorRef _dispatcher;
    private readonly IReadOnlyDictionary<QueueId, IActorRef> _queues;
    private readonly RoutingCatalog _catalog;
    private readonly DomainSettings _settings;
    private CallState _state;

    /// <summary>Actors of the agents rung for or connected to the call, by agent; made at the first offer, which most of a long line waits for.</summary>
    private Dictionary<AgentId, IActorRef>? _agents;

    /// <summary>The queue the statistics last counted the call into.</summary>
    private QueueId? _countedIn;

    public CallActor(CallId id, IActorRef dispatcher, IReadOnlyDictionary<QueueId, IActorRef> queues, RoutingCatalog catalog, DomainSettings settings)
    {
        _dispatcher = dispatcher;
        _queues = queues;
        _catalog = catalog;
        _settings = settings;
        _state = CallState.New(id);
    }

    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>For a call actor started after a restart: what it was rebuilt from, published in PreStart.</summary>
    private RecoveredCall? _recovered;

    /// <summary>Its recovery was published (and counted in its queue) before its actor started: see <see cref="CanStartLater"/>.</summary>
    private bool _announced;

    /// <summary>
    /// A call taken back after a restart: its actor starts from the recovered state, publishes what
    /// its recovery decided and sets its timers again. Its routing is restored by the dispatcher (in
    /// the calls' original order), and its agents' actors are made known with <see cref="CallProtocol.AgentRestored"/>.
    /// </summary>
    /// <param name="announced">The recovery was published already (<see cref="Announce"/>): the actor only takes the call up.</param>
    public static Props Props(
        RecoveredCall recovered, IActorRef dispatcher, IReadOnlyDictionary<QueueId, IActorRef> queues, RoutingCatalog catalog, DomainSettings settings,
        bool announced = false) =>
        ActorFactory<CallActor>.Props(() => new CallActor(recovered.State.Id, dispatcher, queues, catalog, settings)
        {
            _state = recovered.State,
            _recovered = recovered,
            _announced = announced,
        }).WithMailbox(CompactMailbox.Id);

    /// <summary>
    /// Whether a recovered call's actor may start when it is first needed rather than with the
    /// recovery: a call only waiting in its queue, whose recovery decided nothing to tell, with no
    /// timer of its own due but its announcements. Its recovery is then published with <see cref="Announce"/>.
    /// </summary>
    public static bool CanStartLater(RecoveredCall recovered) =>
        recovered.State.Status == CallStatus.Queued && recovered.Events.Count == 0 && recovered.State.CallbackDueAt is null;

    /// <summary>What a recovered call's actor publishes when it starts, published for it by whoever holds it until then.</summary>
    public static void Announce(RecoveredCall recovered, Akka.Event.EventStream events, string domain, IReadOnlyDictionary<QueueId, IActorRef> queues)
    {
        events.Publish(domain, new CallProtocol.Recovered(recovered.State.Id, recovered.Replayed));
        if (IsCounted(recovered.State) && queues.TryGetValue(recovered.State.Queue, out var queue))
        {
            queue.Tell(new QueueProtocol.Record(new QueueFact.Entered(recovered.State.Queue)));
        }
    }

    /// <summary>A recovered call the queue statistics count as waiting (or rung) in its queue.</summary>
    private static bool IsCounted(CallState state) =>
        state.AnsweredAt is null && (state.IsWaiting || state.Status == CallStatus.Ringing);

    protected override void PreStart()
    {
        if (_recovered is not { } recovered)
        {
            return;
        }

        _recovered = null;
        if (_announced)
        {
            _countedIn = IsCounted(_state) ? _state.Queue : null;
        }
        else
        {
            Context.System.EventStream.Publish(_settings.Domain, new CallProtocol.Recovered(_state.Id, recovered.Replayed));
            foreach (var callEvent in recovered.Events)
            {
                Context.System.EventStream.Publish(_settings.Domain, callEvent);
            }

            if (IsCounted(_state))
            {
                Count(_state.Queue);
            }
        }

        if (_state.Status == CallStatus.Queued)
        {
            Timers.StartPeriodicTimer(AnnounceTimer, CallProtocol.Announce.Instance, _settings.AnnouncementInterval);
        }

        if (_state.CallbackDueAt is { } due && _state.Status is CallStatus.CallbackScheduled or CallStatus.CallbackRequested)
        {
            if (_state.Status == CallStatus.CallbackScheduled)
            {
                Timers.StartSingleTimer(CallbackDueTimer, CallProtocol.CallbackDueNow.Instance, Later(due));
            }

            if (!_state.CallbackLate)
            {
                Timers.StartSingleTimer(CallbackLateTimer, CallProtocol.CheckCallbackLate.Instance, Later(due + _settings.CallbackLateAfter));
            }
        }
    }

    /// <summary>The call ended while handling the current message: routing is told once it is handled.</summary>
    private bool _finished;

    /// <summary>How long until <paramref name="at"/>; zero when it has passed.</summary>
    private TimeSpan Later(DateTimeOffset at) => at > Now ? at - Now : TimeSpan.Zero;

    /// <summary>
    /// The one actor of which there is one per call, up to hundreds of thousands waiting at once:
    /// a switch over its named handlers instead of a ReceiveActor's registrations, which would
    /// build about 800 bytes of handler objects for every call it starts.
    /// </summary>
    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case ICallMessage gateway:
                HandleGatewayMessage(gateway);
                break;
            case CallProtocol.Routed routed:
                HandleRouted(routed);
                break;
            case CallProtocol.RoutingRefused refused:
                HandleRoutingRefused(refused);
                break;
            case CallProtocol.Connect connect:
                HandleConnect(connect);
                break;
            case CallProtocol.AgentEnded ended:
                Execute(new CallCommand.AgentHungUp(ended.Agent));
                break;
            case Dispatch.WaitEstimateReply estimate:
                HandleEstimate(estimate);
                break;
            case CallProtocol.AgentRestored restored:
                (_agents ??= [])[restored.Agent] = restored.AgentActor;
                break;
            case CallProtocol.ICallTimer timer:
                HandleTimer(timer);
                break;
            default:
                Unhandled(message);
                break;
        }

        if (_finished)
        {
            // Routing hears of the end only once the message is handled: the agents the handler told
            // why (the caller hung up, the callback was called off) hear it before routing tells them
            // that the call went, and only the first word an agent hears of it counts.
            _finished = false;
            _dispatcher.Tell(new CallProtocol.Finished(_state.Id, _state));
        }
    }

    public static Props Props(
        CallId id, IActorRef dispatcher, IReadOnlyDictionary<QueueId, IActorRef> queues, RoutingCatalog catalog, DomainSettings settings) =>
        ActorFactory<CallActor>.Props(() => new CallActor(id, dispatcher, queues, catalog, settings)).WithMailbox(CompactMailbox.Id);

    private DateTimeOffset Now => Context.System.Scheduler.Now;

    /// <summary>What is wrong with a new call, naming the field; null when it can be routed.</summary>
    public static Outcome? Check(CallProtocol.Arrive message, RoutingCatalog catalog) => catalog.Validate(new CallRequest
    {
        Id = message.Call,
        Queue = message.Queue,
        Tier = message.Tier,
        ExtraSkills = message.ExtraSkills ?? [],
    });

    /// <summary>What is wrong with a new scheduled callback, naming the field; null when it can be kept.</summary>
    public static Outcome? Check(CallProtocol.ScheduleCallback message, RoutingCatalog catalog, DateTimeOffset now) =>
        catalog.Validate(new CallRequest { Id = message.Call, Queue = message.Queue, Tier = message.Tier })
        ?? (message.DueAt <= now ? Outcome.Invalid("dueAt", "must be in the future") : null);

    /// <summary>
    /// What an ended call answers, from its final state alone: a repeat changes nothing, a wish to
    /// move the call on is refused. Its actor and its domain (which keeps only the final state once
    /// the actor is gone) answer with this one function, so an answer never depends on which of
    /// the two a message reached.
    /// </summary>
    internal static object? AnswerAfterEnd(CallState ended, ICallMessage message, DateTimeOffset now)
    {
        CallCommand? command = message switch
        {
            CallProtocol.Arrive m => new CallCommand.Arrive(m.Queue, m.Tier, m.Emergency, m.PreferredAgent, m.ExtraSkills ?? [], m.ArrivedAt),
            CallProtocol.HangUp => CallCommand.CallerHungUp.Instance,
            CallProtocol.RequestCallback => CallCommand.RequestCallback.Instance,
            CallProtocol.ScheduleCallback m => new CallCommand.ScheduleCallback(m.DueAt),
            CallProtocol.CancelCallback => CallCommand.CancelCallback.Instance,
            _ => null,
        };

        return message switch
        {
            CallProtocol.GetState => ended,

            // Nobody is on an ended call, so nobody can transfer it.
            CallProtocol.Transfer m => new CommandResult(Outcome.Conflict("from", $"agent '{m.From}' is not on call '{ended.Id}'")),
            _ => command is null ? null : CommandResult.Of(CallLifecycle.Decide(ended, command, now).Outcome),
        };
    }

    private void HandleGatewayMessage(ICallMessage message)
    {
        if (_state.Status == CallStatus.Ended)
        {
            // Forwarded before the domain learnt of the end: answered as the domain now answers.
            if (AnswerAfterEnd(_state, message, Now) is { } answer)
            {
                Sender.Tell(answer);
            }
            else
            {
                Unhandled(message);
            }

            return;
        }

        switch (message)
        {
            case CallProtocol.Arrive arrive:
                HandleArrive(arrive);
                break;
            case CallProtocol.HangUp:
                EndFromOutside(CallCommand.CallerHungUp.Instance, WithdrawalReason.CallerHungUp);
                break;
            case CallProtocol.RequestCallback:
                var asked = Execute(CallCommand.RequestCallback.Instance);
                if (asked.Code == OutcomeCode.Ok)
                {
                    _dispatcher.Tell(new Dispatch.BecameCallback(_state.Id));
                }

                Reply(asked);
                break;
            case CallProtocol.ScheduleCallback schedule:
                HandleScheduleCallback(schedule);
                break;
            case CallProtocol.CancelCallback:
                EndFromOutside(CallCommand.CancelCallback.Instance, WithdrawalReason.CallbackCancelled);
                break;
            case CallProtocol.Transfer transfer:
                HandleTransfer(transfer);
                break;
            case CallProtocol.GetState:
                Sender.Tell(_state);
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private void HandleTimer(CallProtocol.ICallTimer timer)
    {
        switch (timer)
        {
            case CallProtocol.Announce:
                HandleAnnounce();
                break;
            case CallProtocol.CallbackDueNow:
                HandleCallbackDue();
                break;
            case CallProtocol.CheckCallbackLate:
                Execute(new CallCommand.CallbackLate(_settings.CallbackLateAfter));
                break;
            case CallProtocol.TransferTimedOut timedOut:
                HandleTransferTimedOut(timedOut);
                break;
        }
    }

    private void HandleArrive(CallProtocol.Arrive message)
    {
        var outcome = Execute(new CallCommand.Arrive(message.Queue, message.Tier, message.Emergency, message.PreferredAgent, message.ExtraSkills ?? [], message.ArrivedAt));
        if (outcome.Code == OutcomeCode.Ok)
        {
            Route();
        }

        Reply(outcome);
    }

    private void HandleScheduleCallback(CallProtocol.ScheduleCallback message)
    {
        if (_state.Status == CallStatus.New)
        {
            Execute(new CallCommand.Arrive(message.Queue, message.Tier, false, message.PreferredAgent, [], null));
        }

        var wasInLine = _state.IsWaiting;
        var outcome = Execute(new CallCommand.ScheduleCallback(message.DueAt));
        if (outcome.Code == OutcomeCode.Ok)
        {
            if (wasInLine)
            {
                // Out of line until the appointment.
                _dispatcher.Tell(new Dispatch.CallGone(_state.Id));
            }

            Timers.StartSingleTimer(CallbackDueTimer, CallProtocol.CallbackDueNow.Instance, message.DueAt - Now);
            Timers.StartSingleTimer(CallbackLateTimer, CallProtocol.CheckCallbackLate.Instance, message.DueAt + _settings.CallbackLateAfter - Now);
        }

        Reply(outcome);
    }

    private void HandleCallbackDue()
    {
        if (Execute(CallCommand.CallbackDue.Instance).Code == OutcomeCode.Ok)
        {
            Route();
        }
    }

    /// <summary>
    /// The call ends from outside, for <paramref name="reason"/>: the caller hung up, or the customer
    /// called off a callback waiting in line or ringing an agent. Routing and the agents involved are told.
    /// </summary>
    private void EndFromOutside(CallCommand command, WithdrawalReason reason)
    {
        var before = _state;
        var outcome = Execute(command);
        if (outcome.Code == OutcomeCode.Ok)
        {
            LetGo(before, reason);
        }

        Reply(outcome);
    }

    /// <summary>
    /// The caller is gone: every agent rung for or connected to the call is told why, then routing.
    /// The agents first: routing tells an agent its offer rang for a call that went, without knowing
    /// why, and only the first word an agent hears of it counts.
    /// </summary>
    private void LetGo(CallState before, WithdrawalReason reason)
    {
        TellAgent(before.Offer, a => new AgentProtocol.CallerLeft(a.Agent, _state.Id, a.Epoch) { Reason = reason });
        TellAgent(before.Connection, a => new AgentProtocol.CallerLeft(a.Agent, _state.Id, a.Epoch) { Reason = reason });
        TellAgent(before.Transfer?.TargetOffer, a => new AgentProtocol.CallerLeft(a.Agent, _state.Id, a.Epoch) { Reason = reason });
        if (before.IsWaiting || before.Status == CallStatus.Ringing || before.Transfer?.TargetOffer is not null || before.Transfer is { Kind: TransferKind.Blind })
        {
            _dispatcher.Tell(new Dispatch.CallGone(_state.Id));
        }
    }

    private void HandleTransfer(CallProtocol.Transfer message)
    {
        if (_state.Connection is not { } connection || connection.Agent != message.From)
        {
            Reply(Outcome.Conflict("from", $"agent '{message.From}' is not on call '{_state.Id}'"));
            return;
        }

        if (message.ToQueue is null == message.ToAgent is null)
        {
            Reply(Outcome.Invalid("target", "name exactly one of a queue or an agent"));
            return;
        }

        if (message.ToQueue is { } queue && !_catalog.HasQueue(queue))
        {
            Reply(Outcome.NotFound("target.queue", $"unknown queue '{queue}'"));
            return;
        }

        var target = message.ToQueue is { } toQueue ? TransferTarget.ToQueue(toQueue) : TransferTarget.ToAgent(message.ToAgent!.Value);
        var outcome = Execute(new CallCommand.RequestTransfer(message.Kind, target));
        if (outcome.Code == OutcomeCode.Ok)
        {
            if (message.Kind == TransferKind.Blind)
            {
                // The agent hands the call over and is free of it; the caller waits for the target.
                TellAgent(connection, a => new AgentProtocol.CallerLeft(a.Agent, _state.Id, a.Epoch));
            }

            Timers.StartSingleTimer(TransferTimer, new CallProtocol.TransferTimedOut(_state.LastSequence), _settings.TransferTimeout);
            Route(preferred: message.ToAgent);
        }

        Reply(outcome);
    }

    private void HandleTransferTimedOut(CallProtocol.TransferTimedOut message)
    {
        if (_state.Transfer is not { Kind: TransferKind.Consultative } transfer)
        {
            return;
        }

        // Nobody took the consultation in time: the caller stays with the first agent.
        TellAgent(transfer.TargetOffer, a => new AgentProtocol.CallerLeft(a.Agent, _state.Id, a.Epoch));
        if (Execute(new CallCommand.TransferFailed("no one answered in time")).Code == OutcomeCode.Ok)
        {
            _dispatcher.Tell(new Dispatch.CallGone(_state.Id));
        }
    }

    private void HandleRouted(CallProtocol.Routed message)
    {
        switch (message.Event)
        {
            case CallQueued queued:
                Count(queued.Queue);
                if (Execute(new CallCommand.Queued(queued.Queue, queued.Position, queued.EstimatedWait)).Code == OutcomeCode.Ok)
                {
                    Timers.StartPeriodicTimer(AnnounceTimer, CallProtocol.Announce.Instance, _settings.AnnouncementInterval);
                }

                break;
            case CallOffered offered:
                Count(offered.Queue);
                if (message.Agent is not null)
                {
                    (_agents ??= [])[offered.Agent] = message.Agent;
                }

                Execute(new CallCommand.Offered(offered.Agent, offered.Epoch));
                break;
            case OfferReturned returned:
                Execute(new CallCommand.OfferReturned(returned.Epoch, returned.Reason));
                break;
            case CallOverflowed overflowed:
                Execute(new CallCommand.Overflowed(overflowed.From, overflowed.To, overflowed.Reason));
                break;
            case CallRefused refused:
                HandleQueueRefusal(refused);
                break;
            case LongWaitCrossed mark:
                Execute(new CallCommand.LongWaitCrossed(mark.Threshold));
                break;
            case CallPromoted:
                Execute(CallCommand.Promoted.Instance);
                break;
            case OverflowRefused refusedOverflow:
                Execute(new CallCommand.OverflowRefused(refusedOverflow.Queue, refusedOverflow.RefusedBy, refusedOverflow.Reason));
                break;
            case HeldForAgent held:
                Execute(new CallCommand.HeldForAgent(held.Agent, held.Rule == MatchRule.BackupAgent));
                break;
            case PreferenceExpired expired:
                Execute(new CallCommand.PreferenceExpired(expired.Agent));
                break;
            default:
                Context.System.EventStream.Publish(_settings.Domain, new CallProtocol.Notice(message.Event));
                break;
        }
    }

    private void HandleQueueRefusal(CallRefused refused)
    {
        var reason = QueueRefusalReasons.Of(refused.Reason);
        var outcome = Execute(new CallCommand.Refused(refused.Queue, reason, refused.CallbackOffered));
        if (outcome is { Code: OutcomeCode.Conflict, Field: "transfer" })
        {
            // The transfer's target turned the call away: the transfer fails, the call goes back.
            if (Execute(new CallCommand.TransferFailed($"queue '{refused.Queue}' refused the call: {reason}")).Code == OutcomeCode.Ok && _state.IsWaiting)
            {
                Route();
            }
        }
    }

    private void HandleRoutingRefused(CallProtocol.RoutingRefused message)
    {
        // Checked before routing, so this means the call reached the engine twice: nothing to undo.
        Context.System.EventStream.Publish(_settings.Domain, message);
    }

    /// <summary>
    /// An agent that accepted an offer asks to be connected, and waits for this answer before it goes on
    /// the call: only the offer ringing now connects, so an answer that crossed the caller's hang-up is
    /// refused here and the agent's offer ends as withdrawn, never as a call.
    /// </summary>
    private void HandleConnect(CallProtocol.Connect message)
    {
        var before = _state;
        var command = before.Transfer is { Kind: TransferKind.Consultative, TargetOffer: { } target } && target.Epoch == message.Epoch
            ? new CallCommand.TransferCompleted(message.Agent, message.Epoch)
            : (CallCommand)new CallCommand.Answered(message.Agent, message.Epoch);
        var outcome = Execute(command);
        if (outcome.Code == OutcomeCode.Ok)
        {
            Connected(before, message.Agent);
        }

        // A refused offer is over here: ended with the call, or moved on (the call told the agent already).
        var reason = _state.Status == CallStatus.Ended ? WithdrawalReasons.OfCallEnd(_state.Outcome) : WithdrawalReason.CallTakenBack;
        Sender.Tell(new AgentProtocol.ConnectReply(_state.Id, message.Epoch, outcome) { Reason = reason });
    }

    private void Connected(CallState before, AgentId agent)
    {
        (_agents ??= [])[agent] = Sender;
        Timers.Cancel(AnnounceTimer);
        if (before.AnsweredAt is null && _countedIn is { } queue)
        {
            Record(new QueueFact.Answered(queue, Now - before.ArrivedAt));
        }

        if (before.Transfer is { } transfer)
        {
            Timers.Cancel(TransferTimer);
            if (transfer.Kind == TransferKind.Consultative)
            {
                // The target took over: the first agent leaves the call.
                TellAgent(before.Connection, a => new AgentProtocol.CallerLeft(a.Agent, _state.Id, a.Epoch));
            }
        }
    }

    private void HandleAnnounce()
    {
        if (_state.Status != CallStatus.Queued)
        {
            Timers.Cancel(AnnounceTimer);
            return;
        }

        _dispatcher.Tell(new Dispatch.EstimateWait(_state.Id));
    }

    private void HandleEstimate(Dispatch.WaitEstimateReply reply)
    {
        if (reply.Estimate is { } estimate && _state.Status == CallStatus.Queued)
        {
            Execute(new CallCommand.PositionAnnounced(estimate.Position, estimate.EstimatedWait));
        }
    }

    /// <summary>Asks the dispatcher to place the call (again), keeping its tier and arrival time.</summary>
    private void Route(AgentId? preferred = null) =>
        _dispatcher.Tell(new Dispatch.RouteCall(CallRouting.RequestFor(_state, preferred), Self) { IsCallback = _state.IsCallback });

    /// <summary>Runs a command through the state machine and publishes its events, in order.</summary>
    private Outcome Execute(CallCommand command)
    {
        var before = _state;
        var decision = CallLifecycle.Decide(_state, command, Now);
        if (decision.Events.Count == 0)
        {
            return decision.Outcome;
        }

        _state = decision.State;
        var events = decision.Events;
        for (var i = 0; i < events.Count; i++)
        {
            // Indexed: a foreach over the interface would allocate an enumerator for every command.
            var callEvent = events[i];
            Context.System.EventStream.Publish(_settings.Domain, callEvent);
            if (callEvent is CallEvent.Ended ended)
            {
                Finish(before, ended);
            }
        }

        return decision.Outcome;
    }

    private void Finish(CallState before, CallEvent.Ended ended)
    {
        Timers.CancelAll();
        if (_countedIn is { } queue)
        {
            if (ended.Outcome is CallOutcome.AbandonedWhileWaiting or CallOutcome.AbandonedWhileRinging)
            {
                Record(new QueueFact.Abandoned(queue, Now - before.ArrivedAt));
            }
            else if (before.AnsweredAt is null && ended.Outcome is not CallOutcome.Answered and not CallOutcome.CallbackCompleted)
            {
                Record(new QueueFact.Left(queue));
            }
        }

        // Through the dispatcher, which lets go of the call first; then the domain keeps the final
        // state for the retention and stops this actor. Told at the end of the message (OnReceive).
        _finished = true;
    }

    /// <summary>Counts the call into a queue's statistics the first time it is placed there.</summary>
    private void Count(QueueId queue)
    {
        if (_countedIn == queue || _state.AnsweredAt is not null)
        {
            return;
        }

        if (_countedIn is { } previous)
        {
            Record(new QueueFact.Left(previous));
        }

        _countedIn = queue;
        Record(new QueueFact.Entered(queue));
    }

    private void Record(QueueFact fact)
    {
        if (_queues.TryGetValue(fact.Queue, out var queue))
        {
            queue.Tell(new QueueProtocol.Record(fact));
        }
    }

    private void TellAgent(AgentAssignment? assignment, Func<AgentAssignment, object> message)
    {
        if (assignment is { } a && _agents is not null && _agents.TryGetValue(a.Agent, out var agent))
        {
            agent.Tell(message(a));
        }
    }

    private void Reply(Outcome outcome) => Sender.Tell(CommandResult.Of(outcome));
}
