using System.Collections.Immutable;
using Akka.Actor;
using CallCenter.Routing.Agents.AgentActors;
using CallCenter.Routing.Agents.Calls;
using CallCenter.Routing.Agents.Dispatching;
using CallCenter.Routing.Agents.Domain;
using CallCenter.Routing.Agents.Operations;
using CallCenter.Routing.Agents.Queues;
using CallCenter.Routing.Agents.Serialization;
using CallCenter.Routing.Configuration;
using CallCenter.Routing.Host.Edge;
using CallCenter.Routing.Host.InteractionLog;
using CallCenter.Routing.Lifecycle;
using CallCenter.Routing.Matching;
using CallCenter.Routing.Model;
using CallCenter.Routing.Operations;
using CallCenter.Routing.Statistics;
using CallCenter.Routing.Tests.InteractionLog;
using static CallCenter.Routing.Tests.Core.Lifecycle.RecoveryFixtures;

namespace CallCenter.Routing.Tests.Agents;

/// <summary>
/// A representative instance of every message that may cross the cluster (every command, reply,
/// event and query), with the fields a real one carries filled, for the serialization specs. Those
/// that hold an actor reference are made with the test's own actor.
/// </summary>
internal static class RoutingMessageCatalogue
{
    /// <summary>An offset other than UTC and ticks below the millisecond, so a time must come back exactly.</summary>
    private static readonly DateTimeOffset At = new DateTimeOffset(2026, 3, 2, 9, 15, 0, TimeSpan.FromHours(1)) + TimeSpan.FromTicks(1_234_567);

    private static readonly CallId TheCall = new("call-1");
    private static readonly QueueId Main = new("main");
    private static readonly TierId Vip = new("VIP");
    private static readonly SkillId French = new("french");

    public static IEnumerable<(string Name, Func<IActorRef, object> Make)> All()
    {
        foreach (var (name, message) in AgentMessages().Concat(CallMessages()).Concat(QueueMessages()).Concat(DispatchMessages())
                     .Concat(StateViewMessages()).Concat(DomainMessages()).Concat(CoreMessages()).Concat(LogMessages()))
        {
            yield return (name, _ => message);
        }

        foreach (var withActor in MessagesWithActors())
        {
            yield return withActor;
        }

        yield return ("the shapes no routing message carries yet", _ => Shapes());
    }

    /// <summary>
    /// Ids as dictionary keys, a message held as <see cref="object"/>, a list declared by an interface,
    /// immutable collections, an id left at its default and a double beyond numbers.
    /// </summary>
    public sealed record ShapesOfAMessage(
        IReadOnlyDictionary<QueueId, int> WaitingByQueue,
        object Inner,
        IReadOnlyList<IAgentMessage> Commands,
        ImmutableArray<TimeSpan> Thresholds,
        ImmutableDictionary<AgentId, AgentStatus> Statuses,
        QueueId Unset,
        TimeSpan? Nothing,
        double Ratio) : IRoutingMessage;

    public static ShapesOfAMessage Shapes() => new(
        new Dictionary<QueueId, int> { [Main] = 3, [new QueueId("spill")] = 0 },
        new Dispatch.AgentAway(Alice),
        [new AgentProtocol.MakeAvailable(Alice), new AgentProtocol.GoNotReady(Bob, "lunch"), new AgentProtocol.Heartbeat(Carol)],
        [TimeSpan.FromSeconds(30), TimeSpan.FromTicks(12_345)],
        ImmutableDictionary<AgentId, AgentStatus>.Empty.Add(Alice, AgentStatus.OnCall).Add(Bob, AgentStatus.NotReady),
        default,
        null,
        double.NaN);

    private static IEnumerable<(string, object)> AgentMessages()
    {
        var checkpoint = AgentCheckpoint();
        yield return ("AgentProtocol.LogIn with one skill and a backup", new AgentProtocol.LogIn(Alice, [new AgentSkill(French, 7)], Bob));
        yield return ("AgentProtocol.LogIn without skills", new AgentProtocol.LogIn(Alice, []));
        yield return ("AgentProtocol.MakeAvailable", new AgentProtocol.MakeAvailable(Alice));
        yield return ("AgentProtocol.GoNotReady", new AgentProtocol.GoNotReady(Alice, "coaching \"1:1\" é"));
        yield return ("AgentProtocol.LogOut", new AgentProtocol.LogOut(Alice));
        yield return ("AgentProtocol.Accept", new AgentProtocol.Accept(Alice, TheCall, 7));
        yield return ("AgentProtocol.Reject", new AgentProtocol.Reject(Alice, TheCall, 7));
        yield return ("AgentProtocol.HangUp", new AgentProtocol.HangUp(Alice, TheCall));
        yield return ("AgentProtocol.FinishWrapUp with a disposition of an unknown call", new AgentProtocol.FinishWrapUp(Alice)
        {
            Disposition = new CallDisposition(TheCall, Alice, "sold", "called back twice", 9, true),
            CallKnown = false,
        });
        yield return ("AgentProtocol.FinishWrapUp plain", new AgentProtocol.FinishWrapUp(Alice));
        yield return ("AgentProtocol.Heartbeat", new AgentProtocol.Heartbeat(Alice));
        yield return ("AgentProtocol.SetAfterCall not ready", new AgentProtocol.SetAfterCall(Alice, AfterCall.NotReady("training")));
        yield return ("AgentProtocol.SetAfterCall logged out", new AgentProtocol.SetAfterCall(Alice, AfterCall.LoggedOut));
        yield return ("AgentProtocol.GetState", new AgentProtocol.GetState(Alice));
        yield return ("AgentProtocol.CallerLeft", new AgentProtocol.CallerLeft(Alice, TheCall, 7) { Reason = WithdrawalReason.CallbackCancelled });
        yield return ("AgentProtocol.ConnectReply connected", new AgentProtocol.ConnectReply(TheCall, 7, Outcome.Ok));
        yield return ("AgentProtocol.ConnectReply refused", new AgentProtocol.ConnectReply(TheCall, 7, Outcome.Conflict("call", "call 'call-1' ended (AbandonedWhileRinging)"))
        {
            Reason = WithdrawalReason.CallerHungUp,
        });
        yield return ("AgentProtocol.OfferPresented of a callback", new AgentProtocol.OfferPresented(Alice, TheCall, 7, Main, At) { IsCallback = true });
        yield return ("AgentProtocol.Checkpoint", checkpoint);
        yield return ("AgentProtocol.Recovered", new AgentProtocol.Recovered(checkpoint.State));
    }

    private static IEnumerable<(string, object)> CallMessages()
    {
        var ended = Histories().First().Script.State;
        yield return ("CallProtocol.Arrive with everything", new CallProtocol.Arrive(
            TheCall, Main, Vip, true, [new SkillRequirement(French, 3), new SkillRequirement(new SkillId("billing"), 5)], Alice, At));
        yield return ("CallProtocol.Arrive plain", new CallProtocol.Arrive(TheCall, Main, Vip));
        yield return ("CallProtocol.HangUp", new CallProtocol.HangUp(TheCall));
        yield return ("CallProtocol.RequestCallback", new CallProtocol.RequestCallback(TheCall));
        yield return ("CallProtocol.CancelCallback", new CallProtocol.CancelCallback(TheCall));
        yield return ("CallProtocol.ScheduleCallback", new CallProtocol.ScheduleCallback(TheCall, Main, Vip, At, Bob));
        yield return ("CallProtocol.Transfer to an agent", new CallProtocol.Transfer(TheCall, Alice, TransferKind.Consultative, null, Bob));
        yield return ("CallProtocol.Transfer to a queue", new CallProtocol.Transfer(TheCall, Alice, TransferKind.Blind, Main, null));
        yield return ("CallProtocol.GetState", new CallProtocol.GetState(TheCall));
        foreach (var routingEvent in RoutingEvents())
        {
            yield return ($"CallProtocol.Routed {routingEvent.GetType().Name}", new CallProtocol.Routed(routingEvent));
            yield return ($"CallProtocol.Notice {routingEvent.GetType().Name}", new CallProtocol.Notice(routingEvent));
        }

        yield return ("CallProtocol.Recovered", new CallProtocol.Recovered(TheCall, Histories().First().Script.Events));
        yield return ("CallProtocol.RoutingRefused", new CallProtocol.RoutingRefused(TheCall, Outcome.Invalid("queueId", "unknown queue 'x'")));
        yield return ("CallProtocol.Connect", new CallProtocol.Connect(TheCall, Alice, 7));
        yield return ("CallProtocol.AgentEnded", new CallProtocol.AgentEnded(TheCall, Alice));
        yield return ("CallProtocol.Retired", new CallProtocol.Retired(TheCall));
        yield return ("CallProtocol.Finished", new CallProtocol.Finished(ended.Id, ended));
    }

    private static IEnumerable<(string, object)> QueueMessages()
    {
        QueueFact[] facts = [new QueueFact.Entered(Main), new QueueFact.Answered(Main, TimeSpan.FromSeconds(12)), new QueueFact.Abandoned(Main, TimeSpan.FromSeconds(70)), new QueueFact.Left(Main)];
        foreach (var fact in facts)
        {
            yield return ($"QueueProtocol.Record {fact.GetType().Name}", new QueueProtocol.Record(fact));
        }

        yield return ("QueueProtocol.GetSnapshot", new QueueProtocol.GetSnapshot(Main));
        var statistics = new QueueStatistics(Main, TimeSpan.FromSeconds(20))
        {
            Entered = 9, Answered = 5, AnsweredWithinThreshold = 4, Abandoned = 2, AbandonedWithinThreshold = 1, Left = 1,
            TotalAnsweredWait = TimeSpan.FromSeconds(61), LongestAnsweredWait = TimeSpan.FromSeconds(33),
        };
        yield return ("QueueProtocol.QueueSnapshot", new QueueProtocol.QueueSnapshot(statistics, MainQueueView()));
        yield return ("QueueProtocol.QueueSnapshot without the engine's view", new QueueProtocol.QueueSnapshot(statistics, null));
    }

    private static IEnumerable<(string, object)> DispatchMessages()
    {
        var configuration = FullConfiguration();
        yield return ("Dispatch.BecameCallback", new Dispatch.BecameCallback(TheCall));
        yield return ("Dispatch.AgentFree", new Dispatch.AgentFree(Alice, new AgentFairness(At, 4)));
        yield return ("Dispatch.AgentAway", new Dispatch.AgentAway(Alice));
        yield return ("Dispatch.AgentGone", new Dispatch.AgentGone(Alice));
        yield return ("Dispatch.OfferAccepted", new Dispatch.OfferAccepted(TheCall, 7));
        yield return ("Dispatch.OfferReturned", new Dispatch.OfferReturned(TheCall, 7, OfferReturnReason.SoftphoneLost));
        yield return ("Dispatch.CallGone", new Dispatch.CallGone(TheCall));
        yield return ("Dispatch.RecordHandleTime", new Dispatch.RecordHandleTime(Main, TimeSpan.FromMinutes(3.5)));
        yield return ("Dispatch.Reconfigure", new Dispatch.Reconfigure(configuration));
        yield return ("Dispatch.DecisionMade", new Dispatch.DecisionMade(Offer(new CallChosen(3,
            new CallStanding(TheCall, Main, Vip, new PriorityKey(2, -500, -1, 17)), new CallStanding(new CallId("call-2"), Main, Vip, new PriorityKey(2, -400, 0, 18)), true)), 4));
        yield return ("Dispatch.Reconfigured", new Dispatch.Reconfigured(configuration));
        yield return ("Dispatch.EstimateWait", new Dispatch.EstimateWait(TheCall));
        yield return ("Dispatch.WaitEstimateReply", new Dispatch.WaitEstimateReply(TheCall, new WaitEstimate(Main, 2, TimeSpan.FromSeconds(45))));
        yield return ("Dispatch.WaitEstimateReply for a call not waiting", new Dispatch.WaitEstimateReply(TheCall, null));
        yield return ("Dispatch.GetQueueView", new Dispatch.GetQueueView(Main));
        yield return ("Dispatch.QueueViewReply", new Dispatch.QueueViewReply(Main, MainQueueView()));
    }

    private static IEnumerable<(string, object)> StateViewMessages()
    {
        var call = CallSummary.Of(Histories().First().Script.State);
        var agent = AgentSummary.Of(AgentsInEveryStatus().Last().State);
        yield return ("StateViewProtocol.GetSnapshot", StateViewProtocol.GetSnapshot.Instance);
        yield return ("StateViewProtocol.GetCallHistory", new StateViewProtocol.GetCallHistory(TheCall));
        yield return ("StateViewProtocol.CallHistoryReply", new StateViewProtocol.CallHistoryReply(new CallHistory(call, Histories().First().Script.Events)));
        yield return ("StateViewProtocol.CallHistoryReply for an unknown call", new StateViewProtocol.CallHistoryReply(null));
        yield return ("StateViewProtocol.GetAgent", new StateViewProtocol.GetAgent(Alice));
        yield return ("StateViewProtocol.AgentReply", new StateViewProtocol.AgentReply(agent));
        yield return ("StateViewProtocol.AgentReply for an unknown agent", new StateViewProtocol.AgentReply(null));
        yield return ("StateSnapshot", new StateSnapshot(12, [call], [agent]));
        yield return ("StateChange.CallChanged", new StateChange.CallChanged(13, call));
        yield return ("StateChange.AgentChanged", new StateChange.AgentChanged(14, agent));
    }

    private static IEnumerable<(string, object)> DomainMessages()
    {
        yield return ("DomainProtocol.WhenReady", DomainProtocol.WhenReady.Instance);
        yield return ("DomainProtocol.Ready", new DomainProtocol.Ready(3, 2, 1 << 20));
        yield return ("DomainProtocol.GetConfiguration", DomainProtocol.GetConfiguration.Instance);
        yield return ("CommandResult Ok", CommandResult.Ok);
        yield return ("CommandResult refused", new CommandResult(Outcome.NotFound("agentId", "agent 'dave' has never logged in")));
    }

    /// <summary>The core's types sent on their own: states, events, the configuration, the view's feed.</summary>
    private static IEnumerable<(string, object)> CoreMessages()
    {
        foreach (var (name, state) in AgentsInEveryStatus())
        {
            yield return ($"AgentState {name}", state);
        }

        yield return ("CallState new, its ids unset", CallState.New(TheCall));
        yield return ("CallState in a consultative transfer", new CallScript("mid").Arrive(Alice, new SkillRequirement(French, 2))
            .Do(new CallCommand.Queued(Sales, 2, TimeSpan.FromSeconds(40)))
            .Do(new CallCommand.Offered(Bob, 5))
            .Do(new CallCommand.Answered(Bob, 5))
            .Do(new CallCommand.RequestTransfer(TransferKind.Consultative, TransferTarget.ToAgent(Carol)))
            .State);
        foreach (var (name, script) in Histories())
        {
            yield return ($"CallState {name}", script.State);
        }

        foreach (var data in JournalRoundTripTests.EveryKind())
        {
            yield return ($"CallEvent {data.TestName!.Split(": ", 2)[1]}", data.Arguments[0]!);
        }

        foreach (var agentEvent in AgentEvents())
        {
            yield return ($"AgentEvent {agentEvent.GetType().Name}", agentEvent);
        }

        yield return ("DispositionRecorded", new DispositionRecorded(new CallDisposition(TheCall, Alice, null, null, null, false), At));
        yield return ("RoutingConfiguration", FullConfiguration());
        yield return ("RoutingConfiguration by default", new RoutingConfiguration());
        yield return ("Outcome Ok", Outcome.Ok);
        yield return ("Outcome refused", Outcome.AlreadyExists("callId", "call 'call-1' already arrived"));
    }

    private static IEnumerable<(string, object)> LogMessages()
    {
        LogRecord[] records =
        [
            new LogRecord.Interaction(TheCall, 3)
            {
                Gateway = "gw-1", Caller = "+33 1 23 45 67 89", Attributes = """{"campaign":"spring"}""", Tier = Vip, Queue = Main,
                RequiredSkills = ["french"], PreferredAgent = Alice, Emergency = false, ArrivedAt = At, AnsweredAt = At + TimeSpan.FromSeconds(9),
                Outcome = CallOutcome.Answered, Agent = Bob, SatisfactionScore = 4, LinkedCall = new CallId("call-0"), LinkKind = "callback",
            },
            new LogRecord.CallEventEntry(TheCall, 4, At, nameof(CallEvent.Offered), Main, Alice, 7, """{"epoch":7}"""),
            new LogRecord.AgentStateChange(Alice, 1_000_001, At, AgentStatus.Available, AgentStatus.Reserved, StatusChangeReasons.Offered, TheCall),
            new LogRecord.RoutingDecision(TheCall, 7, At, Main, Alice, MatchRule.AgentSelection, 1, TimeSpan.FromSeconds(31), 4,
                new AgentChosen(2, AgentSelection.FewestCallsToday, Standing(Alice, 3), Standing(Bob, 5))),
            new LogRecord.AgentCheckpoint(Alice, 12, AgentCheckpoint()),
            new LogRecord.GatewayEvent("gw-1", "e-17", At) { Domain = "north" },
        ];
        foreach (var record in records)
        {
            yield return ($"LogRecord.{record.GetType().Name}", record);
        }

        yield return ("DomainProtocol.WhenDurable with the edge's records", new DomainProtocol.WhenDurable(records));
        yield return ("DomainProtocol.Durable", DomainProtocol.Durable.Instance);
        yield return ("DomainProtocol.HandOff", DomainProtocol.HandOff.Instance);
        yield return ("DomainProtocol.Serving", new DomainProtocol.Serving("north", 3));
        yield return ("ConfigurationNoticesActor.ConfigurationChanged", new CallCenter.Routing.Host.Edge.ConfigurationNoticesActor.ConfigurationChanged("north", 7));
        yield return ("GatewayUpdatesActor.FromPeer", new GatewayUpdatesActor.FromPeer(
            new CallEvent.Offered(TheCall, 3, At, new AgentAssignment(Alice, 7))));

        yield return ("InteractionLogActor.Barrier", InteractionLogActor.Barrier.Instance);
    }

    private static IEnumerable<(string, Func<IActorRef, object>)> MessagesWithActors()
    {
        var request = new CallRequest
        {
            Id = TheCall, Queue = Main, Tier = Vip, Emergency = true, ExtraSkills = [new SkillRequirement(French, 2)], PreferredAgent = Alice, ArrivedAt = At,
        };
        var profile = new AgentProfile { Id = Alice, Skills = [new AgentSkill(French, 8), new AgentSkill(new SkillId("billing"), 3)], Backup = Bob };
        yield return ("AgentProtocol.Subscribe", actor => new AgentProtocol.Subscribe(Alice, actor));
        yield return ("AgentProtocol.Offer of a callback", actor => new AgentProtocol.Offer(Alice, TheCall, 7, Main, actor) { IsCallback = true });
        yield return ("CallProtocol.Routed an offer, with its agent", actor => new CallProtocol.Routed(Offer(null), actor));
        yield return ("CallProtocol.AgentRestored", actor => new CallProtocol.AgentRestored(TheCall, Alice, actor));
        yield return ("Dispatch.RouteCall of a callback", actor => new Dispatch.RouteCall(request, actor) { IsCallback = true });
        yield return ("Dispatch.RegisterAgent", actor => new Dispatch.RegisterAgent(profile, actor));
        yield return ("Dispatch.Restore", actor => new Dispatch.Restore(
            [new Dispatch.RestoredAgent(profile, actor, true), new Dispatch.RestoredAgent(profile with { Id = Bob, Backup = null }, actor, false)],
            [new Dispatch.LoggedOutBackup(Carol, Alice)],
            [new Dispatch.RestoredWaitingCall(new RestoredCall
            {
                Request = request, PlacedBy = new QueueId("spill"), QueueEnteredAt = At, RoutedSince = At - TimeSpan.FromSeconds(5), HeldFor = Alice,
                HeldForBackup = true, QueueExitDone = true, DeclinedBy = [Bob, Carol],
            }, actor, true)]));
        yield return ("StateViewProtocol.StartWatching", actor => new StateViewProtocol.StartWatching(actor, 41));
        yield return ("StateViewProtocol.StopWatching", actor => new StateViewProtocol.StopWatching(actor));
    }

    /// <summary>Every kind of the engine's decisions and notices, offers with each kind of trace and none.</summary>
    private static IEnumerable<RoutingEvent> RoutingEvents()
    {
        yield return Offer(new AgentChosen(4, AgentSelection.BestProficiency, Standing(Alice, 9), null));
        yield return Offer(new CallChosen(1, new CallStanding(TheCall, Main, Vip, new PriorityKey(0, 12, -3, 1)), null));
        yield return Offer(null);
        yield return new Matching.OfferReturned(TheCall, At, Alice, 7, OfferReturnReason.Declined);
        yield return new CallQueued(TheCall, At, Main, 3, TimeSpan.FromSeconds(50));
        yield return new CallQueued(TheCall, At, Main, 1, null);
        yield return new CallOverflowed(TheCall, At, Main, new QueueId("spill"), QueueExitReason.MaximumWait);
        yield return new CallRefused(TheCall, At, Main, QueueExitReason.Closed, true);
        yield return new OverflowRefused(TheCall, At, Main, new QueueId("spill"), QueueExitReason.Full);
        yield return new CallbackOffered(TheCall, At, Main);
        yield return new RequirementRelaxed(TheCall, At, Main, 2);
        yield return new Matching.LongWaitCrossed(TheCall, At, Vip, TimeSpan.FromMinutes(1));
        yield return new CallPromoted(TheCall, At, Vip);
        yield return new Matching.HeldForAgent(TheCall, At, Alice, MatchRule.BackupAgent);
        yield return new Matching.PreferenceExpired(TheCall, At, Alice);
    }

    private static IEnumerable<AgentEvent> AgentEvents()
    {
        var offer = new CallAssignment(TheCall, 7);
        yield return new AgentEvent.StatusChanged(Alice, At, AgentStatus.Available, AgentStatus.Reserved, StatusChangeReasons.Offered, KeepsIdlePosition: true);
        yield return new AgentEvent.LoggedIn(Alice, At, [new AgentSkill(French, 6)]);
        yield return new AgentEvent.AfterCallChanged(Alice, At, AfterCall.NotReady("lunch"));
        yield return new AgentEvent.OfferReserved(Alice, At, offer);
        yield return new AgentEvent.OfferAccepted(Alice, At, offer);
        yield return new AgentEvent.OfferRejected(Alice, At, offer);
        yield return new AgentEvent.OfferMissed(Alice, At, offer, OfferReturnReason.SoftphoneLost);
        yield return new AgentEvent.OfferWithdrawn(Alice, At, offer, WithdrawalReason.CallerHungUp);
        yield return new AgentEvent.OfferAbandonedByLogout(Alice, At, offer);
        yield return new AgentEvent.CallHandled(Alice, At, offer, TimeSpan.FromSeconds(184), 5, DateOnly.FromDateTime(At.UtcDateTime));
        yield return new AgentEvent.WrapUpStarted(Alice, At, At + TimeSpan.FromSeconds(30));
    }

    private static CallOffered Offer(OfferTrace? trace) =>
        new(TheCall, At, Alice, Main, 7, MatchRule.PreferredAgent, 0, TimeSpan.FromSeconds(8), trace);

    private static AgentStanding Standing(AgentId agent, int proficiency) => new(agent, At - TimeSpan.FromMinutes(proficiency), 2, proficiency, 1);

    private static QueueView MainQueueView() => new(Main, true, 2, TimeSpan.FromSeconds(45), 4, 1, TimeSpan.FromMinutes(3));

    private static AgentProtocol.Checkpoint AgentCheckpoint() =>
        new(AgentRecovery.Snapshot(AgentsInEveryStatus().Last().State), 12, Bob, TheCall, Main, true, At);

    private static RoutingConfiguration FullConfiguration() => new()
    {
        Version = 4,
        Skills = [French, new SkillId("billing")],
        Queues =
        [
            new QueueConfig
            {
                Id = Main,
                RequiredSkills = [new SkillRequirement(French, 2)],
                ServiceLevelThreshold = TimeSpan.FromSeconds(20),
                MaximumSize = 10,
                WhenFull = QueueExitAction.Overflow,
                OverflowQueue = new QueueId("spill"),
                Schedule = new WeeklySchedule
                {
                    UtcOffset = TimeSpan.FromHours(1),
                    Hours = [new OpeningHours(DayOfWeek.Monday, new TimeOnly(8, 0), new TimeOnly(18, 30))],
                },
                Relaxation = [new RelaxationStep { After = TimeSpan.FromSeconds(30), RequiredSkills = [] }],
                AgentSelection = AgentSelection.BestProficiency,
                Priority = -3,
            },
            new QueueConfig { Id = new QueueId("spill"), Status = QueueStatus.Draining },
        ],
        AntiStarvation = AntiStarvationMode.Aging,
    };
}
