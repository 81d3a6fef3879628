using CallCenter.Routing.Lifecycle;
using CallCenter.Routing.Model;
using NUnit.Framework;

namespace CallCenter.Routing.Tests.Core.Lifecycle;

/// <summary>
/// The agent state machine: a transition table, each rule on its own, epoch fencing, the daily
/// counter, and a randomized run that checks the invariants after every command.
/// </summary>
[TestFixture]
public sealed class AgentLifecycleTests
{
    private static readonly AgentId Alice = new("alice");
    private static readonly DateTimeOffset Start = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);
    private static readonly CallId RingingCall = new("call-1");
    private const long RingingEpoch = 7;
    private static readonly AgentSkill[] BillingAndEnglish = [new(new("billing"), 5), new(new("en"), 9)];

    /// <summary>Drives one agent through commands, a second at a time, keeping every event emitted.</summary>
    private sealed class AgentDriver(AgentPolicy? policy = null)
    {
        public AgentPolicy Policy { get; } = policy ?? AgentPolicy.Default;
        public AgentState State { get; private set; } = AgentState.LoggedOut(Alice);
        public DateTimeOffset Now { get; set; } = Start;
        public List<AgentEvent> Log { get; } = [];

        public AgentDecision Send(AgentCommand command, TimeSpan? after = null)
        {
            Now += after ?? TimeSpan.FromSeconds(1);
            var decision = AgentLifecycle.Decide(State, command, Now, Policy);
            State = decision.State;
            Log.AddRange(decision.Events);
            return decision;
        }

        /// <summary>Sends a command that must succeed and change the state.</summary>
        public AgentDecision Do(AgentCommand command, TimeSpan? after = null)
        {
            var decision = Send(command, after);
            Assert.That(decision.Outcome, Is.EqualTo(Outcome.Ok), $"{command} in the set-up");
            return decision;
        }

        public AgentDriver In(AgentStatus status)
        {
            if (status == AgentStatus.LoggedOut)
            {
                return this;
            }

            Do(new AgentCommand.LogIn(BillingAndEnglish));
            if (status == AgentStatus.NotReady)
            {
                return this;
            }

            Do(AgentCommand.MakeAvailable.Instance);
            if (status == AgentStatus.Available)
            {
                return this;
            }

            Do(new AgentCommand.Offer(RingingCall, RingingEpoch));
            if (status == AgentStatus.Reserved)
            {
                return this;
            }

            Do(new AgentCommand.Accept(RingingEpoch));
            if (status == AgentStatus.OnCall)
            {
                return this;
            }

            Do(new AgentCommand.CallEnded(RingingCall));
            Assert.That(State.Status, Is.EqualTo(AgentStatus.WrapUp), "set-up expects a wrap-up");
            return this;
        }
    }

    private static AgentCommand Named(string name) => name switch
    {
        "LogIn" => new AgentCommand.LogIn(BillingAndEnglish),
        "MakeAvailable" => AgentCommand.MakeAvailable.Instance,
        "GoNotReady" => new AgentCommand.GoNotReady("break"),
        "Offer" => new AgentCommand.Offer(new("call-2"), RingingEpoch + 1),
        "OfferAgain" => new AgentCommand.Offer(RingingCall, RingingEpoch),
        "Accept" => new AgentCommand.Accept(RingingEpoch),
        "AcceptStale" => new AgentCommand.Accept(RingingEpoch - 1),
        "Reject" => new AgentCommand.Reject(RingingEpoch),
        "RejectStale" => new AgentCommand.Reject(RingingEpoch - 1),
        "TimedOut" => new AgentCommand.OfferTimedOut(RingingEpoch),
        "TimedOutStale" => new AgentCommand.OfferTimedOut(RingingEpoch - 1),
        "Withdrawn" => new AgentCommand.OfferWithdrawn(RingingEpoch),
        "WithdrawnStale" => new AgentCommand.OfferWithdrawn(RingingEpoch - 1),
        "CallEnded" => new AgentCommand.CallEnded(RingingCall),
        "OtherCallEnded" => new AgentCommand.CallEnded(new("call-9")),
        "FinishWrapUp" => AgentCommand.FinishWrapUp.Instance,
        "WrapUpTimerElapsed" => AgentCommand.WrapUpTimerElapsed.Instance,
        "SetAfterCall" => new AgentCommand.SetAfterCall(AfterCall.NotReady("lunch")),
        "LogOut" => AgentCommand.LogOut.Instance,
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "no such command in the table"),
    };

    // The command is sent a minute after the set-up, so a wrap-up timer is due.
    [TestCase(AgentStatus.LoggedOut, "LogIn", OutcomeCode.Ok, AgentStatus.NotReady)]
    [TestCase(AgentStatus.LoggedOut, "MakeAvailable", OutcomeCode.Conflict, AgentStatus.LoggedOut)]
    [TestCase(AgentStatus.LoggedOut, "GoNotReady", OutcomeCode.Conflict, AgentStatus.LoggedOut)]
    [TestCase(AgentStatus.LoggedOut, "Offer", OutcomeCode.Conflict, AgentStatus.LoggedOut)]
    [TestCase(AgentStatus.LoggedOut, "Accept", OutcomeCode.Conflict, AgentStatus.LoggedOut)]
    [TestCase(AgentStatus.LoggedOut, "Reject", OutcomeCode.Conflict, AgentStatus.LoggedOut)]
    [TestCase(AgentStatus.LoggedOut, "TimedOut", OutcomeCode.Unchanged, AgentStatus.LoggedOut)]
    [TestCase(AgentStatus.LoggedOut, "Withdrawn", OutcomeCode.Unchanged, AgentStatus.LoggedOut)]
    [TestCase(AgentStatus.LoggedOut, "CallEnded", OutcomeCode.Unchanged, AgentStatus.LoggedOut)]
    [TestCase(AgentStatus.LoggedOut, "FinishWrapUp", OutcomeCode.Unchanged, AgentStatus.LoggedOut)]
    [TestCase(AgentStatus.LoggedOut, "WrapUpTimerElapsed", OutcomeCode.Unchanged, AgentStatus.LoggedOut)]
    [TestCase(AgentStatus.LoggedOut, "SetAfterCall", OutcomeCode.Conflict, AgentStatus.LoggedOut)]
    [TestCase(AgentStatus.LoggedOut, "LogOut", OutcomeCode.Unchanged, AgentStatus.LoggedOut)]
    [TestCase(AgentStatus.NotReady, "LogIn", OutcomeCode.Unchanged, AgentStatus.NotReady)]
    [TestCase(AgentStatus.NotReady, "MakeAvailable", OutcomeCode.Ok, AgentStatus.Available)]
    [TestCase(AgentStatus.NotReady, "GoNotReady", OutcomeCode.Ok, AgentStatus.NotReady)]
    [TestCase(AgentStatus.NotReady, "Offer", OutcomeCode.Conflict, AgentStatus.NotReady)]
    [TestCase(AgentStatus.NotReady, "Accept", OutcomeCode.Conflict, AgentStatus.NotReady)]
    [TestCase(AgentStatus.NotReady, "TimedOut", OutcomeCode.Unchanged, AgentStatus.NotReady)]
    [TestCase(AgentStatus.NotReady, "CallEnded", OutcomeCode.Unchanged, AgentStatus.NotReady)]
    [TestCase(AgentStatus.NotReady, "FinishWrapUp", OutcomeCode.Unchanged, AgentStatus.NotReady)]
    [TestCase(AgentStatus.NotReady, "SetAfterCall", OutcomeCode.Ok, AgentStatus.NotReady)]
    [TestCase(AgentStatus.NotReady, "LogOut", OutcomeCode.Ok, AgentStatus.LoggedOut)]
    [TestCase(AgentStatus.Available, "LogIn", OutcomeCode.Unchanged, AgentStatus.Available)]
    [TestCase(AgentStatus.Available, "MakeAvailable", OutcomeCode.Unchanged, AgentStatus.Available)]
    [TestCase(AgentStatus.Available, "GoNotReady", OutcomeCode.Ok, AgentStatus.NotReady)]
    [TestCase(AgentStatus.Available, "Offer", OutcomeCode.Ok, AgentStatus.Reserved)]
    [TestCase(AgentStatus.Available, "Accept", OutcomeCode.Conflict, AgentStatus.Available)]
    [TestCase(AgentStatus.Available, "Reject", OutcomeCode.Conflict, AgentStatus.Available)]
    [TestCase(AgentStatus.Available, "TimedOut", OutcomeCode.Unchanged, AgentStatus.Available)]
    [TestCase(AgentStatus.Available, "Withdrawn", OutcomeCode.Unchanged, AgentStatus.Available)]
    [TestCase(AgentStatus.Available, "CallEnded", OutcomeCode.Unchanged, AgentStatus.Available)]
    [TestCase(AgentStatus.Available, "WrapUpTimerElapsed", OutcomeCode.Unchanged, AgentStatus.Available)]
    [TestCase(AgentStatus.Available, "LogOut", OutcomeCode.Ok, AgentStatus.LoggedOut)]
    [TestCase(AgentStatus.Reserved, "LogIn", OutcomeCode.Unchanged, AgentStatus.Reserved)]
    [TestCase(AgentStatus.Reserved, "Offer", OutcomeCode.Conflict, AgentStatus.Reserved)]
    [TestCase(AgentStatus.Reserved, "OfferAgain", OutcomeCode.Unchanged, AgentStatus.Reserved)]
    [TestCase(AgentStatus.Reserved, "Accept", OutcomeCode.Ok, AgentStatus.OnCall)]
    [TestCase(AgentStatus.Reserved, "AcceptStale", OutcomeCode.Conflict, AgentStatus.Reserved)]
    [TestCase(AgentStatus.Reserved, "Reject", OutcomeCode.Ok, AgentStatus.Available)]
    [TestCase(AgentStatus.Reserved, "RejectStale", OutcomeCode.Conflict, AgentStatus.Reserved)]
    [TestCase(AgentStatus.Reserved, "TimedOut", OutcomeCode.Ok, AgentStatus.NotReady)]
    [TestCase(AgentStatus.Reserved, "TimedOutStale", OutcomeCode.Unchanged, AgentStatus.Reserved)]
    [TestCase(AgentStatus.Reserved, "Withdrawn", OutcomeCode.Ok, AgentStatus.Available)]
    [TestCase(AgentStatus.Reserved, "WithdrawnStale", OutcomeCode.Unchanged, AgentStatus.Reserved)]
    [TestCase(AgentStatus.Reserved, "MakeAvailable", OutcomeCode.Unchanged, AgentStatus.Reserved)]
    [TestCase(AgentStatus.Reserved, "GoNotReady", OutcomeCode.Ok, AgentStatus.Reserved)]
    [TestCase(AgentStatus.Reserved, "CallEnded", OutcomeCode.Unchanged, AgentStatus.Reserved)]
    [TestCase(AgentStatus.Reserved, "FinishWrapUp", OutcomeCode.Unchanged, AgentStatus.Reserved)]
    [TestCase(AgentStatus.Reserved, "SetAfterCall", OutcomeCode.Ok, AgentStatus.Reserved)]
    [TestCase(AgentStatus.Reserved, "LogOut", OutcomeCode.Ok, AgentStatus.LoggedOut)]
    [TestCase(AgentStatus.OnCall, "Offer", OutcomeCode.Conflict, AgentStatus.OnCall)]
    [TestCase(AgentStatus.OnCall, "OfferAgain", OutcomeCode.Unchanged, AgentStatus.OnCall)]
    [TestCase(AgentStatus.OnCall, "Accept", OutcomeCode.Unchanged, AgentStatus.OnCall)]
    [TestCase(AgentStatus.OnCall, "AcceptStale", OutcomeCode.Conflict, AgentStatus.OnCall)]
    [TestCase(AgentStatus.OnCall, "Reject", OutcomeCode.Conflict, AgentStatus.OnCall)]
    [TestCase(AgentStatus.OnCall, "TimedOut", OutcomeCode.Unchanged, AgentStatus.OnCall)]
    [TestCase(AgentStatus.OnCall, "Withdrawn", OutcomeCode.Unchanged, AgentStatus.OnCall)]
    [TestCase(AgentStatus.OnCall, "MakeAvailable", OutcomeCode.Unchanged, AgentStatus.OnCall)]
    [TestCase(AgentStatus.OnCall, "GoNotReady", OutcomeCode.Ok, AgentStatus.OnCall)]
    [TestCase(AgentStatus.OnCall, "CallEnded", OutcomeCode.Ok, AgentStatus.WrapUp)]
    [TestCase(AgentStatus.OnCall, "OtherCallEnded", OutcomeCode.Unchanged, AgentStatus.OnCall)]
    [TestCase(AgentStatus.OnCall, "FinishWrapUp", OutcomeCode.Unchanged, AgentStatus.OnCall)]
    [TestCase(AgentStatus.OnCall, "WrapUpTimerElapsed", OutcomeCode.Unchanged, AgentStatus.OnCall)]
    [TestCase(AgentStatus.OnCall, "LogOut", OutcomeCode.Ok, AgentStatus.OnCall)]
    [TestCase(AgentStatus.WrapUp, "Offer", OutcomeCode.Conflict, AgentStatus.WrapUp)]
    [TestCase(AgentStatus.WrapUp, "Accept", OutcomeCode.Conflict, AgentStatus.WrapUp)]
    [TestCase(AgentStatus.WrapUp, "CallEnded", OutcomeCode.Unchanged, AgentStatus.WrapUp)]
    [TestCase(AgentStatus.WrapUp, "MakeAvailable", OutcomeCode.Ok, AgentStatus.Available)]
    [TestCase(AgentStatus.WrapUp, "GoNotReady", OutcomeCode.Ok, AgentStatus.NotReady)]
    [TestCase(AgentStatus.WrapUp, "FinishWrapUp", OutcomeCode.Ok, AgentStatus.Available)]
    [TestCase(AgentStatus.WrapUp, "WrapUpTimerElapsed", OutcomeCode.Ok, AgentStatus.Available)]
    [TestCase(AgentStatus.WrapUp, "SetAfterCall", OutcomeCode.Ok, AgentStatus.WrapUp)]
    [TestCase(AgentStatus.WrapUp, "LogOut", OutcomeCode.Ok, AgentStatus.LoggedOut)]
    public void Transition_table(AgentStatus start, string command, OutcomeCode expectedCode, AgentStatus expectedEnd)
    {
        var agent = new AgentDriver().In(start);
        var before = agent.State;

        var decision = agent.Send(Named(command), TimeSpan.FromMinutes(1));

        Assert.That(decision.Outcome.Code, Is.EqualTo(expectedCode));
        Assert.That(decision.State.Status, Is.EqualTo(expectedEnd));
        if (decision.Outcome.Code == OutcomeCode.Ok)
        {
            Assert.That(decision.Events, Is.Not.Empty);
            Assert.That(decision.State, Is.Not.EqualTo(before));
            var statusChanges = decision.Events.OfType<AgentEvent.StatusChanged>().ToList();
            var onlyTheReasonChanges = start == AgentStatus.NotReady && command == "GoNotReady";
            Assert.That(statusChanges, Has.Count.EqualTo(start == expectedEnd && !onlyTheReasonChanges ? 0 : 1));
        }
        else
        {
            Assert.That(decision.State, Is.SameAs(before), "a refused or duplicate command keeps the very same state");
            Assert.That(decision.Events, Is.Empty);
        }
    }

    [Test]
    public void Logging_in_starts_the_agent_not_ready_with_its_skills()
    {
        var agent = new AgentDriver();

        var decision = agent.Do(new AgentCommand.LogIn(BillingAndEnglish));

        Assert.That(decision.State.Status, Is.EqualTo(AgentStatus.NotReady));
        Assert.That(decision.State.NotReadyReason, Is.EqualTo("logged-in"));
        Assert.That(decision.State.Skills, Is.EqualTo(BillingAndEnglish));
        Assert.That(decision.State.StatusSince, Is.EqualTo(agent.Now));
        Assert.That(decision.Events, Has.Some.InstanceOf<AgentEvent.LoggedIn>());
        Assert.That(decision.Events.OfType<AgentEvent.StatusChanged>().Single(),
            Is.EqualTo(new AgentEvent.StatusChanged(Alice, agent.Now, AgentStatus.LoggedOut, AgentStatus.NotReady, "logged-in")));
    }

    [Test]
    public void The_skills_kept_are_a_copy_the_caller_cannot_change()
    {
        var skills = new List<AgentSkill> { new(new("billing"), 5) };
        var agent = new AgentDriver();
        agent.Do(new AgentCommand.LogIn(skills));

        skills[0] = new(new("billing"), 1);

        Assert.That(agent.State.Skills[0].Level, Is.EqualTo(5));
    }

    [TestCase(0, "skills[2].level")]
    [TestCase(11, "skills[2].level")]
    [TestCase(-3, "skills[2].level")]
    public void A_skill_level_outside_one_to_ten_is_refused_naming_the_field(int level, string field)
    {
        var agent = new AgentDriver();
        AgentSkill[] skills = [new(new("a"), 1), new(new("b"), 10), new(new("c"), level)];

        var decision = agent.Send(new AgentCommand.LogIn(skills));

        Assert.That((decision.Outcome.Code, decision.Outcome.Field), Is.EqualTo((OutcomeCode.Invalid, field)));
        Assert.That(decision.State.Status, Is.EqualTo(AgentStatus.LoggedOut));
    }

    [Test]
    public void A_skill_listed_twice_or_without_a_name_is_refused()
    {
        var agent = new AgentDriver();

        var twice = agent.Send(new AgentCommand.LogIn([new(new("a"), 3), new(new("a"), 4)]));
        var unnamed = agent.Send(new AgentCommand.LogIn([new(new(""), 3)]));
        var missing = agent.Send(new AgentCommand.LogIn(null!));

        Assert.That((twice.Outcome.Code, twice.Outcome.Field), Is.EqualTo((OutcomeCode.Invalid, "skills[1].skill")));
        Assert.That((unnamed.Outcome.Code, unnamed.Outcome.Field), Is.EqualTo((OutcomeCode.Invalid, "skills[0].skill")));
        Assert.That((missing.Outcome.Code, missing.Outcome.Field), Is.EqualTo((OutcomeCode.Invalid, "skills")));
        Assert.That(agent.Log, Is.Empty);
    }

    [Test]
    public void Logging_in_again_keeps_the_session_and_its_skills()
    {
        var agent = new AgentDriver().In(AgentStatus.Available);

        var again = agent.Send(new AgentCommand.LogIn([new(new("other"), 2)]));

        Assert.That(again.Outcome, Is.EqualTo(Outcome.Unchanged));
        Assert.That(agent.State.Skills, Is.EqualTo(BillingAndEnglish));
    }

    [Test]
    public void Making_a_not_ready_agent_available_starts_its_idle_time_now()
    {
        var agent = new AgentDriver().In(AgentStatus.NotReady);

        agent.Do(AgentCommand.MakeAvailable.Instance, TimeSpan.FromMinutes(3));

        Assert.That(agent.State.Status, Is.EqualTo(AgentStatus.Available));
        Assert.That(agent.State.AvailableSince, Is.EqualTo(agent.Now));
        Assert.That(agent.State.NotReadyReason, Is.Null);
    }

    [Test]
    public void Going_not_ready_needs_a_reason()
    {
        var agent = new AgentDriver().In(AgentStatus.Available);

        var empty = agent.Send(new AgentCommand.GoNotReady(""));
        var blank = agent.Send(new AgentCommand.GoNotReady("  "));

        Assert.That((empty.Outcome.Code, empty.Outcome.Field), Is.EqualTo((OutcomeCode.Invalid, "reason")));
        Assert.That((blank.Outcome.Code, blank.Outcome.Field), Is.EqualTo((OutcomeCode.Invalid, "reason")));
        Assert.That(agent.State.Status, Is.EqualTo(AgentStatus.Available));
    }

    [Test]
    public void Going_not_ready_records_the_reason_and_a_repeat_changes_nothing()
    {
        var agent = new AgentDriver().In(AgentStatus.Available);

        var first = agent.Do(new AgentCommand.GoNotReady("lunch"));
        var repeat = agent.Send(new AgentCommand.GoNotReady("lunch"));

        Assert.That(first.State.NotReadyReason, Is.EqualTo("lunch"));
        Assert.That(first.Events.Single(),
            Is.EqualTo(new AgentEvent.StatusChanged(Alice, agent.Now - TimeSpan.FromSeconds(1), AgentStatus.Available,
                AgentStatus.NotReady, "lunch")));
        Assert.That(repeat.Outcome, Is.EqualTo(Outcome.Unchanged));
        Assert.That(repeat.State, Is.SameAs(first.State));
    }

    [Test]
    public void A_wish_made_during_a_call_is_kept_by_the_server_and_used_after_the_wrap_up()
    {
        var agent = new AgentDriver().In(AgentStatus.OnCall);

        var wish = agent.Do(new AgentCommand.GoNotReady("training"));
        agent.Do(new AgentCommand.CallEnded(RingingCall));
        Assert.That(agent.State.Status, Is.EqualTo(AgentStatus.WrapUp), "the wish waits for the wrap-up");
        agent.Do(AgentCommand.WrapUpTimerElapsed.Instance, TimeSpan.FromSeconds(30));

        Assert.That(wish.State.Status, Is.EqualTo(AgentStatus.OnCall));
        Assert.That(wish.State.AfterCall, Is.EqualTo(AfterCall.NotReady("training")));
        Assert.That(agent.State.Status, Is.EqualTo(AgentStatus.NotReady));
        Assert.That(agent.State.NotReadyReason, Is.EqualTo("training"));
        Assert.That(agent.State.AfterCall, Is.EqualTo(AfterCall.Available), "a used wish resets");
    }

    [Test]
    public void Making_available_during_a_call_replaces_an_earlier_wish()
    {
        var agent = new AgentDriver().In(AgentStatus.OnCall);
        agent.Do(new AgentCommand.GoNotReady("training"));

        agent.Do(AgentCommand.MakeAvailable.Instance);
        agent.Do(new AgentCommand.CallEnded(RingingCall));
        agent.Do(AgentCommand.FinishWrapUp.Instance);

        Assert.That(agent.State.Status, Is.EqualTo(AgentStatus.Available));
    }

    [Test]
    public void A_wish_made_while_ringing_is_used_when_the_offer_is_withdrawn()
    {
        var agent = new AgentDriver().In(AgentStatus.Reserved);
        agent.Do(new AgentCommand.GoNotReady("meeting"));

        var withdrawn = agent.Do(new AgentCommand.OfferWithdrawn(RingingEpoch));

        Assert.That(withdrawn.State.Status, Is.EqualTo(AgentStatus.NotReady));
        Assert.That(withdrawn.State.NotReadyReason, Is.EqualTo("meeting"));
        Assert.That(withdrawn.State.CurrentOffer, Is.Null);
        Assert.That(withdrawn.Events, Has.Some.InstanceOf<AgentEvent.OfferWithdrawn>());
    }

    [Test]
    public void An_offer_reserves_an_available_agent_for_that_call_and_epoch()
    {
        var agent = new AgentDriver().In(AgentStatus.Available);
        var idleSince = agent.State.AvailableSince;

        var offered = agent.Do(new AgentCommand.Offer(RingingCall, RingingEpoch));
        var duplicate = agent.Send(new AgentCommand.Offer(RingingCall, RingingEpoch));
        var another = agent.Send(new AgentCommand.Offer(new("call-2"), RingingEpoch + 1));

        Assert.That(offered.State.Status, Is.EqualTo(AgentStatus.Reserved));
        Assert.That(offered.State.CurrentOffer, Is.EqualTo(new CallAssignment(RingingCall, RingingEpoch)));
        Assert.That(offered.State.AvailableSince, Is.EqualTo(idleSince), "an offer does not touch the idle order");
        Assert.That(duplicate.Outcome, Is.EqualTo(Outcome.Unchanged));
        Assert.That(duplicate.State, Is.SameAs(offered.State));
        Assert.That((another.Outcome.Code, another.Outcome.Field), Is.EqualTo((OutcomeCode.Conflict, "agent")));
        Assert.That(agent.State.CurrentOffer!.Value.Call, Is.EqualTo(RingingCall));
    }

    [Test]
    public void An_offer_without_a_call_is_invalid()
    {
        var agent = new AgentDriver().In(AgentStatus.Available);

        var decision = agent.Send(new AgentCommand.Offer(new(""), 1));

        Assert.That((decision.Outcome.Code, decision.Outcome.Field), Is.EqualTo((OutcomeCode.Invalid, "call")));
    }

    [Test]
    public void A_stale_accept_is_refused_and_a_repeated_accept_changes_nothing()
    {
        var agent = new AgentDriver().In(AgentStatus.Reserved);
        var reserved = agent.State;

        var stale = agent.Send(new AgentCommand.Accept(RingingEpoch - 1));
        var newer = agent.Send(new AgentCommand.Accept(RingingEpoch + 1));
        var accepted = agent.Do(new AgentCommand.Accept(RingingEpoch));
        var repeated = agent.Send(new AgentCommand.Accept(RingingEpoch));

        Assert.That((stale.Outcome.Code, stale.Outcome.Field), Is.EqualTo((OutcomeCode.Conflict, "epoch")));
        Assert.That(stale.State, Is.SameAs(reserved));
        Assert.That((newer.Outcome.Code, newer.Outcome.Field), Is.EqualTo((OutcomeCode.Conflict, "epoch")));
        Assert.That(accepted.State.Status, Is.EqualTo(AgentStatus.OnCall));
        Assert.That(accepted.State.CurrentCall, Is.EqualTo(new CallAssignment(RingingCall, RingingEpoch)));
        Assert.That(accepted.State.CurrentOffer, Is.Null);
        Assert.That(accepted.Events.OfType<AgentEvent.OfferAccepted>().Single().Offer.Epoch, Is.EqualTo(RingingEpoch));
        Assert.That(repeated.Outcome, Is.EqualTo(Outcome.Unchanged));
        Assert.That(repeated.State, Is.SameAs(accepted.State));
    }

    [Test]
    public void An_accept_after_the_offer_rang_out_is_refused()
    {
        var agent = new AgentDriver().In(AgentStatus.Reserved);
        agent.Do(new AgentCommand.OfferTimedOut(RingingEpoch));

        var late = agent.Send(new AgentCommand.Accept(RingingEpoch));

        Assert.That((late.Outcome.Code, late.Outcome.Field), Is.EqualTo((OutcomeCode.Conflict, "epoch")));
        Assert.That(agent.State.Status, Is.EqualTo(AgentStatus.NotReady));
    }

    [Test]
    public void A_rejecting_agent_goes_to_the_back_of_the_idle_order()
    {
        var agent = new AgentDriver().In(AgentStatus.Reserved);
        var idleSince = agent.State.AvailableSince!.Value;

        var rejected = agent.Do(new AgentCommand.Reject(RingingEpoch), TimeSpan.FromSeconds(5));
        var again = agent.Send(new AgentCommand.Reject(RingingEpoch));

        Assert.That(rejected.State.Status, Is.EqualTo(AgentStatus.Available));
        Assert.That(rejected.State.AvailableSince, Is.EqualTo(agent.Now - TimeSpan.FromSeconds(1)));
        Assert.That(rejected.State.AvailableSince, Is.GreaterThan(idleSince));
        Assert.That(rejected.State.CurrentOffer, Is.Null);
        Assert.That(rejected.Events.OfType<AgentEvent.OfferRejected>().Single().Offer,
            Is.EqualTo(new CallAssignment(RingingCall, RingingEpoch)));
        Assert.That((again.Outcome.Code, again.Outcome.Field), Is.EqualTo((OutcomeCode.Conflict, "epoch")));
    }

    [Test]
    public void An_offer_that_rings_out_makes_the_agent_not_ready_with_the_policy_reason()
    {
        var agent = new AgentDriver(new AgentPolicy { MissedOfferReason = "no-answer" }).In(AgentStatus.Reserved);

        var missed = agent.Do(new AgentCommand.OfferTimedOut(RingingEpoch));
        var lateTimer = agent.Send(new AgentCommand.OfferTimedOut(RingingEpoch));

        Assert.That(missed.State.Status, Is.EqualTo(AgentStatus.NotReady));
        Assert.That(missed.State.NotReadyReason, Is.EqualTo("no-answer"));
        Assert.That(missed.State.CurrentOffer, Is.Null);
        var missedEvent = missed.Events.OfType<AgentEvent.OfferMissed>().Single();
        Assert.That((missedEvent.Offer.Epoch, missedEvent.Reason), Is.EqualTo((RingingEpoch, OfferReturnReason.TimedOut)));
        Assert.That(lateTimer.Outcome, Is.EqualTo(Outcome.Unchanged));
    }

    [Test]
    public void An_offer_ringing_when_the_softphone_is_lost_is_missed_as_softphone_lost_and_the_agent_goes_not_ready()
    {
        var agent = new AgentDriver().In(AgentStatus.Reserved);

        var lost = agent.Do(new AgentCommand.OfferTimedOut(RingingEpoch, OfferReturnReason.SoftphoneLost));
        var lateRingTimer = agent.Send(new AgentCommand.OfferTimedOut(RingingEpoch));

        var missed = lost.Events.OfType<AgentEvent.OfferMissed>().Single();
        Assert.That((missed.Offer, missed.Reason), Is.EqualTo((new CallAssignment(RingingCall, RingingEpoch), OfferReturnReason.SoftphoneLost)));
        Assert.That((lost.State.Status, lost.State.NotReadyReason, lost.State.CurrentOffer),
            Is.EqualTo((AgentStatus.NotReady, "missed-offer", (CallAssignment?)null)));
        Assert.That(lateRingTimer.Outcome, Is.EqualTo(Outcome.Unchanged), "the ring timer that fires after is stale");
    }

    [TestCase(OfferReturnReason.Declined)]
    [TestCase(OfferReturnReason.Bounced)]
    [TestCase(OfferReturnReason.AgentLoggedOut)]
    public void An_offer_goes_unanswered_only_by_timing_out_or_losing_the_softphone(OfferReturnReason reason)
    {
        var agent = new AgentDriver().In(AgentStatus.Reserved);

        var refused = agent.Send(new AgentCommand.OfferTimedOut(RingingEpoch, reason));

        Assert.That((refused.Outcome.Code, refused.Outcome.Field), Is.EqualTo((OutcomeCode.Invalid, "reason")));
        Assert.That(agent.State.Status, Is.EqualTo(AgentStatus.Reserved));
    }

    [Test]
    public void The_default_missed_offer_reason_is_missed_offer()
    {
        var agent = new AgentDriver().In(AgentStatus.Reserved);

        agent.Do(new AgentCommand.OfferTimedOut(RingingEpoch));

        Assert.That(agent.State.NotReadyReason, Is.EqualTo("missed-offer"));
    }

    [Test]
    public void A_ring_timer_firing_after_the_answer_changes_nothing()
    {
        var agent = new AgentDriver().In(AgentStatus.OnCall);
        var onCall = agent.State;

        var late = agent.Send(new AgentCommand.OfferTimedOut(RingingEpoch));

        Assert.That(late.Outcome, Is.EqualTo(Outcome.Unchanged));
        Assert.That(late.State, Is.SameAs(onCall));
    }

    [Test]
    public void A_withdrawn_offer_keeps_the_agents_place_in_the_idle_order()
    {
        var agent = new AgentDriver().In(AgentStatus.Reserved);
        var idleSince = agent.State.AvailableSince;

        var withdrawn = agent.Do(new AgentCommand.OfferWithdrawn(RingingEpoch), TimeSpan.FromSeconds(8));
        var duplicate = agent.Send(new AgentCommand.OfferWithdrawn(RingingEpoch));

        Assert.That(withdrawn.State.Status, Is.EqualTo(AgentStatus.Available));
        Assert.That(withdrawn.State.AvailableSince, Is.EqualTo(idleSince));
        Assert.That(withdrawn.State.StatusSince, Is.EqualTo(agent.Now - TimeSpan.FromSeconds(1)));
        Assert.That(withdrawn.Events.OfType<AgentEvent.StatusChanged>().Single().KeepsIdlePosition, Is.True);
        Assert.That(duplicate.Outcome, Is.EqualTo(Outcome.Unchanged));
    }

    [TestCase(WithdrawalReason.CallerHungUp)]
    [TestCase(WithdrawalReason.CallbackCancelled)]
    [TestCase(WithdrawalReason.CallTakenBack)]
    public void A_withdrawn_offer_says_why_and_counts_no_call(WithdrawalReason reason)
    {
        var agent = new AgentDriver().In(AgentStatus.Reserved);
        var handledBefore = agent.State.CallsHandledToday;

        var withdrawn = agent.Do(new AgentCommand.OfferWithdrawn(RingingEpoch, reason));

        Assert.That(withdrawn.Events.OfType<AgentEvent.OfferWithdrawn>().Single().Reason, Is.EqualTo(reason));
        Assert.That((withdrawn.State.Status, withdrawn.State.CallsHandledToday), Is.EqualTo((AgentStatus.Available, handledBefore)));
    }

    [Test]
    public void Ending_the_call_counts_it_and_starts_the_wrap_up()
    {
        var agent = new AgentDriver().In(AgentStatus.OnCall);

        var ended = agent.Do(new AgentCommand.CallEnded(RingingCall), TimeSpan.FromMinutes(4));
        var duplicate = agent.Send(new AgentCommand.CallEnded(RingingCall));

        var endedAt = agent.Now - TimeSpan.FromSeconds(1);
        Assert.That(ended.State.Status, Is.EqualTo(AgentStatus.WrapUp));
        Assert.That(ended.State.WrapUpEndsAt, Is.EqualTo(endedAt + TimeSpan.FromSeconds(30)));
        Assert.That(ended.State.CurrentCall, Is.Null);
        Assert.That(ended.State.CallsHandledToday, Is.EqualTo(1));
        Assert.That(ended.State.CallsCountedOn, Is.EqualTo(new DateOnly(2026, 3, 2)));
        Assert.That(ended.State.LastCallEndedAt, Is.EqualTo(endedAt));
        var handled = ended.Events.OfType<AgentEvent.CallHandled>().Single();
        Assert.That(handled.CallsHandledToday, Is.EqualTo(1));
        Assert.That(handled.TalkTime, Is.EqualTo(TimeSpan.FromMinutes(4)));
        Assert.That(duplicate.Outcome, Is.EqualTo(Outcome.Unchanged));
        Assert.That(duplicate.State.CallsHandledToday, Is.EqualTo(1));
    }

    [Test]
    public void The_end_of_another_call_changes_nothing()
    {
        var agent = new AgentDriver().In(AgentStatus.OnCall);

        var other = agent.Send(new AgentCommand.CallEnded(new("call-9")));

        Assert.That(other.Outcome, Is.EqualTo(Outcome.Unchanged));
        Assert.That(agent.State.CallsHandledToday, Is.Zero);
        Assert.That(agent.State.LastCallEndedAt, Is.Null);
    }

    [Test]
    public void Without_wrap_up_time_the_agent_goes_straight_to_its_after_call_state()
    {
        var policy = new AgentPolicy { WrapUpDuration = TimeSpan.Zero };
        var available = new AgentDriver(policy).In(AgentStatus.OnCall);
        var notReady = new AgentDriver(policy).In(AgentStatus.OnCall);
        notReady.Do(new AgentCommand.GoNotReady("coaching"));

        available.Do(new AgentCommand.CallEnded(RingingCall));
        notReady.Do(new AgentCommand.CallEnded(RingingCall));

        Assert.That(available.State.Status, Is.EqualTo(AgentStatus.Available));
        Assert.That(available.State.AvailableSince, Is.EqualTo(available.Now));
        Assert.That(available.State.WrapUpEndsAt, Is.Null);
        Assert.That(available.State.CallsHandledToday, Is.EqualTo(1));
        Assert.That(notReady.State.Status, Is.EqualTo(AgentStatus.NotReady));
        Assert.That(notReady.State.NotReadyReason, Is.EqualTo("coaching"));
        Assert.That(notReady.State.AfterCall, Is.EqualTo(AfterCall.Available));
    }

    [Test]
    public void The_wrap_up_timer_ends_the_wrap_up_only_when_due()
    {
        var agent = new AgentDriver().In(AgentStatus.WrapUp);
        var wrapUp = agent.State;

        var early = agent.Send(AgentCommand.WrapUpTimerElapsed.Instance, TimeSpan.FromSeconds(10));
        var due = agent.Send(AgentCommand.WrapUpTimerElapsed.Instance, TimeSpan.FromSeconds(20));

        Assert.That(early.Outcome, Is.EqualTo(Outcome.Unchanged));
        Assert.That(early.State, Is.SameAs(wrapUp));
        Assert.That(agent.Now, Is.EqualTo(wrapUp.WrapUpEndsAt));
        Assert.That(due.Outcome, Is.EqualTo(Outcome.Ok));
        Assert.That(due.State.Status, Is.EqualTo(AgentStatus.Available));
        Assert.That(due.State.AvailableSince, Is.EqualTo(agent.Now));
        Assert.That(due.State.WrapUpEndsAt, Is.Null);
    }

    [Test]
    public void A_timer_left_from_a_wrap_up_finished_early_does_not_cut_the_next_one_short()
    {
        var agent = new AgentDriver().In(AgentStatus.WrapUp);
        var firstTimerDue = agent.State.WrapUpEndsAt!.Value;
        agent.Do(AgentCommand.FinishWrapUp.Instance);
        agent.Do(new AgentCommand.Offer(new("call-2"), 20));
        agent.Do(new AgentCommand.Accept(20));
        agent.Do(new AgentCommand.CallEnded(new("call-2")));

        agent.Now = firstTimerDue - TimeSpan.FromSeconds(1);
        var staleTimer = agent.Send(AgentCommand.WrapUpTimerElapsed.Instance);

        Assert.That(staleTimer.Outcome, Is.EqualTo(Outcome.Unchanged));
        Assert.That(agent.State.Status, Is.EqualTo(AgentStatus.WrapUp));
        Assert.That(agent.State.CallsHandledToday, Is.EqualTo(2));
    }

    [Test]
    public void Finishing_the_wrap_up_early_frees_the_agent_at_once()
    {
        var agent = new AgentDriver().In(AgentStatus.WrapUp);

        var finished = agent.Do(AgentCommand.FinishWrapUp.Instance, TimeSpan.FromSeconds(3));
        var again = agent.Send(AgentCommand.FinishWrapUp.Instance);

        Assert.That(finished.State.Status, Is.EqualTo(AgentStatus.Available));
        Assert.That(finished.State.AvailableSince, Is.EqualTo(agent.Now - TimeSpan.FromSeconds(1)));
        Assert.That(finished.Events.OfType<AgentEvent.StatusChanged>().Single().Reason, Is.EqualTo("wrap-up-finished"));
        Assert.That(again.Outcome, Is.EqualTo(Outcome.Unchanged));
    }

    [Test]
    public void The_handled_calls_counter_restarts_on_a_new_utc_day()
    {
        var agent = new AgentDriver(new AgentPolicy { WrapUpDuration = TimeSpan.Zero }).In(AgentStatus.Available);
        agent.Now = new DateTimeOffset(2026, 3, 2, 23, 50, 0, TimeSpan.Zero);
        HandleOneCall(agent, 1);
        HandleOneCall(agent, 2);
        Assert.That(agent.State.CallsHandledToday, Is.EqualTo(2));

        // 07:50 on 3 March in Beijing is still 23:50 on 2 March in UTC: the same counting day.
        var beijing = TimeSpan.FromHours(8);
        agent.Now = new DateTimeOffset(2026, 3, 3, 7, 50, 0, beijing);
        HandleOneCall(agent, 3);
        Assert.That(agent.State.CallsHandledToday, Is.EqualTo(3));
        Assert.That(agent.State.CallsHandledOn(new DateTimeOffset(2026, 3, 3, 0, 5, 0, TimeSpan.Zero)), Is.Zero,
            "the figure of a day with no calls yet is zero");

        agent.Now = new DateTimeOffset(2026, 3, 3, 0, 5, 0, TimeSpan.Zero);
        var firstOfDay = HandleOneCall(agent, 4);

        Assert.That(firstOfDay.CallsHandledToday, Is.EqualTo(1));
        Assert.That(firstOfDay.CountedOn, Is.EqualTo(new DateOnly(2026, 3, 3)));
        Assert.That(agent.State.CallsHandledToday, Is.EqualTo(1));
        Assert.That(agent.State.CallsHandledOn(agent.Now), Is.EqualTo(1));
    }

    private static AgentEvent.CallHandled HandleOneCall(AgentDriver agent, long epoch)
    {
        var call = new CallId("call-" + epoch);
        agent.Do(new AgentCommand.Offer(call, epoch));
        agent.Do(new AgentCommand.Accept(epoch));
        return agent.Do(new AgentCommand.CallEnded(call)).Events.OfType<AgentEvent.CallHandled>().Single();
    }

    [Test]
    public void Logging_out_while_ringing_gives_the_offer_up_so_the_call_can_be_queued_again()
    {
        var agent = new AgentDriver().In(AgentStatus.Reserved);

        var loggedOut = agent.Do(AgentCommand.LogOut.Instance);
        var lateAccept = agent.Send(new AgentCommand.Accept(RingingEpoch));

        Assert.That(loggedOut.State.Status, Is.EqualTo(AgentStatus.LoggedOut));
        Assert.That(loggedOut.State.CurrentOffer, Is.Null);
        Assert.That(loggedOut.Events.OfType<AgentEvent.OfferAbandonedByLogout>().Single().Offer,
            Is.EqualTo(new CallAssignment(RingingCall, RingingEpoch)));
        Assert.That((lateAccept.Outcome.Code, lateAccept.Outcome.Field), Is.EqualTo((OutcomeCode.Conflict, "agent")));
    }

    [Test]
    public void Logging_out_during_a_call_waits_for_the_call_and_its_wrap_up()
    {
        var agent = new AgentDriver().In(AgentStatus.OnCall);

        var deferred = agent.Do(AgentCommand.LogOut.Instance);
        var repeated = agent.Send(AgentCommand.LogOut.Instance);
        agent.Do(new AgentCommand.CallEnded(RingingCall));
        Assert.That(agent.State.Status, Is.EqualTo(AgentStatus.WrapUp));
        agent.Do(AgentCommand.WrapUpTimerElapsed.Instance, TimeSpan.FromSeconds(30));

        Assert.That(deferred.State.Status, Is.EqualTo(AgentStatus.OnCall));
        Assert.That(deferred.State.AfterCall, Is.EqualTo(AfterCall.LoggedOut));
        Assert.That(repeated.Outcome, Is.EqualTo(Outcome.Unchanged));
        Assert.That(agent.State.Status, Is.EqualTo(AgentStatus.LoggedOut));
        Assert.That(agent.State.AfterCall, Is.EqualTo(AfterCall.Available));
        Assert.That(agent.State.CallsHandledToday, Is.EqualTo(1));
    }

    [Test]
    public void Making_available_during_a_call_cancels_a_pending_logout()
    {
        var agent = new AgentDriver().In(AgentStatus.OnCall);
        agent.Do(AgentCommand.LogOut.Instance);

        agent.Do(AgentCommand.MakeAvailable.Instance);
        agent.Do(new AgentCommand.CallEnded(RingingCall));
        agent.Do(AgentCommand.FinishWrapUp.Instance);

        Assert.That(agent.State.Status, Is.EqualTo(AgentStatus.Available));
    }

    [Test]
    public void Logging_out_and_in_keeps_the_fairness_figures()
    {
        var agent = new AgentDriver().In(AgentStatus.WrapUp);
        var lastCallEnded = agent.State.LastCallEndedAt;

        agent.Do(AgentCommand.LogOut.Instance);
        agent.Do(new AgentCommand.LogIn(BillingAndEnglish));

        Assert.That(agent.State.Status, Is.EqualTo(AgentStatus.NotReady));
        Assert.That(agent.State.CallsHandledToday, Is.EqualTo(1));
        Assert.That(agent.State.LastCallEndedAt, Is.EqualTo(lastCallEnded));
    }

    [Test]
    public void The_after_call_choice_is_validated()
    {
        var agent = new AgentDriver().In(AgentStatus.OnCall);

        var blank = agent.Send(new AgentCommand.SetAfterCall(AfterCall.NotReady(" ")));
        var missing = agent.Send(new AgentCommand.SetAfterCall(null!));
        var same = agent.Send(new AgentCommand.SetAfterCall(AfterCall.Available));

        Assert.That((blank.Outcome.Code, blank.Outcome.Field), Is.EqualTo((OutcomeCode.Invalid, "next.reason")));
        Assert.That((missing.Outcome.Code, missing.Outcome.Field), Is.EqualTo((OutcomeCode.Invalid, "next")));
        Assert.That(same.Outcome, Is.EqualTo(Outcome.Unchanged));
    }

    [TestCase(AgentStatus.Available)]
    [TestCase(AgentStatus.NotReady)]
    [TestCase(AgentStatus.Reserved)]
    [TestCase(AgentStatus.WrapUp)]
    public void Logging_out_after_the_call_is_refused_without_a_call(AgentStatus status)
    {
        var agent = new AgentDriver().In(status);

        var logout = agent.Send(new AgentCommand.SetAfterCall(AfterCall.LoggedOut));

        Assert.That((logout.Outcome.Code, logout.Outcome.Field), Is.EqualTo((OutcomeCode.Conflict, "next")));
        Assert.That(logout.State.AfterCall, Is.EqualTo(AfterCall.Available));
    }

    [Test]
    public void An_agent_on_a_call_may_ask_to_be_logged_out_after_it()
    {
        var agent = new AgentDriver().In(AgentStatus.OnCall);

        var logout = agent.Send(new AgentCommand.SetAfterCall(AfterCall.LoggedOut));
        Assert.That((logout.Outcome.Code, logout.State.AfterCall, logout.State.Status), Is.EqualTo((OutcomeCode.Ok, AfterCall.LoggedOut, AgentStatus.OnCall)));

        var ended = agent.Send(new AgentCommand.CallEnded(agent.State.CurrentCall!.Value.Call));
        var wrappedUp = agent.Send(AgentCommand.FinishWrapUp.Instance);
        Assert.That((ended.State.Status, wrappedUp.State.Status), Is.EqualTo((AgentStatus.WrapUp, AgentStatus.LoggedOut)));
    }

    [Test]
    public void A_wish_made_while_idle_applies_after_the_next_call()
    {
        var agent = new AgentDriver().In(AgentStatus.Available);
        agent.Do(new AgentCommand.SetAfterCall(AfterCall.NotReady("lunch")));
        Assert.That(agent.State.Status, Is.EqualTo(AgentStatus.Available), "the wish does not act at once");

        agent.Do(new AgentCommand.Offer(RingingCall, RingingEpoch));
        agent.Do(new AgentCommand.Accept(RingingEpoch));
        agent.Do(new AgentCommand.CallEnded(RingingCall));
        agent.Do(AgentCommand.FinishWrapUp.Instance);

        Assert.That(agent.State.Status, Is.EqualTo(AgentStatus.NotReady));
        Assert.That(agent.State.NotReadyReason, Is.EqualTo("lunch"));
    }

    [Test]
    public void The_policy_refuses_a_negative_wrap_up_or_an_empty_missed_offer_reason()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => _ = new AgentPolicy { WrapUpDuration = TimeSpan.FromSeconds(-1) });
        Assert.Throws<ArgumentException>(() => _ = new AgentPolicy { MissedOfferReason = "" });
        Assert.That(AgentPolicy.Default.WrapUpDuration, Is.EqualTo(TimeSpan.FromSeconds(30)));
    }

    [Test]
    public void An_event_of_another_agent_cannot_be_applied()
    {
        var bob = AgentState.LoggedOut(new("bob"));
        var aliceEvent = new AgentEvent.LoggedIn(Alice, Start, BillingAndEnglish);

        Assert.Throws<ArgumentException>(() => AgentLifecycle.Apply(bob, aliceEvent));
    }

    [Test]
    public void Replaying_a_days_events_rebuilds_the_agent()
    {
        var agent = new AgentDriver().In(AgentStatus.WrapUp);
        agent.Do(new AgentCommand.GoNotReady("lunch"));
        agent.Do(AgentCommand.MakeAvailable.Instance, TimeSpan.FromMinutes(30));
        agent.Do(new AgentCommand.Offer(new("call-2"), 8));

        var replayed = AgentLifecycle.Replay(AgentState.LoggedOut(Alice), agent.Log);

        Assert.That(replayed, Is.EqualTo(agent.State));
        Assert.That(replayed.Status, Is.EqualTo(AgentStatus.Reserved));
    }

    // ---- Property-style run ----

    private static IEnumerable<TestCaseData> RandomRuns()
    {
        foreach (var seed in new[] { 11, 23, 47, 101 })
        {
            foreach (var wrapUpSeconds in new[] { 0, 30 })
            {
                yield return new TestCaseData(seed, wrapUpSeconds)
                    .SetName($"Invariants hold for random commands (seed {seed}, wrap-up {wrapUpSeconds} s)");
            }
        }
    }

    [TestCaseSource(nameof(RandomRuns))]
    public void Invariants_hold_after_every_random_command(int seed, int wrapUpSeconds)
    {
        var run = new RandomRun(seed, new AgentPolicy { WrapUpDuration = TimeSpan.FromSeconds(wrapUpSeconds) });

        for (var step = 0; step < 5000; step++)
        {
            run.Step(step);
        }

        run.CheckReplay("end");
        TestContext.Out.WriteLine(
            $"outcomes {string.Join(", ", run.Outcomes)}; calls handled {run.CallsHandled}; day rollovers {run.DayRollovers}");
        Assert.That(run.Outcomes[OutcomeCode.Ok], Is.GreaterThan(1000), "the run changed the agent often");
        Assert.That(run.Outcomes[OutcomeCode.Unchanged], Is.GreaterThan(300), "the run sent duplicates");
        Assert.That(run.Outcomes[OutcomeCode.Conflict], Is.GreaterThan(100), "the run sent stale answers");
        Assert.That(run.Outcomes[OutcomeCode.Invalid], Is.GreaterThan(20), "the run sent bad input");
        Assert.That(run.Visited, Is.EquivalentTo(Enum.GetValues<AgentStatus>()
            .Where(s => wrapUpSeconds > 0 || s != AgentStatus.WrapUp)));
        Assert.That(run.CallsHandled, Is.GreaterThan(100));
        Assert.That(run.DayRollovers, Is.GreaterThan(0), "the run crossed a UTC midnight with a call");
    }

    /// <summary>
    /// Sends random commands, biased towards the ones that make sense now but with stale epochs,
    /// other calls, duplicates, bad input and late timers mixed in, and checks every step.
    /// </summary>
    private sealed class RandomRun(int seed, AgentPolicy policy)
    {
        private readonly Random _random = new(seed);
        private readonly List<AgentEvent> _log = [];
        private readonly Dictionary<DateOnly, int> _highestCountOfDay = [];
        private AgentState _state = AgentState.LoggedOut(Alice);
        private DateTimeOffset _now = Start;
        private long _lastEpoch;
        private AgentCommand _previous = AgentCommand.LogOut.Instance;

        public Dictionary<OutcomeCode, int> Outcomes { get; } = Enum.GetValues<OutcomeCode>().ToDictionary(c => c, _ => 0);
        public HashSet<AgentStatus> Visited { get; } = [];
        public int CallsHandled { get; private set; }
        public int DayRollovers { get; private set; }

        public void Step(int step)
        {
            _now += _random.Next(100) == 0
                ? TimeSpan.FromHours(_random.Next(3, 20))
                : TimeSpan.FromSeconds(_random.Next(0, 25));
            var roll = _random.Next(10);
            var command = roll == 0 ? _previous : roll < 5 ? SensibleCommand() : AnyCommand();
            _previous = command;

            var before = _state;
            var decision = AgentLifecycle.Decide(before, command, _now, policy);
            var context = $"step {step}: {command} in {before.Status} at {_now:O} -> {decision.Outcome}";

            Check(before, command, decision, context);

            _state = decision.State;
            _log.AddRange(decision.Events);
            Outcomes[decision.Outcome.Code]++;
            Visited.Add(_state.Status);
            if (step % 250 == 0)
            {
                CheckReplay(context);
            }
        }

        public void CheckReplay(string context) =>
            Assert.That(AgentLifecycle.Replay(AgentState.LoggedOut(Alice), _log), Is.EqualTo(_state),
                $"replaying {_log.Count} events from LoggedOut rebuilds the state ({context})");

        /// <summary>What a working agent, softphone and dispatcher would send next: keeps the run moving.</summary>
        private AgentCommand SensibleCommand()
        {
            switch (_state.Status)
            {
                case AgentStatus.LoggedOut:
                    return new AgentCommand.LogIn(BillingAndEnglish);
                case AgentStatus.NotReady:
                    return AgentCommand.MakeAvailable.Instance;
                case AgentStatus.Available:
                    _lastEpoch++;
                    return new AgentCommand.Offer(new("call-" + _lastEpoch), _lastEpoch);
                case AgentStatus.Reserved:
                    var epoch = _state.CurrentOffer!.Value.Epoch;
                    return _random.Next(6) switch
                    {
                        0 => new AgentCommand.Reject(epoch),
                        1 => new AgentCommand.OfferTimedOut(epoch),
                        2 => new AgentCommand.OfferWithdrawn(epoch),
                        _ => new AgentCommand.Accept(epoch),
                    };
                case AgentStatus.OnCall:
                    return new AgentCommand.CallEnded(_state.CurrentCall!.Value.Call);
                default:
                    return _random.Next(2) == 0 ? AgentCommand.FinishWrapUp.Instance : AgentCommand.WrapUpTimerElapsed.Instance;
            }
        }

        /// <summary>Any command at all, with the epoch or call usually right and sometimes stale.</summary>
        private AgentCommand AnyCommand()
        {
            var offer = _state.CurrentOffer;
            var call = _state.CurrentCall;
            switch (_random.Next(22))
            {
                case 0:
                    return new AgentCommand.LogIn(RandomSkills());
                case 1 or 2:
                    return AgentCommand.MakeAvailable.Instance;
                case 3:
                    return new AgentCommand.GoNotReady(Pick("break", "lunch", "training", "", " "));
                case 4 or 5 or 6:
                    _lastEpoch++;
                    return new AgentCommand.Offer(new("call-" + _lastEpoch), _lastEpoch);
                case 7:
                    return offer is { } o ? new AgentCommand.Offer(o.Call, o.Epoch) : new AgentCommand.Offer(new(""), 1);
                case 8 or 9:
                    return new AgentCommand.Accept(SomeEpoch(offer ?? call));
                case 10:
                    return new AgentCommand.Reject(SomeEpoch(offer));
                case 11:
                    return new AgentCommand.OfferTimedOut(SomeEpoch(offer));
                case 12:
                    return new AgentCommand.OfferWithdrawn(SomeEpoch(offer));
                case 13 or 14 or 15:
                    return new AgentCommand.CallEnded(call is { } c && _random.Next(4) > 0
                        ? c.Call
                        : new CallId("call-" + _random.NextInt64(1, _lastEpoch + 2)));
                case 16:
                    return AgentCommand.FinishWrapUp.Instance;
                case 17 or 18:
                    return AgentCommand.WrapUpTimerElapsed.Instance;
                case 19:
                    return new AgentCommand.SetAfterCall(
                        Pick(AfterCall.Available, AfterCall.NotReady("lunch"), AfterCall.NotReady(""), AfterCall.LoggedOut));
                default:
                    return AgentCommand.LogOut.Instance;
            }
        }

        private T Pick<T>(params T[] choices) => choices[_random.Next(choices.Length)];

        /// <summary>Usually the right epoch, sometimes an older or a future one.</summary>
        private long SomeEpoch(CallAssignment? current) => current is { } c && _random.Next(3) > 0
            ? c.Epoch
            : _random.NextInt64(0, _lastEpoch + 2);

        private AgentSkill[] RandomSkills()
        {
            var count = _random.Next(0, 4);
            return [.. Enumerable.Range(0, count).Select(_ => new AgentSkill(
                new SkillId("s" + _random.Next(4)), _random.Next(20) == 0 ? 11 : _random.Next(1, 11)))];
        }

        private void Check(AgentState before, AgentCommand command, AgentDecision decision, string context)
        {
            var after = decision.State;
            CheckConsistent(after, context);

            if (decision.Outcome.Code != OutcomeCode.Ok)
            {
                Assert.That(after, Is.SameAs(before), $"a refused or duplicate command keeps the state ({context})");
                Assert.That(decision.Events, Is.Empty, context);
                return;
            }

            Assert.That(decision.Events, Is.Not.Empty, context);
            Assert.That(after, Is.Not.EqualTo(before), $"an Ok command changes something ({context})");
            Assert.That(decision.Events.All(e => e.Agent == Alice && e.At == _now), Is.True, context);

            // No event is noise: each one, applied in turn, changes something.
            var folded = before;
            foreach (var @event in decision.Events)
            {
                var next = AgentLifecycle.Apply(folded, @event);
                Assert.That(next, Is.Not.EqualTo(folded), $"{@event} changes nothing ({context})");
                folded = next;
            }

            // Status changes chain from the old status to the new one.
            var status = before.Status;
            foreach (var change in decision.Events.OfType<AgentEvent.StatusChanged>())
            {
                Assert.That(change.From, Is.EqualTo(status), context);
                status = change.To;
            }

            Assert.That(after.Status, Is.EqualTo(status), context);

            // Answers to an offer are fenced by its epoch.
            var answered = command switch
            {
                AgentCommand.Accept a => a.Epoch,
                AgentCommand.Reject r => r.Epoch,
                AgentCommand.OfferTimedOut t => t.Epoch,
                AgentCommand.OfferWithdrawn w => w.Epoch,
                _ => (long?)null,
            };
            if (answered is { } epoch)
            {
                Assert.That(before.CurrentOffer?.Epoch, Is.EqualTo(epoch), $"only the ringing offer can be answered ({context})");
            }

            CheckFairnessFigures(before, after, decision, context);
        }

        private void CheckFairnessFigures(AgentState before, AgentState after, AgentDecision decision, string context)
        {
            var handled = decision.Events.OfType<AgentEvent.CallHandled>().SingleOrDefault();
            if (handled is null)
            {
                Assert.That((after.CallsHandledToday, after.CallsCountedOn, after.LastCallEndedAt),
                    Is.EqualTo((before.CallsHandledToday, before.CallsCountedOn, before.LastCallEndedAt)),
                    $"the counters change only when a call is handled ({context})");
            }
            else
            {
                CallsHandled++;
                var newDay = AgentLifecycle.UtcDay(_now) != before.CallsCountedOn;
                if (newDay && before.CallsHandledToday > 0)
                {
                    DayRollovers++;
                }

                Assert.That(before.Status, Is.EqualTo(AgentStatus.OnCall), context);
                Assert.That(after.CallsHandledToday, Is.EqualTo(newDay ? 1 : before.CallsHandledToday + 1), context);
                Assert.That(after.CallsCountedOn, Is.EqualTo(AgentLifecycle.UtcDay(_now)), context);
                Assert.That(after.LastCallEndedAt, Is.EqualTo(_now), context);
            }

            var highest = _highestCountOfDay.GetValueOrDefault(after.CallsCountedOn);
            Assert.That(after.CallsHandledToday, Is.GreaterThanOrEqualTo(highest), $"the day's count never falls ({context})");
            _highestCountOfDay[after.CallsCountedOn] = after.CallsHandledToday;

            var startsIdleTime = decision.Events.OfType<AgentEvent.StatusChanged>()
                .Any(e => e.To == AgentStatus.Available && !e.KeepsIdlePosition);
            Assert.That(after.AvailableSince, Is.EqualTo(startsIdleTime ? _now : before.AvailableSince),
                $"idle time restarts only on becoming available ({context})");
        }

        private static void CheckConsistent(AgentState state, string context)
        {
            Assert.That(state.CurrentOffer is not null, Is.EqualTo(state.Status == AgentStatus.Reserved), $"offer ({context})");
            Assert.That(state.CurrentCall is not null, Is.EqualTo(state.Status == AgentStatus.OnCall), $"call ({context})");
            Assert.That(state.WrapUpEndsAt is not null, Is.EqualTo(state.Status == AgentStatus.WrapUp), $"wrap-up ({context})");
            Assert.That(!string.IsNullOrWhiteSpace(state.NotReadyReason), Is.EqualTo(state.Status == AgentStatus.NotReady),
                $"not-ready reason ({context})");
            if (state.Status is AgentStatus.Available or AgentStatus.Reserved)
            {
                Assert.That(state.AvailableSince, Is.Not.Null, context);
            }

            if (state.AfterCall == AfterCall.LoggedOut)
            {
                Assert.That(state.Status, Is.AnyOf(AgentStatus.OnCall, AgentStatus.WrapUp),
                    $"a pending logout belongs to a call ({context})");
            }
        }
    }
}
