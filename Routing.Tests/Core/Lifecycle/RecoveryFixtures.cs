using CallCenter.Routing.Lifecycle;
using CallCenter.Routing.Matching;
using CallCenter.Routing.Model;

namespace CallCenter.Routing.Tests.Core.Lifecycle;

/// <summary>
/// What the recovery tests share: equality that looks into lists (records holding an
/// IReadOnlyList compare it by reference), scripted call histories that between them emit every
/// kind of call event, and agents brought by their own state machine into every status.
/// </summary>
internal static class RecoveryFixtures
{
    /// <summary>A Monday; every step below moves on by whole microseconds, as PostgreSQL keeps time.</summary>
    public static readonly DateTimeOffset Start = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);

    public static readonly QueueId Sales = new("sales");
    public static readonly QueueId Support = new("support");
    public static readonly QueueId Billing = new("billing");
    public static readonly TierId Gold = new("gold");
    public static readonly AgentId Alice = new("alice");
    public static readonly AgentId Bob = new("bob");
    public static readonly AgentId Carol = new("carol");

    /// <summary>1.234567 s: an odd step with a whole number of microseconds.</summary>
    public static readonly TimeSpan Step = TimeSpan.FromTicks(12_345_670);

    /// <summary>Asserts two call states are equal in every field, the extra skills by sequence.</summary>
    public static void AssertSameCall(CallState actual, CallState expected, string because = "")
    {
        Assert.That(actual.ExtraSkills, Is.EqualTo(expected.ExtraSkills), $"extra skills {because}");
        Assert.That(actual with { ExtraSkills = expected.ExtraSkills }, Is.EqualTo(expected), because);
    }

    /// <summary>Asserts two call events are equal in every field, an arrival's extra skills by sequence.</summary>
    public static void AssertSameEvent(CallEvent actual, CallEvent expected)
    {
        Assert.That(actual.GetType(), Is.EqualTo(expected.GetType()), $"the kind of {expected}");
        if (expected is CallEvent.Arrived arrived && actual is CallEvent.Arrived back)
        {
            Assert.That(back.ExtraSkills, Is.EqualTo(arrived.ExtraSkills), "an arrival's extra skills");
            actual = back with { ExtraSkills = arrived.ExtraSkills };
        }

        Assert.That(actual, Is.EqualTo(expected));
    }

    /// <summary>Asserts two agent snapshots are equal in every field, the skills by sequence.</summary>
    public static void AssertSameAgent(AgentSnapshot actual, AgentSnapshot expected, string because = "")
    {
        Assert.That(actual.Skills, Is.EqualTo(expected.Skills), $"skills {because}");
        Assert.That(actual with { Skills = expected.Skills }, Is.EqualTo(expected), because);
    }

    /// <summary>Asserts two agent states are equal in every field, the skills by sequence.</summary>
    public static void AssertSameAgent(AgentState actual, AgentState expected, string because = "")
    {
        Assert.That(actual.Skills, Is.EqualTo(expected.Skills), $"skills {because}");
        Assert.That(actual with { Skills = expected.Skills }, Is.EqualTo(expected), because);
    }

    /// <summary>Drives one call through commands, each a step after the one before, keeping its events.</summary>
    public sealed class CallScript(string id = "call-1")
    {
        public CallState State { get; private set; } = CallState.New(new CallId(id));
        public DateTimeOffset Now { get; set; } = Start;
        public List<CallEvent> Events { get; } = [];

        /// <summary>A command that must succeed and change the call.</summary>
        public CallScript Do(CallCommand command, TimeSpan? after = null)
        {
            Now += after ?? Step;
            var decision = CallLifecycle.Decide(State, command, Now);
            Assert.That(decision.Outcome, Is.EqualTo(Outcome.Ok), $"{command} at {State.Status}");
            State = decision.State;
            Events.AddRange(decision.Events);
            return this;
        }

        public CallScript Arrive(AgentId? preferred = null, params SkillRequirement[] extraSkills) =>
            Do(new CallCommand.Arrive(Sales, Gold, false, preferred, extraSkills));
    }

    /// <summary>
    /// Call histories that, between them, emit every kind of call event, every reason an offer comes
    /// back for and several ways a call ends. Each is named for what it shows.
    /// </summary>
    public static IEnumerable<(string Name, CallScript Script)> Histories()
    {
        SkillRequirement[] extras = [new(new SkillId("french"), 3), new(new SkillId("english"), 5)];

        // Held for its agent a while; every way an offer comes back, a move, a consultative and a failed blind transfer, then a hang-up.
        var busy = new CallScript("busy");
        busy.Do(new CallCommand.Arrive(Sales, Gold, true, Alice, extras, Start - TimeSpan.FromTicks(903_456_780)))
            .Do(new CallCommand.Queued(Sales, 3, TimeSpan.FromTicks(455_000_010)))
            .Do(new CallCommand.HeldForAgent(Alice, false))
            .Do(new CallCommand.PositionAnnounced(2, null))
            .Do(new CallCommand.PreferenceExpired(Alice))
            .Do(new CallCommand.PositionAnnounced(1, TimeSpan.FromTicks(123_456_780)))
            .Do(new CallCommand.LongWaitCrossed(TimeSpan.FromSeconds(30)))
            .Do(CallCommand.Promoted.Instance)
            .Do(new CallCommand.Overflowed(Sales, Support, QueueExitReason.MaximumWait))
            .Do(new CallCommand.OverflowRefused(Support, Billing, QueueExitReason.Full))
            .Do(new CallCommand.Offered(Alice, 11))
            .Do(new CallCommand.OfferReturned(11, OfferReturnReason.Declined))
            .Do(new CallCommand.Offered(Bob, 12))
            .Do(new CallCommand.OfferReturned(12, OfferReturnReason.TimedOut))
            .Do(new CallCommand.Offered(Carol, 13))
            .Do(new CallCommand.OfferReturned(13, OfferReturnReason.Bounced))
            .Do(new CallCommand.Offered(Alice, 14))
            .Do(new CallCommand.OfferReturned(14, OfferReturnReason.Voided))
            .Do(new CallCommand.Offered(Carol, 15))
            .Do(new CallCommand.OfferReturned(15, OfferReturnReason.AgentLoggedOut))
            .Do(new CallCommand.Offered(Alice, 16))
            .Do(new CallCommand.OfferReturned(16, OfferReturnReason.SoftphoneLost))
            .Do(new CallCommand.Offered(Bob, 17))
            .Do(new CallCommand.Answered(Bob, 17))
            .Do(new CallCommand.RequestTransfer(TransferKind.Consultative, TransferTarget.ToAgent(Carol)))
            .Do(new CallCommand.Offered(Carol, 18))
            .Do(new CallCommand.OfferReturned(18, OfferReturnReason.Declined))
            .Do(new CallCommand.Offered(Carol, 19))
            .Do(new CallCommand.OfferReturned(19, OfferReturnReason.TimedOut))
            .Do(new CallCommand.Offered(Carol, 20))
            .Do(new CallCommand.TransferCompleted(Carol, 20))
            .Do(new CallCommand.RequestTransfer(TransferKind.Blind, TransferTarget.ToQueue(Billing)))
            .Do(new CallCommand.TransferFailed("queue 'billing' refused the call: full"))
            .Do(new CallCommand.Offered(Alice, 21))
            .Do(new CallCommand.Answered(Alice, 21))
            .Do(new CallCommand.AgentHungUp(Alice), TimeSpan.FromTicks(370_370_340));
        yield return ("offers returned for every reason, transfers, answered", busy);

        // Refused with a callback offered, scheduled, due, late, reached.
        var appointment = new CallScript("appointment");
        appointment.Arrive()
            .Do(new CallCommand.Refused(Sales, QueueRefusalReasons.Closed, true))
            .Do(new CallCommand.ScheduleCallback(appointment.Now + TimeSpan.FromTicks(36_000_000_010)))
            .Do(new CallCommand.ScheduleCallback(appointment.Now + TimeSpan.FromTicks(72_000_000_020)))
            .Do(CallCommand.CallbackDue.Instance, TimeSpan.FromTicks(72_000_000_020))
            .Do(new CallCommand.Queued(Sales, 4, null))
            .Do(new CallCommand.CallbackLate(TimeSpan.FromMinutes(5)), TimeSpan.FromTicks(3_100_000_030))
            .Do(new CallCommand.LongWaitCrossed(TimeSpan.FromMinutes(1)))
            .Do(new CallCommand.Offered(Bob, 21))
            .Do(new CallCommand.OfferReturned(21, OfferReturnReason.Bounced))
            .Do(new CallCommand.Offered(Carol, 22))
            .Do(new CallCommand.Answered(Carol, 22))
            .Do(new CallCommand.AgentHungUp(Carol));
        yield return ("a scheduled callback reached late", appointment);

        var cancelled = new CallScript("cancelled");
        cancelled.Arrive(Bob, new SkillRequirement(new SkillId("german"), 2))
            .Do(new CallCommand.Queued(Sales, 1, TimeSpan.Zero))
            .Do(CallCommand.RequestCallback.Instance)
            .Do(new CallCommand.Offered(Bob, 31))
            .Do(new CallCommand.OfferReturned(31, OfferReturnReason.Declined))
            .Do(CallCommand.CancelCallback.Instance);
        yield return ("a callback called off", cancelled);

        var refused = new CallScript("refused");
        refused.Arrive().Do(new CallCommand.Overflowed(Sales, Support)).Do(new CallCommand.Refused(Support, QueueRefusalReasons.Full, false));
        yield return ("refused without a callback", refused);

        var rang = new CallScript("rang");
        rang.Arrive().Do(new CallCommand.Queued(Sales, 2, TimeSpan.FromSeconds(20)))
            .Do(new CallCommand.Offered(Alice, 41))
            .Do(CallCommand.CallerHungUp.Instance);
        yield return ("abandoned while ringing", rang);

        var waited = new CallScript("waited");
        waited.Arrive().Do(new CallCommand.Queued(Sales, 2, null)).Do(CallCommand.CallerHungUp.Instance);
        yield return ("abandoned while waiting", waited);

        var refusedOffered = new CallScript("refused-offered");
        refusedOffered.Arrive().Do(new CallCommand.Refused(Sales, QueueRefusalReasons.Closed, true)).Do(CallCommand.CallerHungUp.Instance);
        yield return ("offered a callback, hung up", refusedOffered);

        // A blind transfer to a named agent that connects, a consultative one that gives up on its ringing target, then a blind one to a queue the caller leaves.
        var handedOn = new CallScript("handed-on");
        handedOn.Arrive().Do(new CallCommand.Offered(Alice, 51))
            .Do(new CallCommand.Answered(Alice, 51))
            .Do(new CallCommand.RequestTransfer(TransferKind.Blind, TransferTarget.ToAgent(Carol)))
            .Do(new CallCommand.Offered(Carol, 52))
            .Do(new CallCommand.TransferCompleted(Carol, 52))
            .Do(new CallCommand.RequestTransfer(TransferKind.Consultative, TransferTarget.ToQueue(Billing)))
            .Do(new CallCommand.Offered(Bob, 53))
            .Do(new CallCommand.OfferReturned(53, OfferReturnReason.Bounced))
            .Do(new CallCommand.Offered(Alice, 54))
            .Do(new CallCommand.TransferFailed("no one answered in time"))
            .Do(new CallCommand.RequestTransfer(TransferKind.Blind, TransferTarget.ToQueue(Billing)))
            .Do(CallCommand.CallerHungUp.Instance);
        yield return ("transfers blind and consultative, abandoned in transfer", handedOn);
    }

    /// <summary>One agent taken by its own state machine into a named situation.</summary>
    public sealed class AgentScript(AgentPolicy? policy = null)
    {
        public AgentPolicy Policy { get; } = policy ?? AgentPolicy.Default;
        public AgentState State { get; private set; } = AgentState.LoggedOut(Alice);
        public DateTimeOffset Now { get; set; } = Start;

        public AgentScript Do(AgentCommand command, TimeSpan? after = null)
        {
            Now += after ?? Step;
            var decision = AgentLifecycle.Decide(State, command, Now, Policy);
            Assert.That(decision.Outcome, Is.EqualTo(Outcome.Ok), $"{command} at {State.Status}");
            State = decision.State;
            return this;
        }

        /// <summary>Logged in, took one call to its end, and is available again.</summary>
        public AgentScript Worked()
        {
            Do(new AgentCommand.LogIn([new(new SkillId("billing"), 5), new(new SkillId("english"), 9)]))
                .Do(AgentCommand.MakeAvailable.Instance)
                .Do(new AgentCommand.Offer(new CallId("earlier"), 3))
                .Do(new AgentCommand.Accept(3))
                .Do(new AgentCommand.CallEnded(new CallId("earlier")), TimeSpan.FromTicks(1_800_000_070))
                .Do(AgentCommand.FinishWrapUp.Instance);
            return this;
        }
    }

    /// <summary>Agents in every status, with after-call wishes, not-ready reasons and fairness counters.</summary>
    public static IEnumerable<(string Name, AgentState State)> AgentsInEveryStatus()
    {
        yield return ("never logged in", new AgentScript().State);
        yield return ("logged out after a call", new AgentScript().Worked().Do(AgentCommand.LogOut.Instance).State);
        yield return ("not ready for training", new AgentScript().Worked().Do(new AgentCommand.GoNotReady("training")).State);
        yield return ("just logged in", new AgentScript().Do(new AgentCommand.LogIn([])).State);
        yield return ("available after a call", new AgentScript().Worked().State);

        var withdrawn = new AgentScript().Worked()
            .Do(new AgentCommand.Offer(new CallId("gone"), 5))
            .Do(new AgentCommand.OfferWithdrawn(5));
        yield return ("available, keeping its place after a withdrawn offer", withdrawn.State);

        var reserved = new AgentScript().Worked()
            .Do(new AgentCommand.SetAfterCall(AfterCall.NotReady("lunch")))
            .Do(new AgentCommand.Offer(new CallId("ringing"), 7));
        yield return ("reserved, not ready for lunch after", reserved.State);

        var leaving = new AgentScript().Worked()
            .Do(new AgentCommand.Offer(new CallId("talking"), 8))
            .Do(new AgentCommand.Accept(8))
            .Do(AgentCommand.LogOut.Instance);
        yield return ("on a call, logging out after", leaving.State);

        var wrapping = new AgentScript().Worked()
            .Do(new AgentCommand.Offer(new CallId("wrapped"), 9))
            .Do(new AgentCommand.Accept(9))
            .Do(new AgentCommand.SetAfterCall(AfterCall.NotReady("coaching")))
            .Do(new AgentCommand.CallEnded(new CallId("wrapped")));
        yield return ("wrapping up, coaching after", wrapping.State);

        var missed = new AgentScript().Worked()
            .Do(new AgentCommand.Offer(new CallId("missed"), 10))
            .Do(new AgentCommand.OfferTimedOut(10));
        yield return ("not ready after a missed offer", missed.State);
    }
}
