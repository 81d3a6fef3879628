using CallCenter.Routing.Lifecycle;
using CallCenter.Routing.Model;
using CallCenter.Routing.Operations;

namespace CallCenter.Routing.Tests.Core.Operations;

public sealed class RoutingStateViewTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);
    private static readonly QueueId Sales = new("sales");

    [Test]
    public void Each_visible_change_takes_the_next_number_and_a_repeated_event_takes_none()
    {
        var view = new RoutingStateView();
        var arrived = Arrived("c", 1);

        Assert.That(view.Apply(arrived)?.Sequence, Is.EqualTo(1));
        Assert.That(view.Apply(arrived), Is.Null, "a repeated event changes nothing");
        Assert.That(view.Apply(new CallEvent.Queued(new CallId("c"), 2, T0, Sales, 1, null))?.Sequence, Is.EqualTo(2));
        Assert.That(view.Apply(new CallEvent.PositionAnnounced(new CallId("c"), 3, T0, 1, null)), Is.Null, "an announcement changes no summary");
        Assert.That(view.Sequence, Is.EqualTo(2));
        Assert.That(view.History(new CallId("c"))!.Events, Has.Count.EqualTo(3));
    }

    [Test]
    public void A_run_of_announcements_is_kept_as_its_latest_and_later_events_follow_it()
    {
        var view = new RoutingStateView();
        var call = new CallId("c");
        view.Apply(Arrived("c", 1));
        view.Apply(new CallEvent.Queued(call, 2, T0, Sales, 4, null));
        for (var sequence = 3; sequence <= 6; sequence++)
        {
            view.Apply(new CallEvent.PositionAnnounced(call, sequence, T0.AddSeconds(30 * sequence), 7 - sequence, null));
        }

        view.Apply(new CallEvent.LongWaitCrossed(call, 7, T0.AddSeconds(200), TimeSpan.FromSeconds(180)));
        view.Apply(new CallEvent.PositionAnnounced(call, 8, T0.AddSeconds(210), 1, null));

        var events = view.History(call)!.Events;
        Assert.That(events.Select(e => e.Sequence), Is.EqualTo(new long[] { 1, 2, 6, 7, 8 }));
        Assert.That(((CallEvent.PositionAnnounced)events[2]).Position, Is.EqualTo(1));
        Assert.That(view.Apply(new CallEvent.PositionAnnounced(call, 5, T0, 9, null)), Is.Null, "an older announcement is still a repeat");
        Assert.That(view.History(call)!.Events, Has.Count.EqualTo(5));
    }

    [TestCase(0, false)]
    [TestCase(5, true)]
    [TestCase(6, true)]
    [TestCase(7, true)]
    [TestCase(8, false)]
    public void Changes_after_a_number_are_given_while_they_are_kept(long after, bool given)
    {
        var view = new RoutingStateView(changesKept: 3);
        for (var i = 1; i <= 7; i++)
        {
            view.Apply(Arrived($"c{i}", 1));
        }

        var changes = view.ChangesAfter(after);

        Assert.That(changes is not null, Is.EqualTo(given));
        if (changes is not null)
        {
            Assert.That(changes.Select(c => c.Sequence), Is.EqualTo(Enumerable.Range((int)after + 1, 7 - (int)after).Select(i => (long)i)));
        }
    }

    [Test]
    public void Ended_calls_leave_the_snapshot_and_are_forgotten_after_the_newer_ones_ended()
    {
        var view = new RoutingStateView(endedCallsKept: 2);
        for (var i = 1; i <= 3; i++)
        {
            var call = new CallId($"c{i}");
            view.Apply(Arrived(call.Value, 1));
            view.Apply(new CallEvent.Ended(call, 2, T0, CallOutcome.AbandonedWhileWaiting, null, null));
        }

        view.Apply(Arrived("live", 1));

        Assert.That(view.Snapshot().Calls.Select(c => c.Id.Value), Is.EqualTo(new[] { "live" }));
        Assert.That(view.History(new CallId("c1")), Is.Null);
        Assert.That(view.History(new CallId("c3"))!.Call.Outcome, Is.EqualTo(CallOutcome.AbandonedWhileWaiting));
    }

    [Test]
    public void An_ended_call_keeps_its_summary_and_history_and_takes_no_more_events()
    {
        var view = new RoutingStateView();
        var call = new CallId("c");
        view.Apply(Arrived("c", 1));
        var ended = new CallEvent.Ended(call, 2, T0, CallOutcome.AbandonedWhileWaiting, null, null);
        view.Apply(ended);

        Assert.That(view.Apply(ended), Is.Null, "a repeat");
        Assert.That(view.Apply(new CallEvent.PositionAnnounced(call, 3, T0, 1, null)), Is.Null, "news after the end");
        var history = view.History(call)!;
        Assert.That((history.Call.Status, history.Call.Outcome, history.Call.LastSequence), Is.EqualTo((CallStatus.Ended, (CallOutcome?)CallOutcome.AbandonedWhileWaiting, 2L)));
        Assert.That(history.Events, Is.EqualTo(new CallEvent[] { history.Events[0], ended }));
        Assert.That(view.Snapshot().Calls, Is.Empty);
    }

    [Test]
    public void Agents_appear_with_their_state_and_leave_the_snapshot_when_they_log_out()
    {
        var view = new RoutingStateView();
        var alice = new AgentId("alice");
        view.Apply(new AgentEvent.LoggedIn(alice, T0, [new AgentSkill(new SkillId("sales"), 4)]));
        view.Apply(new AgentEvent.StatusChanged(alice, T0, AgentStatus.LoggedOut, AgentStatus.NotReady, StatusChangeReasons.LoggedIn));

        Assert.That(view.Snapshot().Agents.Single().Status, Is.EqualTo(AgentStatus.NotReady));

        view.Apply(new AgentEvent.StatusChanged(alice, T0, AgentStatus.NotReady, AgentStatus.LoggedOut, StatusChangeReasons.LoggedOut));
        Assert.That(view.Snapshot().Agents, Is.Empty);
        Assert.That(view.Agent(alice)!.Status, Is.EqualTo(AgentStatus.LoggedOut));
    }

    private static CallEvent.Arrived Arrived(string call, long sequence) =>
        new(new CallId(call), sequence, T0, Sales, new TierId("Standard"), false, null, [], T0);
}
