using CallCenter.Routing.Lifecycle;
using CallCenter.Routing.Model;
using NUnit.Framework;

namespace CallCenter.Routing.Tests.Core.Lifecycle;

/// <summary>
/// The call state machine: a transition table, each rule on its own (abandonment, epoch fencing,
/// transfers, callbacks), and a randomized run that checks the invariants after every command.
/// </summary>
[TestFixture]
public sealed class CallLifecycleTests
{
    private static readonly CallId TheCall = new("call-1");
    private static readonly DateTimeOffset Start = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);
    private static readonly QueueId Sales = new("sales");
    private static readonly QueueId Support = new("support");
    private static readonly QueueId Billing = new("billing");
    private static readonly TierId Gold = new("gold");
    private static readonly AgentId Alice = new("alice");
    private static readonly AgentId Bob = new("bob");
    private static readonly AgentId Carol = new("carol");
    private const long RingingEpoch = 7;
    private const long TargetEpoch = 8;
    private static readonly DateTimeOffset AppointmentAt = Start.AddHours(1);

    /// <summary>Drives one call through commands, a second apart, keeping every event emitted.</summary>
    private sealed class CallDriver
    {
        public CallState State { get; private set; } = CallState.New(TheCall);
        public DateTimeOffset Now { get; set; } = Start;
        public List<CallEvent> Log { get; } = [];

        public CallDecision Send(CallCommand command, TimeSpan? after = null)
        {
            Now += after ?? TimeSpan.FromSeconds(1);
            var decision = CallLifecycle.Decide(State, command, Now);
            State = decision.State;
            Log.AddRange(decision.Events);
            return decision;
        }

        /// <summary>Sends a command that must succeed and change the call.</summary>
        public CallDecision Do(CallCommand command, TimeSpan? after = null)
        {
            var decision = Send(command, after);
            Assert.That(decision.Outcome, Is.EqualTo(Outcome.Ok), $"{command} in the set-up");
            return decision;
        }

        public CallDriver Arrived(TierId? tier = null)
        {
            Do(new CallCommand.Arrive(Sales, tier ?? Gold, false, null, []));
            return this;
        }

        /// <summary>Brings the call to a named situation: a status, or a status with a transfer or callback.</summary>
        public CallDriver In(string situation)
        {
            switch (situation)
            {
                case "New":
                    return this;
                case "Arrived":
                    return Arrived();
                case "Queued":
                    Arrived().Do(new CallCommand.Queued(Sales, 3, TimeSpan.FromMinutes(1)));
                    return this;
                case "Ringing":
                    In("Queued").Do(new CallCommand.Offered(Alice, RingingEpoch));
                    return this;
                case "Connected":
                    In("Ringing").Do(new CallCommand.Answered(Alice, RingingEpoch));
                    return this;
                case "BlindTransfer":
                    In("Connected").Do(new CallCommand.RequestTransfer(TransferKind.Blind, TransferTarget.ToQueue(Support)));
                    return this;
                case "TransferRinging":
                    In("BlindTransfer").Do(new CallCommand.Offered(Bob, TargetEpoch));
                    return this;
                case "Consulting":
                    In("Connected").Do(new CallCommand.RequestTransfer(TransferKind.Consultative, TransferTarget.ToAgent(Bob)));
                    Do(new CallCommand.Offered(Bob, TargetEpoch));
                    return this;
                case "CallbackRequested":
                    In("Queued").Do(CallCommand.RequestCallback.Instance);
                    return this;
                case "CallbackRinging":
                    In("CallbackRequested").Do(new CallCommand.Offered(Alice, RingingEpoch));
                    return this;
                case "CallbackScheduled":
                    In("Queued").Do(new CallCommand.ScheduleCallback(AppointmentAt));
                    return this;
                case "Ended":
                    In("Queued").Do(CallCommand.CallerHungUp.Instance);
                    return this;
                default:
                    throw new ArgumentOutOfRangeException(nameof(situation), situation, "no such situation");
            }
        }
    }

    private static CallCommand Named(string name) => name switch
    {
        "Arrive" => new CallCommand.Arrive(Sales, Gold, false, null, []),
        "Queued" => new CallCommand.Queued(Sales, 3, TimeSpan.FromMinutes(1)),
        "QueuedInSupport" => new CallCommand.Queued(Support, 1, null),
        "Offered" => new CallCommand.Offered(Alice, RingingEpoch),
        "OfferedToOther" => new CallCommand.Offered(Carol, 9),
        "Declined" => new CallCommand.OfferReturned(RingingEpoch, OfferReturnReason.Declined),
        "DeclinedStale" => new CallCommand.OfferReturned(RingingEpoch - 1, OfferReturnReason.Declined),
        "TargetDeclined" => new CallCommand.OfferReturned(TargetEpoch, OfferReturnReason.Declined),
        "TimedOut" => new CallCommand.OfferReturned(RingingEpoch, OfferReturnReason.TimedOut),
        "TimedOutStale" => new CallCommand.OfferReturned(RingingEpoch - 1, OfferReturnReason.TimedOut),
        "Answered" => new CallCommand.Answered(Alice, RingingEpoch),
        "AnsweredStale" => new CallCommand.Answered(Alice, RingingEpoch - 1),
        "AnsweredByOther" => new CallCommand.Answered(Carol, RingingEpoch),
        "TargetAnswered" => new CallCommand.Answered(Bob, TargetEpoch),
        "Overflowed" => new CallCommand.Overflowed(Sales, Support),
        "OverflowedFromOther" => new CallCommand.Overflowed(Billing, Support),
        "Refused" => new CallCommand.Refused(Sales, "closed", false),
        "RefusedWithCallback" => new CallCommand.Refused(Sales, "full", true),
        "CallerHungUp" => CallCommand.CallerHungUp.Instance,
        "AgentHungUp" => new CallCommand.AgentHungUp(Alice),
        "OtherAgentHungUp" => new CallCommand.AgentHungUp(Carol),
        "RequestCallback" => CallCommand.RequestCallback.Instance,
        "ScheduleCallback" => new CallCommand.ScheduleCallback(AppointmentAt.AddDays(1)),
        "CallbackDue" => CallCommand.CallbackDue.Instance,
        "CancelCallback" => CallCommand.CancelCallback.Instance,
        "CallbackLate" => new CallCommand.CallbackLate(TimeSpan.FromMinutes(5)),
        "BlindTransfer" => new CallCommand.RequestTransfer(TransferKind.Blind, TransferTarget.ToQueue(Support)),
        "ConsultTransfer" => new CallCommand.RequestTransfer(TransferKind.Consultative, TransferTarget.ToAgent(Bob)),
        "TransferCompleted" => new CallCommand.TransferCompleted(Bob, TargetEpoch),
        "TransferCompletedStale" => new CallCommand.TransferCompleted(Bob, TargetEpoch - 2),
        "TransferFailed" => new CallCommand.TransferFailed("no agent"),
        "PositionAnnounced" => new CallCommand.PositionAnnounced(2, TimeSpan.FromSeconds(30)),
        "LongWaitCrossed" => new CallCommand.LongWaitCrossed(TimeSpan.FromSeconds(60)),
        "Promoted" => CallCommand.Promoted.Instance,
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "no such command in the table"),
    };

    // The command is sent a minute after the set-up: before any appointment is due.
    [TestCase("New", "Arrive", OutcomeCode.Ok, CallStatus.Arrived)]
    [TestCase("New", "Queued", OutcomeCode.Conflict, CallStatus.New)]
    [TestCase("New", "Offered", OutcomeCode.Conflict, CallStatus.New)]
    [TestCase("New", "Answered", OutcomeCode.Conflict, CallStatus.New)]
    [TestCase("New", "CallerHungUp", OutcomeCode.Conflict, CallStatus.New)]
    [TestCase("New", "CallbackDue", OutcomeCode.Conflict, CallStatus.New)]
    [TestCase("Arrived", "Arrive", OutcomeCode.Unchanged, CallStatus.Arrived)]
    [TestCase("Arrived", "Queued", OutcomeCode.Ok, CallStatus.Queued)]
    [TestCase("Arrived", "QueuedInSupport", OutcomeCode.Conflict, CallStatus.Arrived)]
    [TestCase("Arrived", "Offered", OutcomeCode.Ok, CallStatus.Ringing)]
    [TestCase("Arrived", "Answered", OutcomeCode.Conflict, CallStatus.Arrived)]
    [TestCase("Arrived", "Declined", OutcomeCode.Conflict, CallStatus.Arrived)]
    [TestCase("Arrived", "TimedOut", OutcomeCode.Unchanged, CallStatus.Arrived)]
    [TestCase("Arrived", "Overflowed", OutcomeCode.Ok, CallStatus.Arrived)]
    [TestCase("Arrived", "Refused", OutcomeCode.Ok, CallStatus.Ended)]
    [TestCase("Arrived", "RefusedWithCallback", OutcomeCode.Ok, CallStatus.Arrived)]
    [TestCase("Arrived", "CallerHungUp", OutcomeCode.Ok, CallStatus.Ended)]
    [TestCase("Arrived", "AgentHungUp", OutcomeCode.Unchanged, CallStatus.Arrived)]
    [TestCase("Arrived", "RequestCallback", OutcomeCode.Ok, CallStatus.CallbackRequested)]
    [TestCase("Arrived", "ScheduleCallback", OutcomeCode.Ok, CallStatus.CallbackScheduled)]
    [TestCase("Arrived", "CancelCallback", OutcomeCode.Conflict, CallStatus.Arrived)]
    [TestCase("Arrived", "BlindTransfer", OutcomeCode.Conflict, CallStatus.Arrived)]
    [TestCase("Arrived", "TransferCompleted", OutcomeCode.Conflict, CallStatus.Arrived)]
    [TestCase("Arrived", "TransferFailed", OutcomeCode.Unchanged, CallStatus.Arrived)]
    [TestCase("Arrived", "PositionAnnounced", OutcomeCode.Unchanged, CallStatus.Arrived)]
    [TestCase("Queued", "Arrive", OutcomeCode.Unchanged, CallStatus.Queued)]
    [TestCase("Queued", "Queued", OutcomeCode.Unchanged, CallStatus.Queued)]
    [TestCase("Queued", "QueuedInSupport", OutcomeCode.Conflict, CallStatus.Queued)]
    [TestCase("Queued", "Offered", OutcomeCode.Ok, CallStatus.Ringing)]
    [TestCase("Queued", "Answered", OutcomeCode.Conflict, CallStatus.Queued)]
    [TestCase("Queued", "Declined", OutcomeCode.Conflict, CallStatus.Queued)]
    [TestCase("Queued", "TimedOut", OutcomeCode.Unchanged, CallStatus.Queued)]
    [TestCase("Queued", "Overflowed", OutcomeCode.Ok, CallStatus.Queued)]
    [TestCase("Queued", "OverflowedFromOther", OutcomeCode.Conflict, CallStatus.Queued)]
    [TestCase("Queued", "Refused", OutcomeCode.Ok, CallStatus.Ended)]
    [TestCase("Queued", "RefusedWithCallback", OutcomeCode.Ok, CallStatus.Arrived)]
    [TestCase("Queued", "CallerHungUp", OutcomeCode.Ok, CallStatus.Ended)]
    [TestCase("Queued", "AgentHungUp", OutcomeCode.Unchanged, CallStatus.Queued)]
    [TestCase("Queued", "RequestCallback", OutcomeCode.Ok, CallStatus.CallbackRequested)]
    [TestCase("Queued", "ScheduleCallback", OutcomeCode.Ok, CallStatus.CallbackScheduled)]
    [TestCase("Queued", "CallbackDue", OutcomeCode.Unchanged, CallStatus.Queued)]
    [TestCase("Queued", "CancelCallback", OutcomeCode.Conflict, CallStatus.Queued)]
    [TestCase("Queued", "CallbackLate", OutcomeCode.Unchanged, CallStatus.Queued)]
    [TestCase("Queued", "BlindTransfer", OutcomeCode.Conflict, CallStatus.Queued)]
    [TestCase("Queued", "TransferCompleted", OutcomeCode.Conflict, CallStatus.Queued)]
    [TestCase("Queued", "TransferFailed", OutcomeCode.Unchanged, CallStatus.Queued)]
    [TestCase("Queued", "PositionAnnounced", OutcomeCode.Ok, CallStatus.Queued)]
    [TestCase("Queued", "LongWaitCrossed", OutcomeCode.Ok, CallStatus.Queued)]
    [TestCase("Queued", "Promoted", OutcomeCode.Ok, CallStatus.Queued)]
    [TestCase("Ringing", "Queued", OutcomeCode.Conflict, CallStatus.Ringing)]
    [TestCase("Ringing", "Offered", OutcomeCode.Unchanged, CallStatus.Ringing)]
    [TestCase("Ringing", "OfferedToOther", OutcomeCode.Conflict, CallStatus.Ringing)]
    [TestCase("Ringing", "Answered", OutcomeCode.Ok, CallStatus.Connected)]
    [TestCase("Ringing", "AnsweredStale", OutcomeCode.Conflict, CallStatus.Ringing)]
    [TestCase("Ringing", "AnsweredByOther", OutcomeCode.Conflict, CallStatus.Ringing)]
    [TestCase("Ringing", "Declined", OutcomeCode.Ok, CallStatus.Queued)]
    [TestCase("Ringing", "DeclinedStale", OutcomeCode.Conflict, CallStatus.Ringing)]
    [TestCase("Ringing", "TimedOut", OutcomeCode.Ok, CallStatus.Queued)]
    [TestCase("Ringing", "TimedOutStale", OutcomeCode.Unchanged, CallStatus.Ringing)]
    [TestCase("Ringing", "Overflowed", OutcomeCode.Conflict, CallStatus.Ringing)]
    [TestCase("Ringing", "Refused", OutcomeCode.Conflict, CallStatus.Ringing)]
    [TestCase("Ringing", "CallerHungUp", OutcomeCode.Ok, CallStatus.Ended)]
    [TestCase("Ringing", "AgentHungUp", OutcomeCode.Unchanged, CallStatus.Ringing)]
    [TestCase("Ringing", "RequestCallback", OutcomeCode.Conflict, CallStatus.Ringing)]
    [TestCase("Ringing", "ScheduleCallback", OutcomeCode.Conflict, CallStatus.Ringing)]
    [TestCase("Ringing", "CancelCallback", OutcomeCode.Conflict, CallStatus.Ringing)]
    [TestCase("Ringing", "BlindTransfer", OutcomeCode.Conflict, CallStatus.Ringing)]
    [TestCase("Ringing", "PositionAnnounced", OutcomeCode.Unchanged, CallStatus.Ringing)]
    [TestCase("Ringing", "Promoted", OutcomeCode.Unchanged, CallStatus.Ringing)]
    [TestCase("Connected", "Queued", OutcomeCode.Conflict, CallStatus.Connected)]
    [TestCase("Connected", "Offered", OutcomeCode.Unchanged, CallStatus.Connected)]
    [TestCase("Connected", "OfferedToOther", OutcomeCode.Conflict, CallStatus.Connected)]
    [TestCase("Connected", "Answered", OutcomeCode.Unchanged, CallStatus.Connected)]
    [TestCase("Connected", "AnsweredStale", OutcomeCode.Conflict, CallStatus.Connected)]
    [TestCase("Connected", "Declined", OutcomeCode.Conflict, CallStatus.Connected)]
    [TestCase("Connected", "TimedOut", OutcomeCode.Unchanged, CallStatus.Connected)]
    [TestCase("Connected", "Overflowed", OutcomeCode.Conflict, CallStatus.Connected)]
    [TestCase("Connected", "Refused", OutcomeCode.Conflict, CallStatus.Connected)]
    [TestCase("Connected", "CallerHungUp", OutcomeCode.Ok, CallStatus.Ended)]
    [TestCase("Connected", "AgentHungUp", OutcomeCode.Ok, CallStatus.Ended)]
    [TestCase("Connected", "OtherAgentHungUp", OutcomeCode.Unchanged, CallStatus.Connected)]
    [TestCase("Connected", "RequestCallback", OutcomeCode.Conflict, CallStatus.Connected)]
    [TestCase("Connected", "ScheduleCallback", OutcomeCode.Conflict, CallStatus.Connected)]
    [TestCase("Connected", "CancelCallback", OutcomeCode.Conflict, CallStatus.Connected)]
    [TestCase("Connected", "BlindTransfer", OutcomeCode.Ok, CallStatus.Queued)]
    [TestCase("Connected", "ConsultTransfer", OutcomeCode.Ok, CallStatus.Connected)]
    [TestCase("Connected", "TransferCompleted", OutcomeCode.Conflict, CallStatus.Connected)]
    [TestCase("Connected", "TransferFailed", OutcomeCode.Unchanged, CallStatus.Connected)]
    [TestCase("Connected", "PositionAnnounced", OutcomeCode.Unchanged, CallStatus.Connected)]
    [TestCase("BlindTransfer", "BlindTransfer", OutcomeCode.Unchanged, CallStatus.Queued)]
    [TestCase("BlindTransfer", "ConsultTransfer", OutcomeCode.Conflict, CallStatus.Queued)]
    [TestCase("BlindTransfer", "QueuedInSupport", OutcomeCode.Unchanged, CallStatus.Queued)]
    [TestCase("BlindTransfer", "Queued", OutcomeCode.Conflict, CallStatus.Queued)]
    [TestCase("BlindTransfer", "OfferedToOther", OutcomeCode.Ok, CallStatus.Ringing)]
    [TestCase("BlindTransfer", "TransferCompleted", OutcomeCode.Conflict, CallStatus.Queued)]
    [TestCase("BlindTransfer", "TransferFailed", OutcomeCode.Ok, CallStatus.Queued)]
    [TestCase("BlindTransfer", "RequestCallback", OutcomeCode.Conflict, CallStatus.Queued)]
    [TestCase("BlindTransfer", "CallerHungUp", OutcomeCode.Ok, CallStatus.Ended)]
    [TestCase("BlindTransfer", "AgentHungUp", OutcomeCode.Unchanged, CallStatus.Queued)]
    [TestCase("TransferRinging", "TransferCompleted", OutcomeCode.Ok, CallStatus.Connected)]
    [TestCase("TransferRinging", "TargetAnswered", OutcomeCode.Ok, CallStatus.Connected)]
    [TestCase("TransferRinging", "TransferCompletedStale", OutcomeCode.Conflict, CallStatus.Ringing)]
    [TestCase("TransferRinging", "Answered", OutcomeCode.Conflict, CallStatus.Ringing)]
    [TestCase("TransferRinging", "TargetDeclined", OutcomeCode.Ok, CallStatus.Queued)]
    [TestCase("TransferRinging", "TransferFailed", OutcomeCode.Conflict, CallStatus.Ringing)]
    [TestCase("TransferRinging", "CallerHungUp", OutcomeCode.Ok, CallStatus.Ended)]
    [TestCase("Consulting", "TransferCompleted", OutcomeCode.Ok, CallStatus.Connected)]
    [TestCase("Consulting", "TransferCompletedStale", OutcomeCode.Conflict, CallStatus.Connected)]
    [TestCase("Consulting", "TargetAnswered", OutcomeCode.Unchanged, CallStatus.Connected)]
    [TestCase("Consulting", "TargetDeclined", OutcomeCode.Ok, CallStatus.Connected)]
    [TestCase("Consulting", "TransferFailed", OutcomeCode.Ok, CallStatus.Connected)]
    [TestCase("Consulting", "ConsultTransfer", OutcomeCode.Unchanged, CallStatus.Connected)]
    [TestCase("Consulting", "BlindTransfer", OutcomeCode.Conflict, CallStatus.Connected)]
    [TestCase("Consulting", "OfferedToOther", OutcomeCode.Conflict, CallStatus.Connected)]
    [TestCase("Consulting", "CallerHungUp", OutcomeCode.Ok, CallStatus.Ended)]
    [TestCase("Consulting", "AgentHungUp", OutcomeCode.Ok, CallStatus.Ended)]
    [TestCase("CallbackRequested", "Queued", OutcomeCode.Unchanged, CallStatus.CallbackRequested)]
    [TestCase("CallbackRequested", "Offered", OutcomeCode.Ok, CallStatus.Ringing)]
    [TestCase("CallbackRequested", "CallerHungUp", OutcomeCode.Unchanged, CallStatus.CallbackRequested)]
    [TestCase("CallbackRequested", "RequestCallback", OutcomeCode.Unchanged, CallStatus.CallbackRequested)]
    [TestCase("CallbackRequested", "ScheduleCallback", OutcomeCode.Ok, CallStatus.CallbackScheduled)]
    [TestCase("CallbackRequested", "CancelCallback", OutcomeCode.Ok, CallStatus.Ended)]
    [TestCase("CallbackRequested", "Refused", OutcomeCode.Ok, CallStatus.Ended)]
    [TestCase("CallbackRequested", "PositionAnnounced", OutcomeCode.Unchanged, CallStatus.CallbackRequested)]
    [TestCase("CallbackRequested", "LongWaitCrossed", OutcomeCode.Ok, CallStatus.CallbackRequested)]
    [TestCase("CallbackRequested", "CallbackLate", OutcomeCode.Unchanged, CallStatus.CallbackRequested)]
    [TestCase("CallbackRequested", "BlindTransfer", OutcomeCode.Conflict, CallStatus.CallbackRequested)]
    [TestCase("CallbackRinging", "CallerHungUp", OutcomeCode.Unchanged, CallStatus.Ringing)]
    [TestCase("CallbackRinging", "Declined", OutcomeCode.Ok, CallStatus.CallbackRequested)]
    [TestCase("CallbackRinging", "TimedOut", OutcomeCode.Ok, CallStatus.CallbackRequested)]
    [TestCase("CallbackRinging", "Answered", OutcomeCode.Ok, CallStatus.Connected)]
    [TestCase("CallbackRinging", "CancelCallback", OutcomeCode.Ok, CallStatus.Ended)]
    [TestCase("CallbackRinging", "RequestCallback", OutcomeCode.Unchanged, CallStatus.Ringing)]
    [TestCase("CallbackScheduled", "CallerHungUp", OutcomeCode.Unchanged, CallStatus.CallbackScheduled)]
    [TestCase("CallbackScheduled", "CallbackDue", OutcomeCode.Unchanged, CallStatus.CallbackScheduled)]
    [TestCase("CallbackScheduled", "Queued", OutcomeCode.Conflict, CallStatus.CallbackScheduled)]
    [TestCase("CallbackScheduled", "Offered", OutcomeCode.Conflict, CallStatus.CallbackScheduled)]
    [TestCase("CallbackScheduled", "ScheduleCallback", OutcomeCode.Ok, CallStatus.CallbackScheduled)]
    [TestCase("CallbackScheduled", "RequestCallback", OutcomeCode.Conflict, CallStatus.CallbackScheduled)]
    [TestCase("CallbackScheduled", "CancelCallback", OutcomeCode.Ok, CallStatus.Ended)]
    [TestCase("CallbackScheduled", "CallbackLate", OutcomeCode.Unchanged, CallStatus.CallbackScheduled)]
    [TestCase("Ended", "Arrive", OutcomeCode.Unchanged, CallStatus.Ended)]
    [TestCase("Ended", "CallerHungUp", OutcomeCode.Unchanged, CallStatus.Ended)]
    [TestCase("Ended", "AgentHungUp", OutcomeCode.Unchanged, CallStatus.Ended)]
    [TestCase("Ended", "Queued", OutcomeCode.Conflict, CallStatus.Ended)]
    [TestCase("Ended", "Offered", OutcomeCode.Conflict, CallStatus.Ended)]
    [TestCase("Ended", "Answered", OutcomeCode.Conflict, CallStatus.Ended)]
    [TestCase("Ended", "Declined", OutcomeCode.Unchanged, CallStatus.Ended)]
    [TestCase("Ended", "TimedOut", OutcomeCode.Unchanged, CallStatus.Ended)]
    [TestCase("Ended", "Refused", OutcomeCode.Unchanged, CallStatus.Ended)]
    [TestCase("Ended", "RequestCallback", OutcomeCode.Conflict, CallStatus.Ended)]
    [TestCase("Ended", "ScheduleCallback", OutcomeCode.Conflict, CallStatus.Ended)]
    [TestCase("Ended", "CancelCallback", OutcomeCode.Unchanged, CallStatus.Ended)]
    [TestCase("Ended", "CallbackDue", OutcomeCode.Unchanged, CallStatus.Ended)]
    [TestCase("Ended", "BlindTransfer", OutcomeCode.Conflict, CallStatus.Ended)]
    [TestCase("Ended", "TransferCompleted", OutcomeCode.Conflict, CallStatus.Ended)]
    [TestCase("Ended", "TransferFailed", OutcomeCode.Unchanged, CallStatus.Ended)]
    [TestCase("Ended", "PositionAnnounced", OutcomeCode.Unchanged, CallStatus.Ended)]
    [TestCase("Ended", "Promoted", OutcomeCode.Unchanged, CallStatus.Ended)]
    public void Transition_table(string situation, string command, OutcomeCode expectedCode, CallStatus expectedStatus)
    {
        var call = new CallDriver().In(situation);
        var before = call.State;

        var decision = call.Send(Named(command), TimeSpan.FromMinutes(1));

        Assert.That(decision.Outcome.Code, Is.EqualTo(expectedCode), decision.Outcome.ToString());
        Assert.That(decision.State.Status, Is.EqualTo(expectedStatus));
        if (expectedCode == OutcomeCode.Ok)
        {
            Assert.That(decision.Events, Is.Not.Empty);
            Assert.That(decision.Events.Select(e => e.Sequence),
                Is.EqualTo(Enumerable.Range(1, decision.Events.Count).Select(i => before.LastSequence + i)));
        }
        else
        {
            Assert.That(decision.State, Is.SameAs(before), "a refused or duplicate command keeps the very same state");
            Assert.That(decision.Events, Is.Empty);
            Assert.That(decision.Outcome.Field, expectedCode == OutcomeCode.Unchanged ? Is.Null : Is.Not.Null,
                "a refusal names the field at fault");
        }
    }

    // ---- Arrival ----

    [Test]
    public void Arrival_records_what_routing_needs_and_numbers_the_first_event_one()
    {
        var call = new CallDriver();
        SkillRequirement[] french = [new(new("fr"), 6)];

        var decision = call.Do(new CallCommand.Arrive(Sales, Gold, true, Alice, french));

        Assert.That(decision.Events.Single(), Is.TypeOf<CallEvent.Arrived>());
        Assert.That(decision.Events.Single().Sequence, Is.EqualTo(1));
        var state = decision.State;
        Assert.That((state.Status, state.Queue, state.Tier, state.Emergency, state.PreferredAgent),
            Is.EqualTo((CallStatus.Arrived, Sales, Gold, true, (AgentId?)Alice)));
        Assert.That(state.ExtraSkills, Is.EqualTo(french));
        Assert.That(state.ArrivedAt, Is.EqualTo(call.Now));
        Assert.That(state.CallerOnLine, Is.True);
    }

    [Test]
    public void A_call_moved_from_elsewhere_keeps_its_earlier_arrival_but_none_can_arrive_in_the_future()
    {
        var earlier = new CallDriver();
        var future = new CallDriver();

        earlier.Do(new CallCommand.Arrive(Sales, Gold, false, null, [], Start.AddMinutes(-3)));
        var refused = future.Send(new CallCommand.Arrive(Sales, Gold, false, null, [], Start.AddMinutes(3)));

        Assert.That(earlier.State.ArrivedAt, Is.EqualTo(Start.AddMinutes(-3)));
        Assert.That((refused.Outcome.Code, refused.Outcome.Field), Is.EqualTo((OutcomeCode.Invalid, "arrivedAt")));
    }

    [TestCase("queue")]
    [TestCase("tier")]
    [TestCase("preferredAgent")]
    [TestCase("extraSkills")]
    [TestCase("extraSkills[1].skill")]
    [TestCase("extraSkills[1].minimumLevel")]
    public void A_bad_arrival_is_refused_naming_the_field(string field)
    {
        SkillRequirement[] skills = field switch
        {
            "extraSkills[1].skill" => [new(new("fr"), 3), new(new("fr"), 4)],
            "extraSkills[1].minimumLevel" => [new(new("fr"), 3), new(new("de"), 11)],
            _ => [],
        };
        var command = new CallCommand.Arrive(
            field == "queue" ? new QueueId("") : Sales,
            field == "tier" ? new TierId(" ") : Gold,
            false,
            field == "preferredAgent" ? new AgentId("") : null,
            field == "extraSkills" ? null! : skills);
        var call = new CallDriver();

        var decision = call.Send(command);

        Assert.That((decision.Outcome.Code, decision.Outcome.Field), Is.EqualTo((OutcomeCode.Invalid, field)));
        Assert.That(call.State.Status, Is.EqualTo(CallStatus.New));
    }

    [Test]
    public void The_extra_skills_kept_are_a_copy_the_caller_cannot_change()
    {
        var skills = new List<SkillRequirement> { new(new("fr"), 6) };
        var call = new CallDriver();
        call.Do(new CallCommand.Arrive(Sales, Gold, false, null, skills));

        skills[0] = new(new("fr"), 1);

        Assert.That(call.State.ExtraSkills[0].MinimumLevel, Is.EqualTo(6));
    }

    [Test]
    public void An_overflow_moves_the_call_keeping_tier_and_arrival_and_a_stale_one_is_refused()
    {
        var call = new CallDriver().In("Queued");
        var arrivedAt = call.State.ArrivedAt;

        call.Do(new CallCommand.Overflowed(Sales, Support));
        var again = call.Send(new CallCommand.Overflowed(Sales, Support));
        var stale = call.Send(new CallCommand.Overflowed(Sales, Billing));

        Assert.That((call.State.Queue, call.State.Tier, call.State.ArrivedAt), Is.EqualTo((Support, Gold, arrivedAt)));
        Assert.That(call.State.QueuedAt, Is.EqualTo(call.Now.AddSeconds(-2)));
        Assert.That(again.Outcome, Is.EqualTo(Outcome.Unchanged));
        Assert.That((stale.Outcome.Code, stale.Outcome.Field), Is.EqualTo((OutcomeCode.Conflict, "from")));
    }

    // ---- Abandonment and hang-ups ----

    [TestCase("Arrived", CallOutcome.AbandonedWhileWaiting)]
    [TestCase("Queued", CallOutcome.AbandonedWhileWaiting)]
    [TestCase("Ringing", CallOutcome.AbandonedWhileRinging)]
    [TestCase("Connected", CallOutcome.Answered)]
    [TestCase("BlindTransfer", CallOutcome.AbandonedInTransfer)]
    [TestCase("TransferRinging", CallOutcome.AbandonedInTransfer)]
    [TestCase("Consulting", CallOutcome.Answered)]
    public void A_caller_hanging_up_ends_the_call_by_where_it_stood(string situation, CallOutcome expected)
    {
        var call = new CallDriver().In(situation);

        var decision = call.Do(CallCommand.CallerHungUp.Instance);

        var ended = (CallEvent.Ended)decision.Events.Single();
        Assert.That(ended.Outcome, Is.EqualTo(expected));
        Assert.That((call.State.Outcome, call.State.EndedAt), Is.EqualTo(((CallOutcome?)expected, (DateTimeOffset?)call.Now)));
        Assert.That(call.State.Offer, Is.Null);
        Assert.That(call.State.Connection, Is.Null);
        Assert.That(call.State.Transfer, Is.Null);
    }

    [Test]
    public void Hanging_up_while_ringing_names_the_agent_whose_offer_must_be_withdrawn()
    {
        var call = new CallDriver().In("Ringing");

        var ended = (CallEvent.Ended)call.Do(CallCommand.CallerHungUp.Instance).Events.Single();

        Assert.That((ended.Agent, ended.TalkTime), Is.EqualTo(((AgentId?)Alice, (TimeSpan?)null)));
    }

    [Test]
    public void A_connected_call_ends_answered_with_the_talk_time_of_its_agent()
    {
        var call = new CallDriver().In("Connected");

        var decision = call.Do(new CallCommand.AgentHungUp(Alice), TimeSpan.FromMinutes(4));

        Assert.That(decision.Events.Single(),
            Is.EqualTo(new CallEvent.Ended(TheCall, 5, call.Now, CallOutcome.Answered, Alice, TimeSpan.FromMinutes(4))));
    }

    [Test]
    public void Duplicate_hang_ups_change_nothing()
    {
        var call = new CallDriver().In("Connected");
        call.Do(CallCommand.CallerHungUp.Instance);
        var ended = call.State;

        var fromCaller = call.Send(CallCommand.CallerHungUp.Instance);
        var fromAgent = call.Send(new CallCommand.AgentHungUp(Alice));

        Assert.That(fromCaller.Outcome, Is.EqualTo(Outcome.Unchanged));
        Assert.That(fromAgent.Outcome, Is.EqualTo(Outcome.Unchanged));
        Assert.That(call.State, Is.SameAs(ended));
        Assert.That(call.State.Outcome, Is.EqualTo(CallOutcome.Answered));
    }

    [Test]
    public void A_caller_refused_with_a_callback_offer_who_hangs_up_counts_as_refused()
    {
        var call = new CallDriver().In("Queued");

        var refused = call.Do(new CallCommand.Refused(Sales, "maximum-wait", CallbackOffered: true));
        call.Do(CallCommand.CallerHungUp.Instance);

        Assert.That(refused.Events.Single(), Is.TypeOf<CallEvent.Refused>());
        Assert.That(refused.State.QueuedAt, Is.Null, "a refused call has no place in line");
        Assert.That(call.State.Outcome, Is.EqualTo(CallOutcome.Refused));
    }

    [Test]
    public void A_refusal_without_a_callback_offer_ends_the_call()
    {
        var call = new CallDriver().In("Queued");

        var decision = call.Do(new CallCommand.Refused(Sales, "closed", CallbackOffered: false));

        Assert.That(decision.Events.Select(e => e.GetType()), Is.EqualTo(new[] { typeof(CallEvent.Refused), typeof(CallEvent.Ended) }));
        Assert.That(call.State.Outcome, Is.EqualTo(CallOutcome.Refused));
    }

    // ---- Offers and epochs ----

    [Test]
    public void An_answer_before_any_offer_is_refused_naming_the_epoch()
    {
        var call = new CallDriver().In("Queued");

        var decision = call.Send(new CallCommand.Answered(Alice, 1));

        Assert.That((decision.Outcome.Code, decision.Outcome.Field), Is.EqualTo((OutcomeCode.Conflict, "epoch")));
        Assert.That(decision.Outcome.Message, Does.Contain("not ringing"));
    }

    [Test]
    public void An_offer_for_an_ended_call_is_refused_so_the_agent_can_be_freed()
    {
        var call = new CallDriver().In("Ended");

        var decision = call.Send(new CallCommand.Offered(Alice, 3));

        Assert.That((decision.Outcome.Code, decision.Outcome.Field), Is.EqualTo((OutcomeCode.Conflict, "call")));
        Assert.That(decision.Outcome.Message, Does.Contain("ended"));
    }

    [Test]
    public void A_returned_offer_puts_the_call_back_at_its_place_and_fences_the_old_epoch()
    {
        var call = new CallDriver().In("Ringing");
        var queuedAt = call.State.QueuedAt;

        call.Do(new CallCommand.OfferReturned(RingingEpoch, OfferReturnReason.TimedOut));
        Assert.That((call.State.Status, call.State.QueuedAt), Is.EqualTo((CallStatus.Queued, queuedAt)));
        call.Do(new CallCommand.Offered(Bob, RingingEpoch + 1));

        var lateAnswer = call.Send(new CallCommand.Answered(Alice, RingingEpoch));
        var lateDecline = call.Send(new CallCommand.OfferReturned(RingingEpoch, OfferReturnReason.Declined));
        var lateTimer = call.Send(new CallCommand.OfferReturned(RingingEpoch, OfferReturnReason.TimedOut));
        call.Do(new CallCommand.Answered(Bob, RingingEpoch + 1));

        Assert.That((lateAnswer.Outcome.Code, lateAnswer.Outcome.Field), Is.EqualTo((OutcomeCode.Conflict, "epoch")));
        Assert.That(lateAnswer.Outcome.Message, Does.Contain("stale"));
        Assert.That((lateDecline.Outcome.Code, lateDecline.Outcome.Field), Is.EqualTo((OutcomeCode.Conflict, "epoch")));
        Assert.That(lateTimer.Outcome, Is.EqualTo(Outcome.Unchanged));
        Assert.That(call.State.Connection, Is.EqualTo(new AgentAssignment(Bob, RingingEpoch + 1)));
        Assert.That(call.State.Owner, Is.EqualTo(Bob));
    }

    [Test]
    public void An_offer_needs_a_positive_epoch_and_an_agent()
    {
        var call = new CallDriver().In("Queued");

        var noEpoch = call.Send(new CallCommand.Offered(Alice, 0));
        var noAgent = call.Send(new CallCommand.Offered(new AgentId(""), 4));

        Assert.That((noEpoch.Outcome.Code, noEpoch.Outcome.Field), Is.EqualTo((OutcomeCode.Invalid, "epoch")));
        Assert.That((noAgent.Outcome.Code, noAgent.Outcome.Field), Is.EqualTo((OutcomeCode.Invalid, "agent")));
    }

    [Test]
    public void The_first_answer_sets_the_owner_and_the_answer_time()
    {
        var call = new CallDriver().In("Ringing");

        var decision = call.Do(new CallCommand.Answered(Alice, RingingEpoch), TimeSpan.FromSeconds(9));

        Assert.That(decision.Events.Single(), Is.EqualTo(new CallEvent.Connected(TheCall, 4, call.Now, new(Alice, RingingEpoch))));
        Assert.That((call.State.Owner, call.State.AnsweredAt, call.State.ConnectedAt),
            Is.EqualTo(((AgentId?)Alice, (DateTimeOffset?)call.Now, (DateTimeOffset?)call.Now)));
    }

    // ---- Transfers ----

    [Test]
    public void A_blind_transfer_goes_back_to_routing_keeping_tier_arrival_and_owner()
    {
        var call = new CallDriver().In("Connected");
        var (arrivedAt, answeredAt) = (call.State.ArrivedAt, call.State.AnsweredAt);

        var started = call.Do(new CallCommand.RequestTransfer(TransferKind.Blind, TransferTarget.ToQueue(Support)));
        Assert.That((call.State.Status, call.State.Queue, call.State.QueuedAt, call.State.Connection),
            Is.EqualTo((CallStatus.Queued, Support, (DateTimeOffset?)call.Now, (AgentAssignment?)null)));
        var placed = call.Send(new CallCommand.Queued(Support, 1, null));
        call.Do(new CallCommand.Offered(Bob, TargetEpoch));
        var completed = call.Do(new CallCommand.Answered(Bob, TargetEpoch));

        Assert.That(started.Events.Single(), Is.TypeOf<CallEvent.TransferStarted>());
        Assert.That(placed.Outcome, Is.EqualTo(Outcome.Unchanged), "the transfer already put the call in line");
        Assert.That(completed.Events.Select(e => e.GetType()),
            Is.EqualTo(new[] { typeof(CallEvent.Connected), typeof(CallEvent.TransferCompleted) }));
        Assert.That(completed.Events[1], Is.EqualTo(new CallEvent.TransferCompleted(TheCall, 8, call.Now, Alice, Bob)));
        var state = call.State;
        Assert.That((state.Status, state.Connection, state.Transfer),
            Is.EqualTo((CallStatus.Connected, (AgentAssignment?)new AgentAssignment(Bob, TargetEpoch), (CallTransfer?)null)));
        Assert.That((state.Tier, state.ArrivedAt, state.Owner, state.AnsweredAt),
            Is.EqualTo((Gold, arrivedAt, (AgentId?)Alice, answeredAt)));
        Assert.That(state.ConnectedAt, Is.EqualTo(call.Now), "the new agent's talk time starts now");
    }

    [Test]
    public void A_failed_blind_transfer_puts_the_call_back_in_its_first_queue()
    {
        var call = new CallDriver().In("BlindTransfer");

        var failed = call.Do(new CallCommand.TransferFailed("support closed"));

        Assert.That(failed.Events.Single(), Is.EqualTo(new CallEvent.TransferFailed(TheCall, 6, call.Now, "support closed", Sales)));
        Assert.That((call.State.Status, call.State.Queue, call.State.Transfer),
            Is.EqualTo((CallStatus.Queued, Sales, (CallTransfer?)null)));
        Assert.That(call.State.Owner, Is.EqualTo(Alice));
    }

    [Test]
    public void A_consultative_transfer_keeps_the_caller_with_the_agent_until_it_completes()
    {
        var call = new CallDriver().In("Connected");

        call.Do(new CallCommand.RequestTransfer(TransferKind.Consultative, TransferTarget.ToAgent(Bob)));
        var ringing = call.Do(new CallCommand.Offered(Bob, TargetEpoch));
        Assert.That((call.State.Status, call.State.Connection, call.State.Offer),
            Is.EqualTo((CallStatus.Connected, (AgentAssignment?)new AgentAssignment(Alice, RingingEpoch), (AgentAssignment?)null)));
        Assert.That(call.State.Transfer?.TargetOffer, Is.EqualTo(new AgentAssignment(Bob, TargetEpoch)));
        var consulting = call.Send(new CallCommand.Answered(Bob, TargetEpoch));
        call.Do(new CallCommand.TransferCompleted(Bob, TargetEpoch), TimeSpan.FromMinutes(1));
        var again = call.Send(new CallCommand.TransferCompleted(Bob, TargetEpoch));
        var oldAgentLeaves = call.Send(new CallCommand.AgentHungUp(Alice));

        Assert.That(ringing.Events.Single(), Is.TypeOf<CallEvent.TransferTargetOffered>());
        Assert.That(consulting.Outcome, Is.EqualTo(Outcome.Unchanged), "the agents consult; the caller has not moved");
        Assert.That(again.Outcome, Is.EqualTo(Outcome.Unchanged));
        Assert.That(oldAgentLeaves.Outcome, Is.EqualTo(Outcome.Unchanged), "the first agent's leg ending does not end the call");
        Assert.That((call.State.Status, call.State.Connection, call.State.Owner),
            Is.EqualTo((CallStatus.Connected, (AgentAssignment?)new AgentAssignment(Bob, TargetEpoch), (AgentId?)Alice)));
    }

    [Test]
    public void A_failed_consultative_transfer_stays_with_the_first_agent()
    {
        var call = new CallDriver().In("Consulting");
        var connectedAt = call.State.ConnectedAt;

        call.Do(new CallCommand.OfferReturned(TargetEpoch, OfferReturnReason.TimedOut));
        call.Do(new CallCommand.TransferFailed("nobody free"));
        var repeated = call.Send(new CallCommand.TransferFailed("nobody free"));

        Assert.That((call.State.Status, call.State.Connection, call.State.Transfer),
            Is.EqualTo((CallStatus.Connected, (AgentAssignment?)new AgentAssignment(Alice, RingingEpoch), (CallTransfer?)null)));
        Assert.That(call.State.ConnectedAt, Is.EqualTo(connectedAt), "the agent's talk time goes on");
        Assert.That(repeated.Outcome, Is.EqualTo(Outcome.Unchanged));
    }

    [Test]
    public void A_consultative_transfer_that_gives_up_while_its_target_rings_withdraws_that_offer_first()
    {
        var call = new CallDriver().In("Consulting");

        var failed = call.Do(new CallCommand.TransferFailed("no one answered in time"));

        Assert.That(failed.Events.Select(e => e.GetType()), Is.EqualTo(new[] { typeof(CallEvent.TransferTargetReturned), typeof(CallEvent.TransferFailed) }));
        var withdrawn = (CallEvent.TransferTargetReturned)failed.Events[0];
        Assert.That((withdrawn.Offer, withdrawn.Reason), Is.EqualTo((new AgentAssignment(Bob, TargetEpoch), OfferReturnReason.Withdrawn)));
        Assert.That((call.State.Status, call.State.Connection, call.State.Transfer),
            Is.EqualTo((CallStatus.Connected, (AgentAssignment?)new AgentAssignment(Alice, RingingEpoch), (CallTransfer?)null)));
    }

    [Test]
    public void An_offer_returned_for_any_reason_puts_the_call_back_and_keeps_the_reason([Values] OfferReturnReason reason)
    {
        var call = new CallDriver().In("Ringing");

        var returned = call.Do(new CallCommand.OfferReturned(RingingEpoch, reason));

        Assert.That(returned.Events.Single(), Is.EqualTo(new CallEvent.OfferReturned(TheCall, call.State.LastSequence, call.Now, new AgentAssignment(Alice, RingingEpoch), reason)));
        Assert.That((call.State.Status, call.State.Offer), Is.EqualTo((CallStatus.Queued, (AgentAssignment?)null)));
    }

    [TestCase(OfferReturnReason.TimedOut)]
    [TestCase(OfferReturnReason.Bounced)]
    [TestCase(OfferReturnReason.Voided)]
    [TestCase(OfferReturnReason.AgentLoggedOut)]
    [TestCase(OfferReturnReason.SoftphoneLost)]
    public void A_late_return_that_is_not_the_agents_decline_is_harmless(OfferReturnReason reason)
    {
        var call = new CallDriver().In("Ringing");
        call.Do(new CallCommand.OfferReturned(RingingEpoch, OfferReturnReason.Declined));

        var late = call.Send(new CallCommand.OfferReturned(RingingEpoch, reason));

        Assert.That(late.Outcome, Is.EqualTo(Outcome.Unchanged));
    }

    [Test]
    public void An_offer_returned_for_no_known_reason_is_refused()
    {
        var call = new CallDriver().In("Ringing");

        var returned = call.Send(new CallCommand.OfferReturned(RingingEpoch, (OfferReturnReason)99));

        Assert.That((returned.Outcome.Code, returned.Outcome.Field), Is.EqualTo((OutcomeCode.Invalid, "reason")));
        Assert.That(call.State.Status, Is.EqualTo(CallStatus.Ringing));
    }

    [Test]
    public void A_transfer_to_the_agent_already_on_the_call_is_refused()
    {
        var call = new CallDriver().In("Connected");

        var toSelf = call.Send(new CallCommand.RequestTransfer(TransferKind.Blind, TransferTarget.ToAgent(Alice)));
        var noTarget = call.Send(new CallCommand.RequestTransfer(TransferKind.Blind, null!));
        var emptyQueue = call.Send(new CallCommand.RequestTransfer(TransferKind.Blind, TransferTarget.ToQueue(new(""))));

        Assert.That((toSelf.Outcome.Code, toSelf.Outcome.Field), Is.EqualTo((OutcomeCode.Conflict, "target")));
        Assert.That((noTarget.Outcome.Code, noTarget.Outcome.Field), Is.EqualTo((OutcomeCode.Invalid, "target")));
        Assert.That((emptyQueue.Outcome.Code, emptyQueue.Outcome.Field), Is.EqualTo((OutcomeCode.Invalid, "target.queue")));
    }

    // ---- Callbacks ----

    [Test]
    public void A_requested_callback_keeps_its_place_and_ends_completed_when_reached()
    {
        var call = new CallDriver().In("Queued");
        var (queue, queuedAt, arrivedAt) = (call.State.Queue, call.State.QueuedAt, call.State.ArrivedAt);

        call.Do(CallCommand.RequestCallback.Instance);
        Assert.That((call.State.Queue, call.State.QueuedAt, call.State.ArrivedAt), Is.EqualTo((queue, queuedAt, arrivedAt)));
        Assert.That(call.State.CallerOnLine, Is.False);
        call.Do(new CallCommand.Offered(Alice, 1));
        call.Do(new CallCommand.OfferReturned(1, OfferReturnReason.Declined));
        Assert.That(call.State.Status, Is.EqualTo(CallStatus.CallbackRequested), "a declined callback waits again as a callback");
        call.Do(new CallCommand.Offered(Bob, 2));
        call.Do(new CallCommand.Answered(Bob, 2));
        Assert.That(call.State.CallerOnLine, Is.True, "the agent reached the customer");
        call.Do(CallCommand.CallerHungUp.Instance);

        Assert.That(call.State.Outcome, Is.EqualTo(CallOutcome.CallbackCompleted));
        Assert.That(call.State.QueuedAt, Is.EqualTo(queuedAt));
    }

    [Test]
    public void A_callback_must_be_scheduled_for_later_than_now()
    {
        var call = new CallDriver().In("Queued");

        var past = call.Send(new CallCommand.ScheduleCallback(Start));
        var now = call.Send(new CallCommand.ScheduleCallback(call.Now + TimeSpan.FromSeconds(1)));

        Assert.That((past.Outcome.Code, past.Outcome.Field), Is.EqualTo((OutcomeCode.Invalid, "dueAt")));
        Assert.That((now.Outcome.Code, now.Outcome.Field), Is.EqualTo((OutcomeCode.Invalid, "dueAt")));
        Assert.That(call.State.Status, Is.EqualTo(CallStatus.Queued));
    }

    [Test]
    public void A_scheduled_callback_leaves_the_line_until_it_is_due()
    {
        var call = new CallDriver().In("CallbackScheduled");
        Assert.That((call.State.QueuedAt, call.State.CallbackDueAt), Is.EqualTo(((DateTimeOffset?)null, (DateTimeOffset?)AppointmentAt)));

        var early = call.Send(CallCommand.CallbackDue.Instance);
        call.Now = AppointmentAt - TimeSpan.FromSeconds(1);
        var due = call.Do(CallCommand.CallbackDue.Instance);
        var placed = call.Do(new CallCommand.Queued(Sales, 1, TimeSpan.Zero));

        Assert.That(early.Outcome, Is.EqualTo(Outcome.Unchanged), "a timer firing early changes nothing");
        Assert.That(due.Events.Single(), Is.EqualTo(new CallEvent.CallbackDue(TheCall, 4, AppointmentAt, AppointmentAt)));
        Assert.That(placed.State.Status, Is.EqualTo(CallStatus.CallbackRequested));
        Assert.That(placed.State.QueuedAt, Is.EqualTo(call.Now));
    }

    [Test]
    public void A_scheduled_callback_not_offered_in_time_is_flagged_late_once()
    {
        var call = new CallDriver().In("CallbackScheduled");
        var threshold = TimeSpan.FromMinutes(5);
        call.Now = AppointmentAt;
        call.Do(CallCommand.CallbackDue.Instance, TimeSpan.Zero);

        var tooSoon = call.Send(new CallCommand.CallbackLate(threshold), TimeSpan.FromMinutes(4));
        var late = call.Do(new CallCommand.CallbackLate(threshold), TimeSpan.FromMinutes(2));
        var again = call.Send(new CallCommand.CallbackLate(threshold));

        Assert.That(tooSoon.Outcome, Is.EqualTo(Outcome.Unchanged));
        Assert.That(late.Events.Single(),
            Is.EqualTo(new CallEvent.CallbackLate(TheCall, 5, call.Now.AddSeconds(-1), AppointmentAt, TimeSpan.FromMinutes(6))));
        Assert.That(again.Outcome, Is.EqualTo(Outcome.Unchanged));
        Assert.That(call.State.CallbackLate, Is.True);
    }

    [Test]
    public void A_callback_ringing_at_an_agent_is_not_late_and_a_new_appointment_clears_the_flag()
    {
        var ringing = new CallDriver().In("CallbackScheduled");
        ringing.Now = AppointmentAt;
        ringing.Do(CallCommand.CallbackDue.Instance);
        ringing.Do(new CallCommand.Offered(Alice, 1));
        var notLate = ringing.Send(new CallCommand.CallbackLate(TimeSpan.FromMinutes(5)), TimeSpan.FromMinutes(10));

        var rescheduled = new CallDriver().In("CallbackScheduled");
        rescheduled.Now = AppointmentAt.AddMinutes(10);
        rescheduled.Do(new CallCommand.CallbackLate(TimeSpan.FromMinutes(5)));
        rescheduled.Do(new CallCommand.ScheduleCallback(AppointmentAt.AddDays(1)));

        Assert.That(notLate.Outcome, Is.EqualTo(Outcome.Unchanged));
        Assert.That(rescheduled.State.CallbackLate, Is.False);
        Assert.That(rescheduled.State.CallbackDueAt, Is.EqualTo(AppointmentAt.AddDays(1)));
    }

    [Test]
    public void A_waiting_callback_can_be_cancelled_but_a_live_call_has_none_to_cancel()
    {
        var callback = new CallDriver().In("CallbackRinging");
        var live = new CallDriver().In("Queued");

        var cancelled = callback.Do(CallCommand.CancelCallback.Instance);
        var nothing = live.Send(CallCommand.CancelCallback.Instance);

        Assert.That(cancelled.Events.Single(),
            Is.EqualTo(new CallEvent.Ended(TheCall, 5, callback.Now, CallOutcome.CallbackCancelled, Alice, null)));
        Assert.That((nothing.Outcome.Code, nothing.Outcome.Field), Is.EqualTo((OutcomeCode.Conflict, "callback")));
    }

    // ---- Information for the caller and the supervisors ----

    [Test]
    public void Long_wait_thresholds_and_promotion_are_recorded_once_per_wait()
    {
        var call = new CallDriver().In("Queued");

        var first = call.Do(new CallCommand.LongWaitCrossed(TimeSpan.FromSeconds(60)));
        var lower = call.Send(new CallCommand.LongWaitCrossed(TimeSpan.FromSeconds(30)));
        call.Do(new CallCommand.LongWaitCrossed(TimeSpan.FromSeconds(120)));
        call.Do(CallCommand.Promoted.Instance);
        var promotedAgain = call.Send(CallCommand.Promoted.Instance);
        var badThreshold = call.Send(new CallCommand.LongWaitCrossed(TimeSpan.Zero));

        Assert.That(first.Events.Single(), Is.TypeOf<CallEvent.LongWaitCrossed>());
        Assert.That(lower.Outcome, Is.EqualTo(Outcome.Unchanged));
        Assert.That(promotedAgain.Outcome, Is.EqualTo(Outcome.Unchanged));
        Assert.That((badThreshold.Outcome.Code, badThreshold.Outcome.Field), Is.EqualTo((OutcomeCode.Invalid, "threshold")));
        Assert.That((call.State.LongWaitCrossed, call.State.Promoted), Is.EqualTo(((TimeSpan?)TimeSpan.FromSeconds(120), true)));
    }

    [Test]
    public void Each_position_announcement_is_an_event_and_a_bad_one_is_refused()
    {
        var call = new CallDriver().In("Queued");

        call.Do(new CallCommand.PositionAnnounced(2, TimeSpan.FromSeconds(40)));
        var repeated = call.Do(new CallCommand.PositionAnnounced(2, TimeSpan.FromSeconds(40)));
        var zero = call.Send(new CallCommand.PositionAnnounced(0, null));
        var negative = call.Send(new CallCommand.PositionAnnounced(1, TimeSpan.FromSeconds(-1)));

        Assert.That(repeated.Events.Single(), Is.TypeOf<CallEvent.PositionAnnounced>(), "the caller heard it again");
        Assert.That((zero.Outcome.Code, zero.Outcome.Field), Is.EqualTo((OutcomeCode.Invalid, "position")));
        Assert.That((negative.Outcome.Code, negative.Outcome.Field), Is.EqualTo((OutcomeCode.Invalid, "estimatedWait")));
    }

    // ---- Sequence and replay ----

    [Test]
    public void Events_are_numbered_one_by_one_across_decisions()
    {
        var call = new CallDriver().In("TransferRinging");
        call.Do(new CallCommand.TransferCompleted(Bob, TargetEpoch));
        call.Do(new CallCommand.AgentHungUp(Bob));

        Assert.That(call.Log.Select(e => e.Sequence), Is.EqualTo(Enumerable.Range(1, call.Log.Count).Select(i => (long)i)));
        Assert.That(call.State.LastSequence, Is.EqualTo(call.Log.Count));
    }

    [Test]
    public void An_event_of_another_call_or_out_of_sequence_cannot_be_applied()
    {
        var call = new CallDriver().In("Queued");
        var other = CallState.New(new("call-2"));
        var gap = new CallEvent.Promoted(TheCall, call.State.LastSequence + 2, call.Now);
        var repeat = call.Log[^1];

        Assert.Throws<ArgumentException>(() => CallLifecycle.Apply(other, call.Log[0]));
        Assert.Throws<ArgumentException>(() => CallLifecycle.Apply(call.State, gap));
        Assert.Throws<ArgumentException>(() => CallLifecycle.Apply(call.State, repeat));
    }

    [Test]
    public void Replaying_a_calls_events_rebuilds_it()
    {
        var call = new CallDriver().In("Consulting");
        call.Do(new CallCommand.TransferCompleted(Bob, TargetEpoch));
        call.Do(new CallCommand.RequestTransfer(TransferKind.Blind, TransferTarget.ToQueue(Billing)));

        var replayed = CallLifecycle.Replay(CallState.New(TheCall), call.Log);

        Assert.That(replayed, Is.EqualTo(call.State));
        Assert.That((replayed.Status, replayed.Queue, replayed.Owner), Is.EqualTo((CallStatus.Queued, Billing, (AgentId?)Alice)));
    }

    [Test]
    public void Only_an_ended_call_can_be_kept_as_ended()
    {
        var queued = CallLifecycle.Decide(CallState.New(TheCall), Named("Arrive"), Start).State;

        Assert.That(() => EndedCall.Of(queued), Throws.ArgumentException.With.Message.Contains("has not ended"));
    }

    // ---- Property-style run ----

    private static IEnumerable<TestCaseData> RandomRuns() =>
        new[] { 3, 17, 42, 99, 2026 }.Select(seed =>
            new TestCaseData(seed).SetName($"Invariants hold for random commands (seed {seed})"));

    [TestCaseSource(nameof(RandomRuns))]
    public void Invariants_hold_after_every_random_command(int seed)
    {
        var run = new RandomRun(seed);

        for (var step = 0; step < 8000; step++)
        {
            run.Step(step);
        }

        run.CheckReplay("end");
        TestContext.Out.WriteLine(
            $"calls {run.Calls}; outcomes {string.Join(", ", run.Outcomes)}; endings {string.Join(", ", run.Endings)}");
        Assert.That(run.Outcomes[OutcomeCode.Ok], Is.GreaterThan(2000), "the run changed calls often");
        Assert.That(run.Outcomes[OutcomeCode.Unchanged], Is.GreaterThan(500), "the run sent duplicates and late timers");
        Assert.That(run.Outcomes[OutcomeCode.Conflict], Is.GreaterThan(500), "the run sent stale and out-of-order commands");
        Assert.That(run.Outcomes[OutcomeCode.Invalid], Is.GreaterThan(50), "the run sent bad input");
        Assert.That(run.Visited, Is.EquivalentTo(Enum.GetValues<CallStatus>()));
        Assert.That(run.Endings.Keys, Is.EquivalentTo(Enum.GetValues<CallOutcome>()));
        Assert.That(run.Transfers, Is.GreaterThan(20), "the run completed transfers");
        Assert.That(run.KeptAnswers, Is.GreaterThan(500), "the run sent commands to ended calls");
    }

    /// <summary>
    /// Sends random commands to a succession of calls, biased towards what the gateway, routing and
    /// agents would send next, with stale epochs, duplicates, out-of-order and bad input mixed in,
    /// and checks every step. A call that has ended gets a few more commands, then a new call starts.
    /// </summary>
    private sealed class RandomRun(int seed)
    {
        private static readonly QueueId[] Queues = [Sales, Support, Billing];
        private static readonly AgentId[] Agents = [Alice, Bob, Carol, new("dave")];
        private readonly Random _random = new(seed);
        private readonly List<CallEvent> _log = [];
        private CallState _state = CallState.New(new("call-0"));
        private DateTimeOffset _now = Start;
        private long _lastEpoch;
        private int _stepsSinceEnd;
        private CallCommand _previous = CallCommand.CallerHungUp.Instance;

        public Dictionary<OutcomeCode, int> Outcomes { get; } = Enum.GetValues<OutcomeCode>().ToDictionary(c => c, _ => 0);
        public Dictionary<CallOutcome, int> Endings { get; } = [];
        public HashSet<CallStatus> Visited { get; } = [];
        public int Calls { get; private set; } = 1;
        public int Transfers { get; private set; }
        public int KeptAnswers { get; private set; }

        public void Step(int step)
        {
            if (_state.Status == CallStatus.Ended && ++_stepsSinceEnd > 3)
            {
                CheckReplay($"step {step}: before call-{Calls}");
                _state = CallState.New(new($"call-{Calls++}"));
                _log.Clear();
                _stepsSinceEnd = 0;
            }

            _now += _random.Next(50) == 0 ? TimeSpan.FromMinutes(_random.Next(5, 60)) : TimeSpan.FromSeconds(_random.Next(0, 20));
            var roll = _random.Next(10);
            var command = roll == 0 ? _previous : roll < 6 ? SensibleCommand() : AnyCommand();
            _previous = command;

            var before = _state;
            var decision = CallLifecycle.Decide(before, command, _now);
            var context = $"step {step}: {command} in {before.Status} at {_now:O} -> {decision.Outcome}";

            Check(before, command, decision, context);
            if (before.Status == CallStatus.Ended)
            {
                // What a domain keeps of an ended call answers as the whole final state does.
                var kept = EndedCall.Of(before).ToState();
                var fromKept = CallLifecycle.Decide(kept, command, _now);
                Assert.That((fromKept.Outcome, fromKept.Events.Count, fromKept.State), Is.EqualTo((decision.Outcome, 0, kept)), $"{context}, from what is kept");
                Assert.That((kept.Status, kept.Outcome, kept.EndedAt, kept.LastSequence, kept.Owner, kept.Queue, kept.Tier),
                    Is.EqualTo((before.Status, before.Outcome, before.EndedAt, before.LastSequence, before.Owner, before.Queue, before.Tier)), context);
                KeptAnswers++;
            }

            _state = decision.State;
            _log.AddRange(decision.Events);
            Outcomes[decision.Outcome.Code]++;
            Visited.Add(_state.Status);
            Transfers += decision.Events.OfType<CallEvent.TransferCompleted>().Count();
            if (decision.Events.OfType<CallEvent.Ended>().SingleOrDefault() is { } ended)
            {
                Endings[ended.Outcome] = Endings.GetValueOrDefault(ended.Outcome) + 1;
            }

            if (step % 100 == 0)
            {
                CheckReplay(context);
            }
        }

        public void CheckReplay(string context) =>
            Assert.That(CallLifecycle.Replay(CallState.New(_state.Id), _log), Is.EqualTo(_state),
                $"replaying {_log.Count} events from New rebuilds the call ({context})");

        /// <summary>What the gateway, routing and agents would send next: keeps the run moving.</summary>
        private CallCommand SensibleCommand()
        {
            var state = _state;
            switch (state.Status)
            {
                case CallStatus.New:
                    return new CallCommand.Arrive(Pick(Queues), new TierId(Pick("vip", "gold", "basic")), _random.Next(10) == 0,
                        _random.Next(4) == 0 ? Pick(Agents) : null, [], _random.Next(5) == 0 ? _now.AddMinutes(-2) : null);
                case CallStatus.Arrived or CallStatus.Queued or CallStatus.CallbackRequested:
                    return _random.Next(14) switch
                    {
                        0 or 1 => new CallCommand.Queued(state.Queue, _random.Next(1, 9), TimeSpan.FromSeconds(_random.Next(0, 300))),
                        2 => new CallCommand.Overflowed(state.Queue, Pick(Queues.Where(q => q != state.Queue).ToArray())),
                        3 => new CallCommand.Refused(state.Queue, "full", _random.Next(2) == 0),
                        4 => CallCommand.RequestCallback.Instance,
                        5 => new CallCommand.ScheduleCallback(_now.AddMinutes(_random.Next(1, 30))),
                        6 => new CallCommand.PositionAnnounced(_random.Next(1, 9), null),
                        7 => new CallCommand.LongWaitCrossed(TimeSpan.FromSeconds(30 * _random.Next(1, 6))),
                        8 => CallCommand.Promoted.Instance,
                        9 => state.CallerOnLine ? CallCommand.CallerHungUp.Instance : CallCommand.CancelCallback.Instance,
                        _ => new CallCommand.Offered(Pick(Agents), ++_lastEpoch),
                    };
                case CallStatus.Ringing:
                    var offer = state.Offer!.Value;
                    return _random.Next(7) switch
                    {
                        0 => new CallCommand.OfferReturned(offer.Epoch, OfferReturnReason.Declined),
                        1 => new CallCommand.OfferReturned(offer.Epoch, OfferReturnReason.TimedOut),
                        2 => CallCommand.CallerHungUp.Instance,
                        3 when state.Transfer is not null => new CallCommand.TransferCompleted(offer.Agent, offer.Epoch),
                        _ => new CallCommand.Answered(offer.Agent, offer.Epoch),
                    };
                case CallStatus.Connected when state.Transfer is { } transfer:
                    return transfer.TargetOffer is { } target
                        ? _random.Next(5) switch
                        {
                            0 => new CallCommand.OfferReturned(target.Epoch, OfferReturnReason.Declined),
                            1 => new CallCommand.TransferFailed("nobody free"),
                            _ => new CallCommand.TransferCompleted(target.Agent, target.Epoch),
                        }
                        : _random.Next(4) == 0
                            ? new CallCommand.TransferFailed("nobody free")
                            : new CallCommand.Offered(Pick(Agents), ++_lastEpoch);
                case CallStatus.Connected:
                    return _random.Next(6) switch
                    {
                        0 => CallCommand.CallerHungUp.Instance,
                        1 => new CallCommand.AgentHungUp(state.Connection!.Value.Agent),
                        _ => new CallCommand.RequestTransfer(Pick(TransferKind.Blind, TransferKind.Consultative), RandomTarget()),
                    };
                case CallStatus.CallbackScheduled:
                    _now = _random.Next(2) == 0 ? Max(_now, state.CallbackDueAt!.Value) : _now;
                    return _random.Next(3) == 0
                        ? new CallCommand.CallbackLate(TimeSpan.FromMinutes(_random.Next(0, 3)))
                        : CallCommand.CallbackDue.Instance;
                default:
                    return AnyCommand();
            }
        }

        /// <summary>Any command at all, with the epoch, agent or queue usually right and sometimes stale or wrong.</summary>
        private CallCommand AnyCommand()
        {
            var ringing = _state.Offer ?? _state.Transfer?.TargetOffer ?? _state.Connection;
            switch (_random.Next(26))
            {
                case 0:
                    return new CallCommand.Arrive(Pick([.. Queues, new QueueId("")]), new TierId(Pick("gold", "")), false, null,
                        _random.Next(8) == 0 ? [new(new("fr"), _random.Next(0, 12))] : [], _now.AddMinutes(_random.Next(-5, 2)));
                case 1:
                    return new CallCommand.Queued(Pick(Queues), _random.Next(-1, 5), null);
                case 2 or 3:
                    return new CallCommand.Offered(Pick(Agents), _random.Next(6) == 0 ? 0 : ++_lastEpoch);
                case 4:
                    return ringing is { } r ? new CallCommand.Offered(r.Agent, r.Epoch) : CallCommand.Promoted.Instance;
                case 5 or 6:
                    return new CallCommand.Answered(SomeAgent(ringing), SomeEpoch(ringing));
                case 7:
                    return new CallCommand.OfferReturned(SomeEpoch(ringing), OfferReturnReason.Declined);
                case 8:
                    return new CallCommand.OfferReturned(SomeEpoch(ringing), OfferReturnReason.TimedOut);
                case 9:
                    return new CallCommand.Overflowed(Pick(Queues), Pick(Queues));
                case 10:
                    return new CallCommand.Refused(Pick(Queues), Pick("closed", ""), _random.Next(2) == 0);
                case 11 or 12:
                    return CallCommand.CallerHungUp.Instance;
                case 13:
                    return new CallCommand.AgentHungUp(SomeAgent(_state.Connection));
                case 14:
                    return CallCommand.RequestCallback.Instance;
                case 15:
                    return new CallCommand.ScheduleCallback(_now.AddMinutes(_random.Next(-2, 20)));
                case 16:
                    return CallCommand.CallbackDue.Instance;
                case 17:
                    return CallCommand.CancelCallback.Instance;
                case 18:
                    return new CallCommand.CallbackLate(TimeSpan.FromMinutes(_random.Next(-1, 4)));
                case 19:
                    return new CallCommand.RequestTransfer(Pick(TransferKind.Blind, TransferKind.Consultative), RandomTarget());
                case 20:
                    return new CallCommand.TransferCompleted(SomeAgent(ringing), SomeEpoch(ringing));
                case 21:
                    return new CallCommand.TransferFailed(Pick("no agent", " "));
                case 22:
                    return new CallCommand.PositionAnnounced(_random.Next(0, 6), TimeSpan.FromSeconds(_random.Next(-10, 100)));
                case 23:
                    return new CallCommand.LongWaitCrossed(TimeSpan.FromSeconds(30 * _random.Next(0, 6)));
                case 24:
                    return CallCommand.Promoted.Instance;
                default:
                    return _previous;
            }
        }

        private TransferTarget RandomTarget() =>
            _random.Next(2) == 0 ? TransferTarget.ToQueue(Pick(Queues)) : TransferTarget.ToAgent(Pick(Agents));

        private T Pick<T>(params T[] choices) => choices[_random.Next(choices.Length)];

        /// <summary>Usually the right epoch, sometimes an older or a future one.</summary>
        private long SomeEpoch(AgentAssignment? current) =>
            current is { } c && _random.Next(3) > 0 ? c.Epoch : _random.NextInt64(0, _lastEpoch + 2);

        private AgentId SomeAgent(AgentAssignment? current) =>
            current is { } c && _random.Next(4) > 0 ? c.Agent : Pick(Agents);

        private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

        private void Check(CallState before, CallCommand command, CallDecision decision, string context)
        {
            var after = decision.State;
            CheckConsistent(after, context);

            if (decision.Outcome.Code != OutcomeCode.Ok)
            {
                Assert.That(after, Is.SameAs(before), $"a refused or duplicate command keeps the state ({context})");
                Assert.That(decision.Events, Is.Empty, context);
                if (decision.Outcome.Code != OutcomeCode.Unchanged)
                {
                    Assert.That(decision.Outcome.Field, Is.Not.Null.And.Not.Empty, $"a refusal names its field ({context})");
                }

                return;
            }

            Assert.That(before.Status, Is.Not.EqualTo(CallStatus.Ended), $"an ended call never changes ({context})");
            Assert.That(decision.Events, Is.Not.Empty, context);
            Assert.That(decision.Events.All(e => e.Call == before.Id && e.At == _now), Is.True, context);
            Assert.That(decision.Events.Select(e => e.Sequence),
                Is.EqualTo(Enumerable.Range(1, decision.Events.Count).Select(i => before.LastSequence + i)),
                $"sequence numbers go up by one with no gaps ({context})");
            Assert.That(after.LastSequence, Is.EqualTo(decision.Events[^1].Sequence), context);

            if (before.Status != CallStatus.New)
            {
                Assert.That((after.ArrivedAt, after.Tier), Is.EqualTo((before.ArrivedAt, before.Tier)),
                    $"arrival time and tier never change ({context})");
            }

            if (before.Owner is { } owner)
            {
                Assert.That(after.Owner, Is.EqualTo(owner), $"the case keeps its owner ({context})");
            }

            // Answers are fenced by the epoch of the offer ringing.
            if (command is CallCommand.Answered or CallCommand.TransferCompleted
                && decision.Events.OfType<CallEvent.Connected>().SingleOrDefault() is { } connected)
            {
                Assert.That(connected.Connection, Is.EqualTo(before.Offer ?? before.Transfer?.TargetOffer),
                    $"only the ringing offer can be answered ({context})");
            }
        }

        private static void CheckConsistent(CallState state, string context)
        {
            var status = state.Status;
            Assert.That(state.Offer is not null, Is.EqualTo(status == CallStatus.Ringing), $"offer ({context})");
            Assert.That(state.Connection is not null, Is.EqualTo(status == CallStatus.Connected), $"connection ({context})");
            Assert.That(state.ConnectedAt is not null, Is.EqualTo(status == CallStatus.Connected), $"connected at ({context})");
            Assert.That(state.Outcome is not null, Is.EqualTo(status == CallStatus.Ended), $"outcome ({context})");
            Assert.That(state.EndedAt is not null, Is.EqualTo(status == CallStatus.Ended), $"ended at ({context})");
            Assert.That(state.Owner is not null, Is.EqualTo(state.AnsweredAt is not null), $"owner ({context})");
            Assert.That(!state.CallbackOffered || status == CallStatus.Arrived, Is.True, $"callback offer ({context})");
            if (status is CallStatus.Arrived or CallStatus.Queued or CallStatus.Connected)
            {
                Assert.That(state.CallerOnLine, Is.True, $"the caller is on the line ({context})");
            }

            if (status is CallStatus.New or CallStatus.CallbackRequested or CallStatus.CallbackScheduled or CallStatus.Ended)
            {
                Assert.That(state.CallerOnLine, Is.False, $"nobody is on the line ({context})");
            }

            if (!state.CallerOnLine && status is not (CallStatus.New or CallStatus.Ended))
            {
                Assert.That(state.IsCallback, Is.True, $"only a callback waits with nobody on the line ({context})");
            }

            if (status == CallStatus.Queued)
            {
                Assert.That(state.QueuedAt, Is.Not.Null, $"a queued call has its place ({context})");
            }

            if (status == CallStatus.CallbackScheduled)
            {
                Assert.That(state.CallbackDueAt, Is.Not.Null, $"a scheduled callback has a time ({context})");
                Assert.That(state.QueuedAt, Is.Null, $"a scheduled callback has no place in line ({context})");
            }

            if (state.Transfer is { } transfer)
            {
                var expected = transfer.Kind == TransferKind.Blind
                    ? new[] { CallStatus.Queued, CallStatus.Ringing }
                    : [CallStatus.Connected];
                Assert.That(expected, Does.Contain(status), $"a transfer belongs to its statuses ({context})");
                Assert.That(transfer.TargetOffer is null || transfer.Kind == TransferKind.Consultative, Is.True, context);
            }
        }
    }
}
