using CallCenter.Routing.Lifecycle;
using CallCenter.Routing.Model;
using static CallCenter.Routing.Tests.Core.Lifecycle.RecoveryFixtures;

namespace CallCenter.Routing.Tests.Core.Lifecycle;

/// <summary>
/// An agent taken back from its checkpoint after a restart: the snapshot restores the very state
/// it was taken from, and what cannot survive a restart is settled (a ringing offer is void without
/// costing the agent its place; a call the agent is no longer on ends for it).
/// </summary>
[TestFixture]
public sealed class AgentRecoveryTests
{
    private static readonly TimeSpan Later = TimeSpan.FromTicks(1_000_000_010);

    private static IEnumerable<TestCaseData> EveryStatus() =>
        AgentsInEveryStatus().Select(a => new TestCaseData(a.Name).SetName($"A snapshot restores the agent it was taken from: {a.Name}"));

    private static AgentState Agent(string name) => AgentsInEveryStatus().Single(a => a.Name == name).State;

    [TestCaseSource(nameof(EveryStatus))]
    public void A_snapshot_restores_the_agent_it_was_taken_from(string name)
    {
        var state = Agent(name);

        var restored = AgentRecovery.Restore(AgentRecovery.Snapshot(state));

        AssertSameAgent(restored, state);
        AssertSameAgent(AgentRecovery.Snapshot(restored), AgentRecovery.Snapshot(state));
    }

    [Test]
    public void The_agents_cover_every_status_wishes_reasons_and_counters()
    {
        var states = AgentsInEveryStatus().Select(a => a.State).ToList();

        Assert.That(states.Select(s => s.Status).Distinct(), Is.EquivalentTo(Enum.GetValues<AgentStatus>()));
        Assert.That(states.Select(s => s.AfterCall.Status).Distinct(), Is.EquivalentTo(new[] { AgentStatus.Available, AgentStatus.NotReady, AgentStatus.LoggedOut }));
        Assert.That(states.Any(s => s.NotReadyReason == "training"), Is.True);
        Assert.That(states.Any(s => s.CallsHandledToday > 0 && s.LastCallEndedAt is not null && s.AvailableSince is not null), Is.True);
        Assert.That(states.Any(s => s.Status == AgentStatus.Available && s.AvailableSince < s.StatusSince), Is.True,
            "an agent whose idle place is older than its status");
    }

    [Test]
    public void A_restored_agent_can_go_on_where_it_was()
    {
        var state = Agent("on a call, logging out after");
        var restored = AgentRecovery.Restore(AgentRecovery.Snapshot(state));
        var now = Start + TimeSpan.FromHours(1);

        var original = AgentLifecycle.Decide(state, new AgentCommand.CallEnded(state.CurrentCall!.Value.Call), now, AgentPolicy.Default);
        var fromSnapshot = AgentLifecycle.Decide(restored, new AgentCommand.CallEnded(state.CurrentCall!.Value.Call), now, AgentPolicy.Default);

        AssertSameAgent(fromSnapshot.State, original.State);
        Assert.That(fromSnapshot.State.AfterCall, Is.EqualTo(AfterCall.LoggedOut), "the wish to leave after the call survived");
    }

    [Test]
    public void A_ringing_offer_is_void_and_the_agent_keeps_its_place_among_the_idle()
    {
        var state = new AgentScript().Worked().Do(new AgentCommand.Offer(new CallId("ringing"), 7)).State;
        var now = state.StatusSince + Later;

        var decision = AgentRecovery.Resume(state, _ => false, now, AgentPolicy.Default);

        Assert.That(decision.Outcome, Is.EqualTo(Outcome.Ok));
        Assert.That(decision.State.Status, Is.EqualTo(AgentStatus.Available));
        Assert.That(decision.State.CurrentOffer, Is.Null);
        Assert.That(decision.State.AvailableSince, Is.EqualTo(state.AvailableSince), "not the agent's fault");
        Assert.That(decision.State.StatusSince, Is.EqualTo(now));
        Assert.That(decision.State.CallsHandledToday, Is.EqualTo(state.CallsHandledToday));
        Assert.That(decision.Events.OfType<AgentEvent.OfferWithdrawn>().Single().Offer, Is.EqualTo(new CallAssignment(new CallId("ringing"), 7)));
    }

    [Test]
    public void A_ringing_offer_void_leaves_the_agent_where_it_wished_to_go_after()
    {
        var state = Agent("reserved, not ready for lunch after");

        var decision = AgentRecovery.Resume(state, _ => false, state.StatusSince + Later, AgentPolicy.Default);

        Assert.That(decision.State.Status, Is.EqualTo(AgentStatus.NotReady));
        Assert.That(decision.State.NotReadyReason, Is.EqualTo("lunch"));
        Assert.That(decision.State.AfterCall, Is.EqualTo(AfterCall.Available), "the wish is used up");
    }

    [Test]
    public void A_ringing_offer_whose_answer_the_calls_journal_holds_is_taken_as_accepted()
    {
        var state = new AgentScript().Worked().Do(new AgentCommand.Offer(new CallId("answered"), 9)).State;
        var now = state.StatusSince + Later;
        CallAssignment? asked = null;

        var decision = AgentRecovery.Resume(state, offer => { asked = offer; return true; }, now, AgentPolicy.Default);

        Assert.That(asked, Is.EqualTo(new CallAssignment(new CallId("answered"), 9)), "the journal is asked about the offer");
        Assert.That((decision.State.Status, decision.State.CurrentCall, decision.State.CurrentOffer),
            Is.EqualTo((AgentStatus.OnCall, (CallAssignment?)new CallAssignment(new CallId("answered"), 9), (CallAssignment?)null)),
            "on the call the journal connected it to, not free for another");
    }

    [TestCase("never logged in")]
    [TestCase("logged out after a call")]
    [TestCase("not ready for training")]
    [TestCase("available after a call")]
    [TestCase("wrapping up, coaching after")]
    [TestCase("on a call, logging out after")]
    public void A_checkpoint_behind_the_calls_journal_catches_up_onto_the_call_the_journal_connected(string name)
    {
        var state = Agent(name);
        var connected = new CallAssignment(new CallId("connected-later"), 41);
        var now = Start + TimeSpan.FromHours(2);

        var caughtUp = AgentRecovery.Restore(AgentRecovery.CatchUp(AgentRecovery.Snapshot(state), connected));
        var decision = AgentRecovery.Resume(caughtUp, offer => offer == connected, now, AgentPolicy.Default);

        Assert.That(decision.Outcome, Is.EqualTo(Outcome.Ok));
        Assert.That((decision.State.Status, decision.State.CurrentCall, decision.State.CurrentOffer),
            Is.EqualTo((AgentStatus.OnCall, (CallAssignment?)connected, (CallAssignment?)null)));
        Assert.That(decision.State.WrapUpEndsAt, Is.Null);
        Assert.That(decision.State.CallsHandledToday, Is.EqualTo(state.CallsHandledToday), "counters stay as checkpointed");
        Assert.That(decision.State.AfterCall, Is.EqualTo(state.AfterCall), "a wish for after the call survives");
    }

    [Test]
    public void An_agent_on_a_call_no_longer_connected_to_it_ends_the_call_and_wraps_up()
    {
        var state = new AgentScript().Worked().Do(new AgentCommand.Offer(new CallId("lost"), 8)).Do(new AgentCommand.Accept(8)).State;
        var now = state.StatusSince + Later;
        CallAssignment? asked = null;

        var decision = AgentRecovery.Resume(state, call => { asked = call; return false; }, now, AgentPolicy.Default);

        Assert.That(asked, Is.EqualTo(new CallAssignment(new CallId("lost"), 8)));
        Assert.That(decision.State.Status, Is.EqualTo(AgentStatus.WrapUp));
        Assert.That(decision.State.CurrentCall, Is.Null);
        Assert.That(decision.State.WrapUpEndsAt, Is.EqualTo(now + AgentPolicy.Default.WrapUpDuration));
        Assert.That(decision.State.CallsHandledToday, Is.EqualTo(state.CallsHandledToday + 1));
        Assert.That(decision.State.LastCallEndedAt, Is.EqualTo(now));
    }

    [Test]
    public void An_agent_on_a_call_no_longer_connected_goes_where_it_wished_when_there_is_no_wrap_up()
    {
        var state = Agent("on a call, logging out after");
        var policy = AgentPolicy.Default with { WrapUpDuration = TimeSpan.Zero };

        var decision = AgentRecovery.Resume(state, _ => false, state.StatusSince + Later, policy);

        Assert.That(decision.State.Status, Is.EqualTo(AgentStatus.LoggedOut));
    }

    [Test]
    public void An_agent_still_connected_to_its_call_is_unchanged()
    {
        var state = Agent("on a call, logging out after");

        var decision = AgentRecovery.Resume(state, call => call == state.CurrentCall, state.StatusSince + Later, AgentPolicy.Default);

        Assert.That(decision.Outcome, Is.EqualTo(Outcome.Unchanged));
        Assert.That(decision.State, Is.SameAs(state));
        Assert.That(decision.Events, Is.Empty);
    }

    [TestCase("never logged in")]
    [TestCase("logged out after a call")]
    [TestCase("not ready for training")]
    [TestCase("available after a call")]
    [TestCase("wrapping up, coaching after")]
    [TestCase("not ready after a missed offer")]
    public void An_agent_neither_ringing_nor_on_a_call_is_unchanged(string name)
    {
        var state = Agent(name);

        var decision = AgentRecovery.Resume(state, _ => false, Start + TimeSpan.FromHours(2), AgentPolicy.Default);

        Assert.That(decision.Outcome, Is.EqualTo(Outcome.Unchanged));
        Assert.That(decision.State, Is.SameAs(state));
    }
}
