using Akka.Actor;
using Akka.Event;
using CallCenter.Routing.Agents.Calls;
using CallCenter.Routing.Agents.Dispatching;
using CallCenter.Routing.Agents.Domain;
using CallCenter.Routing.Lifecycle;
using CallCenter.Routing.Matching;
using CallCenter.Routing.Model;

namespace CallCenter.Routing.Agents.AgentActors;

/// <summary>Per-agent settings the actor needs beyond the state machine's policy.</summary>
public sealed record AgentSettings
{
    public AgentPolicy Policy { get; init; } = AgentPolicy.Default;

    /// <summary>How long an offer rings before it is taken back and the agent goes not ready.</summary>
    public TimeSpan RingTimeout { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>A subscribed softphone silent this long is taken as lost.</summary>
    public TimeSpan HeartbeatTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a lost softphone may take to come back before the agent goes not ready.</summary>
    public TimeSpan SoftphoneGracePeriod { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long an accept waits for its call to say whether it connected. The call answers at once, or
    /// has told the agent it left; this only keeps the agent from waiting for ever should neither come.
    /// </summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The not-ready reason of an agent whose softphone did not come back.</summary>
    public const string SoftphoneLostReason = "softphone-lost";

    /// <summary>The routing domain the agent works in, which marks what it publishes.</summary>
    public string Domain { get; init; } = DomainEvents.DefaultDomain;
}

/// <summary>
/// One agent: a shell around the agent state machine. It is the only one that can accept an
/// offer for its agent, and it checks the offer's epoch, so a stale or repeated answer
/// changes nothing. An accept goes on the call only once the call has connected it: a caller
/// who hung up a moment before is never connected. It owns the fairness counters and hands
/// them to the dispatcher each time the agent becomes free.
/// </summary>
public sealed class AgentActor : UntypedActor, IWithTimers, IWithUnboundedStash
{
    private const string RingTimer = "ring";
    private const string ConnectTimer = "connect";
    private const string WrapUpTimer = "wrap-up";
    private const string HeartbeatTimer = "heartbeat";
    private const string GraceTimer = "softphone-grace";

    private readonly IActorRef _dispatcher;
    private readonly AgentSettings _settings;
    private readonly HashSet<IActorRef> _subscribers = [];
    private AgentState _state;
    private AgentId? _backup;

    /// <summary>A softphone subscribed or sent a heartbeat: from then on its silence or disconnection counts.</summary>
    private bool _presenceTracked;

    /// <summary>The softphone is gone and its grace period runs: the agent is not routable meanwhile.</summary>
    private bool _softphoneLost;

    /// <summary>The call the agent handled last: what a disposition at wrap-up is about.</summary>
    private CallId? _lastHandled;

    /// <summary>The queue and call actor of the call offered to, or handled by, the agent.</summary>
    private (CallId Call, QueueId Queue, IActorRef CallActor, bool IsCallback)? _work;

    /// <summary>When the agent logged in: the order agents logged in is a tie-break of routing.</summary>
    private DateTimeOffset? _loggedInAt;

    /// <summary>The agent's changes so far, across restarts: the version of its checkpoints.</summary>
    private long _version;

    /// <summary>Set for an actor started after a restart: settled in PreStart, then cleared.</summary>
    private Restored? _restored;

    /// <summary>An accept waiting for its call to connect it: the offer, and who is answered once the call has said.</summary>
    private (CallAssignment Offer, IActorRef Asker)? _connecting;

    /// <summary>The behaviour while an accept waits for its call, made once rather than at every accept.</summary>
    private readonly UntypedReceive _whileConnecting;

    public AgentActor(AgentId id, IActorRef dispatcher, AgentSettings settings)
    {
        _dispatcher = dispatcher;
        _settings = settings;
        _state = AgentState.LoggedOut(id);
        _whileConnecting = WhileConnecting;

    }

    /// <summary>
    /// A switch over its named handlers instead of a ReceiveActor's registrations: building those for
    /// every agent was most of the cost of bringing ten thousand agents back after a restart.
    /// </summary>
    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case AgentProtocol.LogIn m:
                HandleLogIn(m);
                break;
            case AgentProtocol.MakeAvailable:
                Execute(AgentCommand.MakeAvailable.Instance, reply: true);
                break;
            case AgentProtocol.GoNotReady m:
                Execute(new AgentCommand.GoNotReady(m.Reason), reply: true);
                break;
            case AgentProtocol.LogOut:
                Execute(AgentCommand.LogOut.Instance, reply: true);
                break;
            case AgentProtocol.Accept m:
                HandleAccept(m);
                break;
            case AgentProtocol.Reject m:
                HandleReject(m);
                break;
            case AgentProtocol.HangUp m:
                HandleHangUp(m);
                break;
            case AgentProtocol.FinishWrapUp m:
                HandleFinishWrapUp(m);
                break;
            case AgentProtocol.Heartbeat m:
                HandleHeartbeat(m);
                break;
            case AgentProtocol.HeartbeatsMissed:
                SoftphoneLost();
                break;
            case AgentProtocol.SoftphoneGraceOver:
                HandleGraceOver();
                break;
            case AgentProtocol.SetAfterCall m:
                Execute(new AgentCommand.SetAfterCall(m.Next), reply: true);
                break;
            case AgentProtocol.Subscribe m:
                HandleSubscribe(m);
                break;
            case AgentProtocol.GetState:
                Sender.Tell(_state);
                break;
            case AgentProtocol.Offer m:
                HandleOffer(m);
                break;
            case AgentProtocol.CallerLeft m:
                HandleCallerLeft(m);
                break;
            case AgentProtocol.ConnectReply m:
                HandleLateConnectReply(m);
                break;
            case AgentProtocol.RingTimedOut m:
                Execute(new AgentCommand.OfferTimedOut(m.Epoch), reply: false);
                break;
            case AgentProtocol.WrapUpElapsed:
                Execute(AgentCommand.WrapUpTimerElapsed.Instance, reply: false);
                break;
            case Terminated m:
                HandleSubscriberGone(m);
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public IStash Stash { get; set; } = null!;

    public static Props Props(AgentId id, IActorRef dispatcher, AgentSettings settings) =>
        ActorFactory<AgentActor>.Props(() => new AgentActor(id, dispatcher, settings));

    /// <summary>
    /// An agent as its last checkpoint left it before a restart. <paramref name="callActor"/> is the
    /// actor of the call it was on, when that call is still connected to it.
    /// </summary>
    public static Props Props(AgentProtocol.Checkpoint checkpoint, IActorRef? callActor, IActorRef dispatcher, AgentSettings settings) =>
        ActorFactory<AgentActor>.Props(() => new AgentActor(checkpoint.Agent, dispatcher, settings)
        {
            _restored = new Restored(checkpoint, callActor),
        });

    /// <summary>
    /// A restored agent takes its state back and settles what did not survive the restart; a logged-in
    /// agent is then out of routing until its softphone comes back within the grace period (a lost
    /// softphone's rules, as if it had dropped when the server stopped).
    /// </summary>
    protected override void PreStart()
    {
        if (_restored is not { } restored)
        {
            return;
        }

        _restored = null;
        var checkpoint = restored.Checkpoint;
        _state = AgentRecovery.Restore(checkpoint.State);
        _version = checkpoint.Version;
        _backup = checkpoint.Backup;
        _lastHandled = checkpoint.LastHandled;
        _loggedInAt = checkpoint.LoggedInAt;
        Context.System.EventStream.Publish(_settings.Domain, new AgentProtocol.Recovered(checkpoint.State));
        var assignment = _state.CurrentCall ?? _state.CurrentOffer;
        if (assignment is { } work && checkpoint.WorkQueue is { } queue)
        {
            _work = (work.Call, queue, restored.CallActor ?? ActorRefs.Nobody, checkpoint.WorkIsCallback);
        }

        if (!_state.IsLoggedIn)
        {
            return;
        }

        _presenceTracked = true;
        _softphoneLost = true;
        Timers.StartSingleTimer(GraceTimer, AgentProtocol.SoftphoneGraceOver.Instance, _settings.SoftphoneGracePeriod);
        var connected = restored.CallActor is not null;
        Apply(AgentRecovery.Resume(_state, _ => connected, Now, _settings.Policy));
        if (_state is { Status: AgentStatus.WrapUp, WrapUpEndsAt: { } endsAt })
        {
            var left = endsAt - Now;
            Timers.StartSingleTimer(WrapUpTimer, AgentProtocol.WrapUpElapsed.Instance, left > TimeSpan.Zero ? left : TimeSpan.Zero);
        }
    }

    private DateTimeOffset Now => Context.System.Scheduler.Now;

    /// <summary>The backup named takes effect with the login: a repeated login changes it no more than the engine's.</summary>
    private void HandleLogIn(AgentProtocol.LogIn message)
    {
        var previous = _backup;
        _backup = message.Backup;
        if (Execute(new AgentCommand.LogIn(message.Skills), reply: true).Code != OutcomeCode.Ok)
        {
            _backup = previous;
        }
    }

    private void HandleAccept(AgentProtocol.Accept message)
    {
        if (_state.CurrentOffer is not { } offer || offer.Call != message.Call)
        {
            Sender.Tell(new CommandResult(_state.CurrentCall is { } current && current == new CallAssignment(message.Call, message.Epoch)
                ? Outcome.Unchanged
                : NotOffered(message.Call)));
            return;
        }

        // What the state machine would refuse now (a stale epoch) is refused without asking the call.
        var accept = new AgentCommand.Accept(message.Epoch);
        if (AgentLifecycle.Decide(_state, accept, Now, _settings.Policy).Outcome is { Code: not OutcomeCode.Ok } refused)
        {
            Sender.Tell(CommandResult.Of(refused));
            return;
        }

        // The call has the last word: its caller may have hung up a moment ago. Until it answers, the
        // agent takes nothing else in, so the offer stands as it was when the call was asked.
        _connecting = (offer, Sender);
        _work!.Value.CallActor.Tell(new CallProtocol.Connect(offer.Call, _state.Id, offer.Epoch));
        Timers.StartSingleTimer(ConnectTimer, new AgentProtocol.ConnectUnconfirmed(offer.Epoch), _settings.ConnectTimeout);
        Context.BecomeStacked(_whileConnecting);
    }

    /// <summary>
    /// While an accept waits for its call: the call's reply settles it, and so does the call's word
    /// that the caller left, which comes instead when the call's actor had already stopped at its
    /// end. Everything else waits in the stash and is taken in once it is settled, in order.
    /// </summary>
    private void WhileConnecting(object message)
    {
        switch (message)
        {
            case AgentProtocol.ConnectReply reply when _connecting?.Offer == new CallAssignment(reply.Call, reply.Epoch):
                Settle(reply.Outcome.Succeeded, reply.Reason);
                break;
            case AgentProtocol.CallerLeft left when _connecting?.Offer.Call == left.Call:
                Settle(connected: false, left.Reason);
                break;
            case AgentProtocol.ConnectUnconfirmed unconfirmed when _connecting?.Offer.Epoch == unconfirmed.Epoch:
                HandleConnectUnconfirmed();
                break;
            case AgentProtocol.ConnectUnconfirmed:
                // Left from an earlier accept.
                break;
            default:
                Stash.Stash();
                break;
        }

    }

    /// <summary>The call connected the agent, or refused: on call, or the offer withdrawn; then the accept is answered.</summary>
    private void Settle(bool connected, WithdrawalReason reason)
    {
        var (offer, asker) = _connecting!.Value;
        var answer = connected ? GoOnCall(offer) : Withdraw(offer, reason);
        StopConnecting();

        // Answered last, as Execute answers, so the asker sees everything the answer caused.
        asker.Tell(CommandResult.Of(answer));
    }

    private Outcome GoOnCall(CallAssignment offer) => Execute(new AgentCommand.Accept(offer.Epoch), reply: false);

    /// <summary>The offer ends as the caller's hang-up ends it: no call, no wrap-up, the agent's place in line kept.</summary>
    private Outcome Withdraw(CallAssignment offer, WithdrawalReason reason)
    {
        Execute(new AgentCommand.OfferWithdrawn(offer.Epoch, reason), reply: false);
        var why = reason switch
        {
            WithdrawalReason.CallerHungUp => "the caller hung up",
            WithdrawalReason.CallbackCancelled => "the callback was called off",
            _ => "the call moved on",
        };
        return Outcome.Conflict("callId", $"call '{offer.Call}' was not connected: {why}");
    }

    private void StopConnecting()
    {
        _connecting = null;
        Timers.Cancel(ConnectTimer);
        Context.UnbecomeStacked();
        Stash.UnstashAll();
    }

    /// <summary>
    /// Neither the call's reply nor its word that the caller left came in time, which should not happen:
    /// the agent stops waiting so it is not stuck, and changes nothing it does not know. The accept is not
    /// answered (the asker's own timeout says to retry); a reply that still comes decides then.
    /// </summary>
    private void HandleConnectUnconfirmed()
    {
        Context.GetLogger().Warning("Agent {0}: call '{1}' did not answer the request to connect in {2}", _state.Id, _connecting?.Offer.Call, _settings.ConnectTimeout);
        StopConnecting();
    }

    /// <summary>A call's reply that came after the agent stopped waiting for it still decides the offer.</summary>
    private void HandleLateConnectReply(AgentProtocol.ConnectReply reply)
    {
        var answered = new CallAssignment(reply.Call, reply.Epoch);
        if (_state.CurrentOffer == answered && reply.Outcome.Succeeded)
        {
            GoOnCall(answered);
        }
        else if (_state.CurrentOffer == answered)
        {
            Withdraw(answered, reply.Reason);
        }
        else if (reply.Outcome.Code == OutcomeCode.Ok)
        {
            // The offer ended here meanwhile (it rang out): the call must not stay connected to nobody.
            Sender.Tell(new CallProtocol.AgentEnded(reply.Call, _state.Id));
        }
    }

    private void HandleReject(AgentProtocol.Reject message)
    {
        if (_state.CurrentOffer is not { } offer || offer.Call != message.Call)
        {
            Sender.Tell(new CommandResult(NotOffered(message.Call)));
            return;
        }

        Execute(new AgentCommand.Reject(message.Epoch), reply: true);
    }

    private Outcome NotOffered(CallId call) => Outcome.Conflict("callId", $"call '{call}' is not being offered to agent '{_state.Id}'");

    private void HandleHangUp(AgentProtocol.HangUp message)
    {
        if (_state.CurrentCall?.Call != message.Call && _lastHandled != message.Call)
        {
            // A repeat for the call it ended last changes nothing; any other call is not the agent's to end.
            Sender.Tell(new CommandResult(Outcome.Conflict("callId", $"agent '{_state.Id}' is not on call '{message.Call}'")));
            return;
        }

        var work = _work;
        if (Execute(new AgentCommand.CallEnded(message.Call), reply: true).Code == OutcomeCode.Ok && work is { } ended)
        {
            ended.CallActor.Tell(new CallProtocol.AgentEnded(ended.Call, _state.Id));
        }
    }

    private void HandleOffer(AgentProtocol.Offer message)
    {
        if (_softphoneLost && _state.CurrentOffer?.Call != message.Call)
        {
            // Sent before the dispatcher learnt the softphone was lost: it bounces, as for an agent no longer free.
            Bounce(message);
            return;
        }

        var previous = _work;
        _work = (message.Call, message.Queue, message.CallActor, message.IsCallback);
        var code = Execute(new AgentCommand.Offer(message.Call, message.Epoch), reply: false).Code;
        if (code == OutcomeCode.Ok)
        {
            return;
        }

        _work = previous;
        if (code != OutcomeCode.Unchanged)
        {
            // The agent stopped being free before the offer arrived.
            Bounce(message);
        }
    }

    /// <summary>An offer the agent could not take goes back, not counted as a decline.</summary>
    private void Bounce(AgentProtocol.Offer offer) =>
        _dispatcher.Tell(new Dispatch.OfferReturned(offer.Call, offer.Epoch, OfferReturnReason.Bounced));

    /// <summary>The caller left: a ringing offer is withdrawn, a call in progress ends.</summary>
    private void HandleCallerLeft(AgentProtocol.CallerLeft message)
    {
        if (_state.CurrentOffer is { } offer && offer.Call == message.Call)
        {
            Execute(new AgentCommand.OfferWithdrawn(offer.Epoch, message.Reason), reply: false);
        }
        else if (_state.CurrentCall is { } call && call.Call == message.Call)
        {
            Execute(new AgentCommand.CallEnded(message.Call), reply: false);
        }
    }

    private void HandleSubscribe(AgentProtocol.Subscribe message)
    {
        if (_subscribers.Add(message.Subscriber))
        {
            Context.Watch(message.Subscriber);
        }

        // Where the agent stands now comes first, so a reconnecting softphone starts from the truth.
        message.Subscriber.Tell(_state);
        SoftphoneHeard();
        Sender.Tell(CommandResult.Ok);
    }

    private void HandleHeartbeat(AgentProtocol.Heartbeat message)
    {
        SoftphoneHeard();
        Sender.Tell(CommandResult.Ok);
    }

    private void HandleSubscriberGone(Terminated message)
    {
        if (_subscribers.Remove(message.ActorRef) && _subscribers.Count == 0)
        {
            SoftphoneLost();
        }
    }

    /// <summary>The softphone is alive: the silence timer restarts, and a lost softphone is back within its grace.</summary>
    private void SoftphoneHeard()
    {
        _presenceTracked = true;
        Timers.StartSingleTimer(HeartbeatTimer, AgentProtocol.HeartbeatsMissed.Instance, _settings.HeartbeatTimeout);
        if (!_softphoneLost)
        {
            return;
        }

        _softphoneLost = false;
        Timers.Cancel(GraceTimer);
        if (_state.Status == AgentStatus.Available)
        {
            ReportFree();
        }
    }

    /// <summary>
    /// The softphone disconnected or went silent. A ringing offer is revoked as softphone-lost (the call
    /// goes back to its place and the agent to not ready, as for a missed offer); an idle agent is taken out of
    /// routing at once; after the grace period the agent goes not ready (after its call, if on one).
    /// </summary>
    private void SoftphoneLost()
    {
        if (!_presenceTracked || _softphoneLost || !_state.IsLoggedIn)
        {
            return;
        }

        _softphoneLost = true;
        Timers.Cancel(HeartbeatTimer);
        Timers.StartSingleTimer(GraceTimer, AgentProtocol.SoftphoneGraceOver.Instance, _settings.SoftphoneGracePeriod);
        if (_state.CurrentOffer is { } offer)
        {
            Execute(new AgentCommand.OfferTimedOut(offer.Epoch, OfferReturnReason.SoftphoneLost), reply: false);
        }
        else if (_state.Status == AgentStatus.Available)
        {
            _dispatcher.Tell(new Dispatch.AgentAway(_state.Id));
        }
    }

    private void HandleGraceOver()
    {
        if (!_softphoneLost)
        {
            return;
        }

        _softphoneLost = false;
        _presenceTracked = false;
        var notReady = AgentSettings.SoftphoneLostReason;
        if (_state.Status is AgentStatus.OnCall or AgentStatus.WrapUp or AgentStatus.Reserved)
        {
            Execute(new AgentCommand.SetAfterCall(AfterCall.NotReady(notReady)), reply: false);
        }
        else if (_state.Status == AgentStatus.Available)
        {
            Execute(new AgentCommand.GoNotReady(notReady), reply: false);
        }
    }

    private void HandleFinishWrapUp(AgentProtocol.FinishWrapUp message)
    {
        if (message.Disposition is not { } disposition)
        {
            Execute(AgentCommand.FinishWrapUp.Instance, reply: true);
            return;
        }

        if (disposition.Call != _lastHandled)
        {
            Sender.Tell(new CommandResult(message.CallKnown
                ? Outcome.Conflict("callId", $"agent '{_state.Id}' did not handle call '{disposition.Call}' last")
                : Outcome.NotFound("callId", $"call '{disposition.Call}' is not known")));
            return;
        }

        Context.System.EventStream.Publish(_settings.Domain, new DispositionRecorded(disposition, Now));
        if (_state.Status == AgentStatus.WrapUp)
        {
            Execute(AgentCommand.FinishWrapUp.Instance, reply: true);
        }
        else
        {
            // Wrap-up already over (or none configured): the disposition alone is what was asked for.
            Sender.Tell(CommandResult.Ok);
        }
    }

    /// <summary>Runs a command through the state machine, then carries out what its events ask for.</summary>
    private Outcome Execute(AgentCommand command, bool reply)
    {
        var decision = AgentLifecycle.Decide(_state, command, Now, _settings.Policy);
        Apply(decision);

        // Answered last, so whoever waits for the answer sees every timer and message it caused.
        if (reply)
        {
            Sender.Tell(CommandResult.Of(decision.Outcome));
        }

        return decision.Outcome;
    }

    /// <summary>Takes the decision's state, carries out and publishes its events, then journals the agent.</summary>
    private void Apply(AgentDecision decision)
    {
        if (decision.Events.Count == 0)
        {
            return;
        }

        var now = Now;
        var before = _state.Status;
        _state = decision.State;
        var events = decision.Events;
        for (var i = 0; i < events.Count; i++)
        {
            // Indexed: a foreach over the interface would allocate an enumerator for every command.
            var agentEvent = events[i];
            CarryOut(agentEvent, now);
            Publish(agentEvent);
        }

        ReportPresence(before);
        _version++;
        Context.System.EventStream.Publish(_settings.Domain, new AgentProtocol.Checkpoint(
            AgentRecovery.Snapshot(_state), _version, _backup, _lastHandled, _work?.Queue, _work?.IsCallback ?? false, _loggedInAt));
    }

    private void CarryOut(AgentEvent agentEvent, DateTimeOffset now)
    {
        switch (agentEvent)
        {
            case AgentEvent.LoggedIn loggedIn:
                _loggedInAt = now;
                var profile = new AgentProfile { Id = _state.Id, Skills = loggedIn.Skills, Backup = _backup };
                _dispatcher.Tell(new Dispatch.RegisterAgent(profile, Self));
                break;
            case AgentEvent.OfferReserved reserved:
                Timers.StartSingleTimer(RingTimer, new AgentProtocol.RingTimedOut(reserved.Offer.Epoch), _settings.RingTimeout);
                if (_work is { } offered)
                {
                    PublishToSubscribers(new AgentProtocol.OfferPresented(
                        _state.Id, reserved.Offer.Call, reserved.Offer.Epoch, offered.Queue, now + _settings.RingTimeout) { IsCallback = offered.IsCallback });
                }

                break;
            case AgentEvent.OfferAccepted accepted:
                // The call has connected the agent already (an accept waits for it).
                Timers.Cancel(RingTimer);
                _dispatcher.Tell(new Dispatch.OfferAccepted(accepted.Offer.Call, accepted.Offer.Epoch));
                break;
            case AgentEvent.OfferRejected rejected:
                Returned(rejected.Offer, OfferReturnReason.Declined);
                break;
            case AgentEvent.OfferMissed missed:
                Returned(missed.Offer, missed.Reason);
                break;
            case AgentEvent.OfferWithdrawn or AgentEvent.OfferAbandonedByLogout:
                Timers.Cancel(RingTimer);
                _work = null;
                break;
            case AgentEvent.CallHandled handled:
                _lastHandled = handled.Call.Call;
                if (_work is { } work)
                {
                    _dispatcher.Tell(new Dispatch.RecordHandleTime(work.Queue, handled.TalkTime));
                }

                _work = null;
                break;
            case AgentEvent.WrapUpStarted wrapUp:
                Timers.StartSingleTimer(WrapUpTimer, AgentProtocol.WrapUpElapsed.Instance, wrapUp.EndsAt - now);
                break;
            case AgentEvent.StatusChanged { From: AgentStatus.WrapUp }:
                Timers.Cancel(WrapUpTimer);
                break;
        }
    }

    /// <summary>The agent let the offer go: routing takes it back, held against the agent.</summary>
    private void Returned(CallAssignment offer, OfferReturnReason reason)
    {
        Timers.Cancel(RingTimer);
        _dispatcher.Tell(new Dispatch.OfferReturned(offer.Call, offer.Epoch, reason));
        _work = null;
    }

    /// <summary>Tells the dispatcher what the agent's new status means for routing.</summary>
    private void ReportPresence(AgentStatus before)
    {
        switch (_state.Status)
        {
            case AgentStatus.Available when before != AgentStatus.Available && !_softphoneLost:
                ReportFree();
                break;
            case AgentStatus.NotReady when before != AgentStatus.NotReady:
                _dispatcher.Tell(new Dispatch.AgentAway(_state.Id));
                break;
            case AgentStatus.LoggedOut when before != AgentStatus.LoggedOut:
                _dispatcher.Tell(new Dispatch.AgentGone(_state.Id));

                // A softphone is watched again only once it subscribes or beats after the next login.
                _presenceTracked = false;
                _softphoneLost = false;
                Timers.Cancel(HeartbeatTimer);
                Timers.Cancel(GraceTimer);
                break;
        }
    }

    private void ReportFree()
    {
        var now = Now;
        _dispatcher.Tell(new Dispatch.AgentFree(_state.Id, new AgentFairness(_state.AvailableSince ?? now, _state.CallsHandledOn(now))));
    }

    private void Publish(AgentEvent agentEvent)
    {
        // A softphone needs the agent's states and what became of its offers (every offer it was shown
        // ends in an assignment, told by the status change, or a revocation); the rest is for the log.
        if (agentEvent is not (AgentEvent.OfferReserved or AgentEvent.OfferAccepted
            or AgentEvent.CallHandled or AgentEvent.LoggedIn))
        {
            PublishToSubscribers(agentEvent);
        }

        Context.System.EventStream.Publish(_settings.Domain, agentEvent);
    }

    private sealed record Restored(AgentProtocol.Checkpoint Checkpoint, IActorRef? CallActor);

    private void PublishToSubscribers(object message)
    {
        foreach (var subscriber in _subscribers)
        {
            subscriber.Tell(message);
        }
    }
}
