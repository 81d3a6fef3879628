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
        var state = Decide(view, AgentState.LoggedOut(alice), new AgentCommand.LogIn([new AgentSkill(new SkillId("sales"), 4)]), T0);

        var shown = view.Snapshot().Agents.Single();
        Assert.That((shown.Status, shown.StatusSince), Is.EqualTo((AgentStatus.NotReady, T0)), "a log-in is seen logged in, since when it happened");

        Decide(view, state, AgentCommand.LogOut.Instance, T0.AddMinutes(5));
        Assert.That(view.Snapshot().Agents, Is.Empty);
        Assert.That((view.Agent(alice)!.Status, view.Agent(alice)!.StatusSince), Is.EqualTo((AgentStatus.LoggedOut, T0.AddMinutes(5))));
    }

    [Test]
    public void Every_agent_change_is_the_state_after_a_whole_decision()
    {
        var view = new RoutingStateView();
        var alice = new AgentId("alice");
        var call = new CallId("c");
        var state = Decide(view, AgentState.LoggedOut(alice), new AgentCommand.LogIn([new AgentSkill(new SkillId("sales"), 4)]), T0);
        state = Decide(view, state, AgentCommand.MakeAvailable.Instance, T0.AddSeconds(1));
        state = Decide(view, state, new AgentCommand.Offer(call, 7), T0.AddSeconds(2));
        state = Decide(view, state, new AgentCommand.OfferTimedOut(7), T0.AddSeconds(20));
        state = Decide(view, state, AgentCommand.MakeAvailable.Instance, T0.AddSeconds(30));
        state = Decide(view, state, new AgentCommand.Offer(call, 8), T0.AddSeconds(31));
        state = Decide(view, state, new AgentCommand.Accept(8), T0.AddSeconds(32));
        Decide(view, state, new AgentCommand.CallEnded(call), T0.AddSeconds(90));

        var seen = view.ChangesAfter(0)!.Cast<StateChange.AgentChanged>().Select(c => c.Agent).ToList();
        Assert.That(seen.Select(a => a.Status), Is.EqualTo(new[]
        {
            AgentStatus.NotReady, AgentStatus.Available, AgentStatus.Reserved, AgentStatus.NotReady,
            AgentStatus.Available, AgentStatus.Reserved, AgentStatus.OnCall, AgentStatus.WrapUp,
        }), "one change per decision, none for the states a decision passes through");
        Assert.That(seen.Where(a => a.Status is AgentStatus.Available or AgentStatus.NotReady).Select(a => a.Call), Is.All.Null,
            "an agent free or not ready names no call");
        Assert.That(seen.Where(a => a.Status is AgentStatus.Reserved or AgentStatus.OnCall).Select(a => a.Call), Is.All.EqualTo(call),
            "an agent rung or talking names its call");
        Assert.That(seen.Select(a => a.StatusSince), Is.All.GreaterThanOrEqualTo(T0), "no time before the agent was seen");
    }

    [Test]
    public void An_ended_call_keeps_the_agent_who_talked_to_the_caller()
    {
        var view = new RoutingStateView();
        var call = new CallId("c");
        var alice = new AgentId("alice");
        view.Apply(Arrived("c", 1));
        view.Apply(new CallEvent.Offered(call, 2, T0, new AgentAssignment(alice, 1)));
        view.Apply(new CallEvent.Connected(call, 3, T0.AddSeconds(5), new AgentAssignment(alice, 1)));
        Assert.That(view.Snapshot().Calls.Single().Agent, Is.EqualTo(alice));

        var change = (StateChange.CallChanged)view.Apply(new CallEvent.Ended(call, 4, T0.AddSeconds(65), CallOutcome.Answered, alice, TimeSpan.FromSeconds(60)))!;
        Assert.That((change.Call.Status, change.Call.Agent), Is.EqualTo((CallStatus.Ended, (AgentId?)alice)));
        Assert.That(view.History(call)!.Call.Agent, Is.EqualTo(alice));
    }

    /// <summary>Decides the command, shows the view the state after it, and returns that state.</summary>
    private static AgentState Decide(RoutingStateView view, AgentState state, AgentCommand command, DateTimeOffset now)
    {
        var decision = AgentLifecycle.Decide(state, command, now, AgentPolicy.Default);
        Assert.That(decision.Outcome.Code, Is.EqualTo(OutcomeCode.Ok), $"{command}: {decision.Outcome}");
        view.Apply(decision.State);
        return decision.State;
    }

    private static CallEvent.Arrived Arrived(string call, long sequence) =>
        new(new CallId(call), sequence, T0, Sales, new TierId("Standard"), false, null, [], T0);
}
