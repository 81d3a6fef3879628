using CallCenter.Routing.Lifecycle;
using CallCenter.Routing.Matching;
using CallCenter.Routing.Model;
using static CallCenter.Routing.Tests.Core.Lifecycle.RecoveryFixtures;

namespace CallCenter.Routing.Tests.Core.Lifecycle;

/// <summary>
/// A call taken back from its journal after a restart: the state its events give, what recovery
/// settles (a ringing offer is void, a consultative transfer fails back), and what the routing
/// engine is told to give the call back its place (<see cref="Matching.RestoredCall"/>).
/// </summary>
[TestFixture]
public sealed class CallRecoveryTests
{
    private static readonly TimeSpan Later = TimeSpan.FromTicks(1_000_000_010);

    private static RecoveredCall Resume(CallScript script, DateTimeOffset? now = null) =>
        CallRecovery.Resume(script.State.Id, script.Events, now ?? script.Now + Later)
        ?? throw new AssertionException("the call was not recovered");

    private static CallScript Queued() => new CallScript().Arrive().Do(new CallCommand.Queued(Sales, 2, null));

    [Test]
    public void A_ringing_call_comes_back_waiting_its_offer_void_and_not_held_against_the_agent()
    {
        var script = Queued().Do(new CallCommand.Offered(Alice, 11));
        var now = script.Now + Later;

        var recovered = Resume(script, now);

        Assert.That(recovered.State.Status, Is.EqualTo(CallStatus.Queued));
        Assert.That(recovered.State.Offer, Is.Null);
        var voided = recovered.Events.Single() as CallEvent.OfferReturned;
        Assert.That(voided, Is.Not.Null, "the settled event is the offer's return");
        Assert.That(voided!.Reason, Is.EqualTo(OfferReturnReason.Voided));
        Assert.That(voided.Offer, Is.EqualTo(new AgentAssignment(Alice, 11)));
        Assert.That(voided.Sequence, Is.EqualTo(script.State.LastSequence + 1), "numbered after the journal");
        Assert.That(voided.At, Is.EqualTo(now));
        Assert.That(recovered.Routing, Is.Not.Null, "the call waits for an agent again");
        Assert.That(recovered.Routing!.DeclinedBy, Is.Empty);
        Assert.That(recovered.Routing.Request.Id, Is.EqualTo(script.State.Id));
    }

    [Test]
    public void The_state_after_recovery_is_the_journal_and_the_settled_events_replayed()
    {
        var script = Queued().Do(new CallCommand.Offered(Alice, 11));

        var recovered = Resume(script);

        AssertSameCall(CallLifecycle.Replay(CallState.New(script.State.Id), [.. script.Events, .. recovered.Events]), recovered.State);
    }

    [Test]
    public void Agents_who_declined_or_let_the_call_ring_out_are_listed_and_one_it_bounced_from_is_not()
    {
        var script = Queued()
            .Do(new CallCommand.Offered(Alice, 11)).Do(new CallCommand.OfferReturned(11, OfferReturnReason.Declined))
            .Do(new CallCommand.Offered(Bob, 12)).Do(new CallCommand.OfferReturned(12, OfferReturnReason.TimedOut))
            .Do(new CallCommand.Offered(Carol, 13)).Do(new CallCommand.OfferReturned(13, OfferReturnReason.Bounced));

        var recovered = Resume(script);

        Assert.That(recovered.Events, Is.Empty, "nothing rang at the stop");
        Assert.That(recovered.Routing!.DeclinedBy, Is.EqualTo(new[] { Alice, Bob }));
    }

    [Test]
    public void Agents_who_logged_out_or_lost_their_softphone_while_it_rang_are_listed_as_declined_and_a_void_offer_is_not()
    {
        var script = Queued()
            .Do(new CallCommand.Offered(Alice, 11)).Do(new CallCommand.OfferReturned(11, OfferReturnReason.AgentLoggedOut))
            .Do(new CallCommand.Offered(Bob, 12)).Do(new CallCommand.OfferReturned(12, OfferReturnReason.SoftphoneLost))
            .Do(new CallCommand.Offered(Carol, 13)).Do(new CallCommand.OfferReturned(13, OfferReturnReason.Voided));

        var recovered = Resume(script);

        Assert.That(recovered.Routing!.DeclinedBy, Is.EqualTo(new[] { Alice, Bob }), "as the engine remembered them before the stop");
    }

    [Test]
    public void The_agent_rung_at_the_stop_is_not_listed_beside_those_who_declined()
    {
        var script = Queued()
            .Do(new CallCommand.Offered(Bob, 12)).Do(new CallCommand.OfferReturned(12, OfferReturnReason.Declined))
            .Do(new CallCommand.Offered(Alice, 13));

        Assert.That(Resume(script).Routing!.DeclinedBy, Is.EqualTo(new[] { Bob }));
    }

    [Test]
    public void The_journal_is_replayed_up_to_its_first_gap_only()
    {
        var script = Queued()
            .Do(new CallCommand.Offered(Alice, 11)).Do(new CallCommand.OfferReturned(11, OfferReturnReason.Declined))
            .Do(new CallCommand.Offered(Bob, 12)).Do(new CallCommand.Answered(Bob, 12));
        var declined = script.Events.FindIndex(e => e is CallEvent.OfferReturned);

        // The decline's row never made it: what follows it was never acknowledged.
        var journal = script.Events.Where((_, i) => i != declined).ToList();
        var recovered = CallRecovery.Resume(script.State.Id, journal, script.Now + Later)!;

        Assert.That(recovered.Events.Single().Sequence, Is.EqualTo(declined + 1), "settled after the events before the gap");
        Assert.That(recovered.State.Status, Is.EqualTo(CallStatus.Queued), "it rang Alice at the gap, and that offer is void");
        Assert.That(recovered.Events.OfType<CallEvent.OfferReturned>().Single().Offer.Agent, Is.EqualTo(Alice));
        Assert.That(recovered.Routing!.DeclinedBy, Is.Empty, "the decline after the gap is not known");
    }

    [Test]
    public void A_journal_with_a_repeated_event_stops_at_the_repeat()
    {
        var script = Queued().Do(new CallCommand.Offered(Alice, 11)).Do(new CallCommand.Answered(Alice, 11));
        List<CallEvent> journal = [script.Events[0], script.Events[1], script.Events[1], .. script.Events.Skip(2)];

        var recovered = CallRecovery.Resume(script.State.Id, journal, script.Now + Later)!;

        Assert.That(recovered.State.LastSequence, Is.EqualTo(2));
        Assert.That(recovered.State.Status, Is.EqualTo(CallStatus.Queued));
        Assert.That(recovered.Events, Is.Empty);
    }

    [Test]
    public void A_call_refused_with_a_callback_offered_is_not_routed()
    {
        var script = new CallScript().Arrive().Do(new CallCommand.Refused(Sales, "Closed", true));

        var recovered = Resume(script);

        Assert.That(recovered.State.Status, Is.EqualTo(CallStatus.Arrived), "the caller is still on the line, choosing");
        Assert.That(recovered.State.CallbackOffered, Is.True);
        Assert.That(recovered.Routing, Is.Null, "the engine had let go of it");
    }

    [Test]
    public void A_scheduled_callback_is_not_routed_before_it_is_due_and_routed_from_its_due_time_after()
    {
        var script = new CallScript().Arrive().Do(new CallCommand.Queued(Sales, 1, null));
        var due = script.Now + TimeSpan.FromHours(1);
        script.Do(new CallCommand.ScheduleCallback(due));

        var before = Resume(script);
        Assert.That(before.State.Status, Is.EqualTo(CallStatus.CallbackScheduled));
        Assert.That(before.Routing, Is.Null, "out of line until its appointment");

        script.Do(CallCommand.CallbackDue.Instance, due - script.Now + TimeSpan.FromTicks(30));
        var after = Resume(script);
        Assert.That(after.State.Status, Is.EqualTo(CallStatus.CallbackRequested));
        Assert.That(after.IsCallback, Is.True);
        Assert.That(after.Routing, Is.Not.Null);
        Assert.That(after.Routing!.Request.ArrivedAt, Is.EqualTo(due), "served in the order of its appointment");
        Assert.That(after.Routing.RoutedSince, Is.EqualTo(script.Now), "its routing began again when it fell due");
        Assert.That(after.Routing.QueueEnteredAt, Is.EqualTo(script.Now));
        Assert.That(after.Routing.PlacedBy, Is.EqualTo(Sales), "placed by its queue when it fell due");
    }

    [Test]
    public void A_call_that_overflowed_keeps_the_queue_that_first_placed_it_and_counts_its_queue_time_from_the_overflow()
    {
        var script = Queued();
        var arrived = script.Events[0].At;
        script.Do(new CallCommand.Overflowed(Sales, Support), TimeSpan.FromSeconds(90));
        var overflowedAt = script.Now;

        var routing = Resume(script).Routing!;

        Assert.That(routing.PlacedBy, Is.EqualTo(Sales));
        Assert.That(routing.Request.Queue, Is.EqualTo(Support), "it waits where it overflowed to");
        Assert.That(routing.QueueEnteredAt, Is.EqualTo(overflowedAt));
        Assert.That(routing.RoutedSince, Is.EqualTo(arrived));
        Assert.That(routing.Request.ArrivedAt, Is.EqualTo(arrived));
    }

    [Test]
    public void A_call_moved_on_before_it_was_placed_is_placed_by_the_queue_it_came_to()
    {
        var script = new CallScript().Arrive().Do(new CallCommand.Overflowed(Sales, Support)).Do(new CallCommand.Queued(Support, 1, null));

        var routing = Resume(script).Routing!;

        Assert.That(routing.PlacedBy, Is.EqualTo(Support));
        Assert.That(routing.QueueEnteredAt, Is.EqualTo(script.Events[1].At));
    }

    [Test]
    public void A_blind_transfer_is_placed_by_its_target_queue_though_it_overflowed_for_its_maximum_wait_before_it_rang()
    {
        var script = TransferredTo(Billing).Do(new CallCommand.Overflowed(Billing, Support, QueueExitReason.MaximumWait), TimeSpan.FromSeconds(90));

        var routing = Resume(script).Routing!;

        Assert.That(routing.PlacedBy, Is.EqualTo(Billing));
        Assert.That(routing.Request.Queue, Is.EqualTo(Support));
        Assert.That(routing.QueueEnteredAt, Is.EqualTo(script.Now));
    }

    [Test]
    public void A_blind_transfer_moved_on_from_a_full_target_is_placed_by_the_queue_that_took_it()
    {
        // The engine's admission: Billing was full and sent the call on to Support, which placed it (no event of its own).
        var script = TransferredTo(Billing).Do(new CallCommand.Overflowed(Billing, Support, QueueExitReason.Full), TimeSpan.FromTicks(20_000))
            .Do(new CallCommand.Overflowed(Support, Sales, QueueExitReason.MaximumWait), TimeSpan.FromSeconds(90));

        Assert.That(Resume(script).Routing!.PlacedBy, Is.EqualTo(Support));
    }

    [Test]
    public void A_failed_blind_transfer_back_in_its_queue_is_placed_by_that_queue_though_it_overflowed_after()
    {
        var script = TransferredTo(Billing).Do(new CallCommand.TransferFailed("queue 'billing' refused the call: Closed"))
            .Do(new CallCommand.Overflowed(Sales, Support, QueueExitReason.MaximumWait), TimeSpan.FromSeconds(90));

        var routing = Resume(script).Routing!;

        Assert.That(routing.PlacedBy, Is.EqualTo(Sales));
        Assert.That(routing.Request.Queue, Is.EqualTo(Support));
    }

    private static CallScript TransferredTo(QueueId queue) => Queued().Do(new CallCommand.Offered(Alice, 11)).Do(new CallCommand.Answered(Alice, 11))
        .Do(new CallCommand.RequestTransfer(TransferKind.Blind, TransferTarget.ToQueue(queue)));

    [Test]
    public void A_call_whose_overflow_was_refused_has_its_queue_exit_done_until_it_moves_on()
    {
        var script = Queued().Do(new CallCommand.OverflowRefused(Sales, Support, QueueExitReason.Full), TimeSpan.FromSeconds(60));
        Assert.That(Resume(script).Routing!.QueueExitDone, Is.True, "the engine does not try again from this queue");

        script.Do(new CallCommand.Overflowed(Sales, Support, QueueExitReason.Closed), TimeSpan.FromSeconds(1));
        Assert.That(Resume(script).Routing!.QueueExitDone, Is.False, "a new queue has its own maximum wait");
    }

    [Test]
    public void An_overflow_refused_in_a_queue_the_call_has_left_changes_nothing()
    {
        var script = Queued();

        Assert.That(CallLifecycle.Decide(script.State, new CallCommand.OverflowRefused(Support, Billing, QueueExitReason.Full), script.Now).Events, Is.Empty);
    }

    [Test]
    public void A_call_first_offered_at_once_is_placed_by_the_queue_it_was_offered_from()
    {
        var script = new CallScript().Arrive().Do(new CallCommand.Offered(Alice, 11)).Do(new CallCommand.OfferReturned(11, OfferReturnReason.Declined))
            .Do(new CallCommand.Overflowed(Sales, Support));

        var routing = Resume(script).Routing!;

        Assert.That(routing.PlacedBy, Is.EqualTo(Sales));
        Assert.That(routing.DeclinedBy, Is.EqualTo(new[] { Alice }));
    }

    [Test]
    public void A_call_keeps_its_tier_needs_and_preferred_agent_in_its_request()
    {
        SkillRequirement[] extras = [new(new SkillId("french"), 3)];
        var arrivedAt = Start - TimeSpan.FromMinutes(2);
        var script = new CallScript().Do(new CallCommand.Arrive(Sales, Gold, true, Carol, extras, arrivedAt))
            .Do(new CallCommand.Queued(Sales, 1, null));

        var request = Resume(script).Routing!.Request;

        Assert.That(request.Queue, Is.EqualTo(Sales));
        Assert.That(request.Tier, Is.EqualTo(Gold));
        Assert.That(request.Emergency, Is.True);
        Assert.That(request.ExtraSkills, Is.EqualTo(extras));
        Assert.That(request.PreferredAgent, Is.EqualTo(Carol));
        Assert.That(request.ArrivedAt, Is.EqualTo(arrivedAt), "an earlier arrival is kept");
    }

    [Test]
    public void A_call_held_for_its_agent_is_held_for_it_again_from_when_its_routing_began()
    {
        var script = new CallScript().Arrive(Carol).Do(new CallCommand.Queued(Sales, 1, null))
            .Do(new CallCommand.HeldForAgent(Carol, false));

        var routing = Resume(script).Routing!;

        Assert.That((routing.HeldFor, routing.HeldForBackup), Is.EqualTo(((AgentId?)Carol, false)));
        Assert.That(routing.RoutedSince, Is.EqualTo(script.Events[0].At), "its time for the agent counts from then");
    }

    [Test]
    public void A_call_held_for_the_backup_of_its_agent_is_held_for_the_backup_again()
    {
        var script = new CallScript().Arrive(Carol).Do(new CallCommand.Queued(Sales, 1, null))
            .Do(new CallCommand.HeldForAgent(Bob, true));

        var routing = Resume(script).Routing!;

        Assert.That((routing.HeldFor, routing.HeldForBackup), Is.EqualTo(((AgentId?)Bob, true)));
        Assert.That(routing.Request.PreferredAgent, Is.EqualTo(Carol), "the call still names its agent");
    }

    [Test]
    public void A_call_placed_without_a_hold_is_not_held_though_it_names_an_agent()
    {
        // Its agent was not there when it was placed: the engine never held it, whoever is there after the restart.
        var script = new CallScript().Arrive(Carol).Do(new CallCommand.Queued(Sales, 1, null));

        var routing = Resume(script).Routing!;

        Assert.That(routing.HeldFor, Is.Null);
        Assert.That(routing.Request.PreferredAgent, Is.EqualTo(Carol));
    }

    [Test]
    public void A_call_whose_hold_expired_or_whose_agent_went_is_no_longer_held()
    {
        var script = new CallScript().Arrive(Carol).Do(new CallCommand.Queued(Sales, 1, null))
            .Do(new CallCommand.HeldForAgent(Carol, false)).Do(new CallCommand.PreferenceExpired(Carol));

        Assert.That(Resume(script).Routing!.HeldFor, Is.Null);
    }

    [Test]
    public void A_call_that_rang_any_agent_is_no_longer_held_for_its_preferred_agent()
    {
        // The engine holds a call for its preferred agent by ringing only that agent; however the
        // offer ended (here a bounce, not held against the agent), the hold ended with it.
        var script = new CallScript().Arrive(Carol).Do(new CallCommand.Queued(Sales, 1, null))
            .Do(new CallCommand.HeldForAgent(Carol, false))
            .Do(new CallCommand.Offered(Carol, 11)).Do(new CallCommand.OfferReturned(11, OfferReturnReason.Bounced));

        var routing = Resume(script).Routing!;

        Assert.That(routing.HeldFor, Is.Null);
        Assert.That(routing.DeclinedBy, Is.Empty, "a bounce is not a decline");
        Assert.That(script.State.PreferredAgent, Is.EqualTo(Carol), "the call itself still names its agent");
    }

    [Test]
    public void A_call_ringing_its_preferred_agent_at_the_stop_is_no_longer_held_for_it()
    {
        var script = new CallScript().Arrive(Carol).Do(new CallCommand.Offered(Carol, 11));

        Assert.That(Resume(script).Routing!.HeldFor, Is.Null);
    }

    [Test]
    public void A_call_that_overflowed_after_it_was_placed_is_no_longer_held_for_its_preferred_agent()
    {
        var script = new CallScript().Arrive(Carol).Do(new CallCommand.Queued(Sales, 1, null))
            .Do(new CallCommand.HeldForAgent(Carol, false)).Do(new CallCommand.Overflowed(Sales, Support));

        Assert.That(Resume(script).Routing!.HeldFor, Is.Null);
    }

    [Test]
    public void A_call_moved_on_as_it_arrived_is_held_for_its_agent_as_placed()
    {
        var script = new CallScript().Arrive(Carol).Do(new CallCommand.Overflowed(Sales, Support))
            .Do(new CallCommand.Queued(Support, 1, null)).Do(new CallCommand.HeldForAgent(Carol, false));

        Assert.That(Resume(script).Routing!.HeldFor, Is.EqualTo(Carol));
    }

    [Test]
    public void A_blind_transfer_to_an_agent_is_held_for_that_agent_though_the_call_rang_others_before()
    {
        var script = new CallScript().Arrive(Bob).Do(new CallCommand.Offered(Alice, 11)).Do(new CallCommand.Answered(Alice, 11))
            .Do(new CallCommand.RequestTransfer(TransferKind.Blind, TransferTarget.ToAgent(Carol)))
            .Do(new CallCommand.HeldForAgent(Carol, false));

        var routing = Resume(script).Routing!;

        Assert.That(routing.HeldFor, Is.EqualTo(Carol));
        Assert.That(routing.Request.PreferredAgent, Is.EqualTo(Carol));
    }

    [Test]
    public void A_blind_transfer_waiting_for_its_target_starts_its_routing_afresh_for_the_named_agent()
    {
        var script = Queued().Do(new CallCommand.Offered(Alice, 11)).Do(new CallCommand.OfferReturned(11, OfferReturnReason.Declined))
            .Do(new CallCommand.Offered(Bob, 12)).Do(new CallCommand.Answered(Bob, 12))
            .Do(new CallCommand.RequestTransfer(TransferKind.Blind, TransferTarget.ToAgent(Carol)));

        var recovered = Resume(script);

        Assert.That(recovered.State.Status, Is.EqualTo(CallStatus.Queued));
        Assert.That(recovered.Routing!.Request.PreferredAgent, Is.EqualTo(Carol));
        Assert.That(recovered.Routing.RoutedSince, Is.EqualTo(script.Now));
        Assert.That(recovered.Routing.DeclinedBy, Is.Empty, "its routing began again");
        Assert.That(recovered.Routing.Request.ArrivedAt, Is.EqualTo(script.Events[0].At), "its place counts from its first arrival");
    }

    [Test]
    public void A_consultative_transfer_under_way_fails_back_to_the_agent_on_the_call()
    {
        var script = Queued().Do(new CallCommand.Offered(Alice, 11)).Do(new CallCommand.Answered(Alice, 11))
            .Do(new CallCommand.RequestTransfer(TransferKind.Consultative, TransferTarget.ToAgent(Bob)))
            .Do(new CallCommand.Offered(Bob, 12));

        var recovered = Resume(script);

        Assert.That(recovered.State.Status, Is.EqualTo(CallStatus.Connected));
        Assert.That(recovered.State.Connection, Is.EqualTo(new AgentAssignment(Alice, 11)));
        Assert.That(recovered.State.Transfer, Is.Null);
        Assert.That(recovered.Events.Select(e => e.GetType()), Is.EqualTo(new[] { typeof(CallEvent.TransferTargetReturned), typeof(CallEvent.TransferFailed) }));
        var voided = (CallEvent.TransferTargetReturned)recovered.Events[0];
        Assert.That((voided.Offer, voided.Reason), Is.EqualTo((new AgentAssignment(Bob, 12), OfferReturnReason.Voided)),
            "the target that rang at the stop is void, as any offer ringing then");
        var failed = (CallEvent.TransferFailed)recovered.Events[1];
        Assert.That(failed.Reason, Is.EqualTo(CallRecovery.TransferLostReason));
        Assert.That(failed.RequeuedIn, Is.Null);
        Assert.That(recovered.Routing, Is.Null, "the caller is with its agent");
    }

    [Test]
    public void A_connected_call_stays_connected_and_is_not_routed()
    {
        var script = Queued().Do(new CallCommand.Offered(Alice, 11)).Do(new CallCommand.Answered(Alice, 11));

        var recovered = Resume(script);

        AssertSameCall(recovered.State, script.State);
        Assert.That(recovered.Events, Is.Empty);
        Assert.That(recovered.Routing, Is.Null);
    }

    [Test]
    public void An_ended_call_comes_back_ended_and_is_not_routed()
    {
        var script = Queued().Do(CallCommand.CallerHungUp.Instance);

        var recovered = Resume(script);

        Assert.That(recovered.State.Status, Is.EqualTo(CallStatus.Ended));
        Assert.That(recovered.Routing, Is.Null);
    }

    [Test]
    public void An_empty_journal_gives_no_call() =>
        Assert.That(CallRecovery.Resume(new CallId("nothing"), [], Start), Is.Null);

    [Test]
    public void A_journal_whose_first_row_is_missing_gives_no_call()
    {
        var script = Queued();

        Assert.That(CallRecovery.Resume(script.State.Id, script.Events.Skip(1).ToList(), script.Now), Is.Null);
    }

    [Test]
    public void A_journal_not_starting_with_the_arrival_gives_no_call()
    {
        var id = new CallId("odd");
        CallEvent[] journal = [new CallEvent.Queued(id, 1, Start, Sales, 1, null), new CallEvent.Offered(id, 2, Start, new AgentAssignment(Alice, 3))];

        Assert.That(CallRecovery.Resume(id, journal, Start + Later), Is.Null);
    }
}
