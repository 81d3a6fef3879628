using CallCenter.Routing.Agents.AgentActors;
using CallCenter.Routing.Host.InteractionLog;
using CallCenter.Routing.Lifecycle;
using CallCenter.Routing.Matching;
using CallCenter.Routing.Model;
using static CallCenter.Routing.Tests.Core.Lifecycle.RecoveryFixtures;

namespace CallCenter.Routing.Tests.InteractionLog;

/// <summary>
/// The journal reads back what it wrote: a call event through its call_events row
/// (<see cref="LogMapping.FromCallEvent"/> then <see cref="LogMapping.ToCallEvent"/>) is the same
/// event, so a call replayed from its rows is the same call; an agent's checkpoint through its JSON
/// is the same checkpoint. No database: the rows are compared as the mapping makes them, with times
/// in whole microseconds, as PostgreSQL keeps them.
/// </summary>
[TestFixture]
public sealed class JournalRoundTripTests
{
    private static readonly CallId TheCall = new("call-7");
    private static readonly DateTimeOffset At = Start + TimeSpan.FromTicks(1_234_567_890);

    private static CallEvent ThroughItsRow(CallEvent e)
    {
        var row = LogMapping.FromCallEvent(e).OfType<LogRecord.CallEventEntry>().Single();
        Assert.That(row.At.UtcTicks % 10, Is.Zero, "the test's times are whole microseconds");
        return LogMapping.ToCallEvent(row);
    }

    internal static IEnumerable<TestCaseData> EveryKind()
    {
        TestCaseData Case(string name, CallEvent e) => new TestCaseData(e).SetName($"A row gives back the event: {name}");
        var offer = new AgentAssignment(new AgentId("alice"), 42);
        var since = At - TimeSpan.FromTicks(65_432_100);
        SkillRequirement[] extras = [new(new SkillId("french"), 3), new(new SkillId("english"), 7)];

        yield return Case("Arrived with extra skills, a preferred agent and an earlier arrival",
            new CallEvent.Arrived(TheCall, 1, At, Sales, Gold, true, Alice, Array.AsReadOnly(extras), since));
        yield return Case("Arrived plain", new CallEvent.Arrived(TheCall, 1, At, Sales, Gold, false, null, Array.AsReadOnly(Array.Empty<SkillRequirement>()), At));
        yield return Case("Queued with an estimated wait", new CallEvent.Queued(TheCall, 2, At, Sales, 4, TimeSpan.FromTicks(455_000_010)));
        yield return Case("Queued without an estimated wait", new CallEvent.Queued(TheCall, 2, At, Sales, 1, null));
        yield return Case("Overflowed without a reason (an older row)", new CallEvent.Overflowed(TheCall, 3, At, Sales, Support));
        foreach (var reason in Enum.GetValues<QueueExitReason>())
        {
            yield return Case($"Overflowed {reason}", new CallEvent.Overflowed(TheCall, 3, At, Sales, Support, reason));
        }

        yield return Case("Refused with a callback offered", new CallEvent.Refused(TheCall, 3, At, Sales, QueueRefusalReasons.Closed, true));
        yield return Case("Refused outright", new CallEvent.Refused(TheCall, 3, At, Sales, "Full \"at noon\" é", false));
        yield return Case("Offered", new CallEvent.Offered(TheCall, 4, At, offer));
        foreach (var reason in Enum.GetValues<OfferReturnReason>())
        {
            yield return Case($"OfferReturned {reason}", new CallEvent.OfferReturned(TheCall, 5, At, offer, reason));
            yield return Case($"TransferTargetReturned {reason}", new CallEvent.TransferTargetReturned(TheCall, 5, At, offer, reason));
        }

        yield return Case("Connected", new CallEvent.Connected(TheCall, 6, At, offer));
        foreach (var outcome in Enum.GetValues<CallOutcome>())
        {
            yield return Case($"Ended {outcome}", new CallEvent.Ended(TheCall, 7, At, outcome, Bob, TimeSpan.FromTicks(370_370_340)));
        }

        yield return Case("Ended with no agent", new CallEvent.Ended(TheCall, 7, At, CallOutcome.AbandonedWhileWaiting, null, null));
        yield return Case("Ended after a tenth of a second's talk", new CallEvent.Ended(TheCall, 7, At, CallOutcome.Answered, Bob, TimeSpan.FromMilliseconds(100)));
        yield return Case("Ended after a microsecond's talk", new CallEvent.Ended(TheCall, 7, At, CallOutcome.Answered, Bob, TimeSpan.FromTicks(10)));
        yield return Case("CallbackRequested", new CallEvent.CallbackRequested(TheCall, 8, At));
        yield return Case("CallbackScheduled", new CallEvent.CallbackScheduled(TheCall, 8, At, At + TimeSpan.FromTicks(36_000_000_010)));
        yield return Case("CallbackDue", new CallEvent.CallbackDue(TheCall, 9, At, since));
        yield return Case("CallbackLate", new CallEvent.CallbackLate(TheCall, 10, At, since, At - since));
        yield return Case("TransferStarted blind to a queue", new CallEvent.TransferStarted(TheCall, 11, At,
            new CallTransfer(TransferKind.Blind, TransferTarget.ToQueue(Billing), Alice, Sales, At)));
        yield return Case("TransferStarted consultative to an agent", new CallEvent.TransferStarted(TheCall, 11, At,
            new CallTransfer(TransferKind.Consultative, TransferTarget.ToAgent(Carol), Alice, Sales, At)));
        yield return Case("TransferStarted blind to an agent", new CallEvent.TransferStarted(TheCall, 11, At,
            new CallTransfer(TransferKind.Blind, TransferTarget.ToAgent(Carol), Alice, Support, At)));
        yield return Case("TransferStarted consultative to a queue", new CallEvent.TransferStarted(TheCall, 11, At,
            new CallTransfer(TransferKind.Consultative, TransferTarget.ToQueue(Billing), Alice, Support, At)));
        yield return Case("TransferTargetOffered", new CallEvent.TransferTargetOffered(TheCall, 12, At, offer));
        yield return Case("TransferCompleted", new CallEvent.TransferCompleted(TheCall, 13, At, Alice, Carol));
        yield return Case("TransferFailed with a requeue", new CallEvent.TransferFailed(TheCall, 14, At, "queue 'billing' refused the call: full", Sales));
        yield return Case("TransferFailed without a requeue", new CallEvent.TransferFailed(TheCall, 14, At, "no one answered in time", null));
        yield return Case("PositionAnnounced with an estimated wait", new CallEvent.PositionAnnounced(TheCall, 15, At, 3, TimeSpan.FromTicks(123_456_780), Sales));
        yield return Case("PositionAnnounced without an estimated wait", new CallEvent.PositionAnnounced(TheCall, 15, At, 1, null, Sales));
        yield return Case("PositionAnnounced without its queue (an older row)", new CallEvent.PositionAnnounced(TheCall, 15, At, 1, null));
        yield return Case("LongWaitCrossed", new CallEvent.LongWaitCrossed(TheCall, 16, At, TimeSpan.FromSeconds(90)));
        yield return Case("Promoted", new CallEvent.Promoted(TheCall, 17, At));
        yield return Case("HeldForAgent, the preferred one", new CallEvent.HeldForAgent(TheCall, 18, At, Alice, false));
        yield return Case("HeldForAgent, a backup", new CallEvent.HeldForAgent(TheCall, 18, At, Bob, true));
        yield return Case("OverflowRefused", new CallEvent.OverflowRefused(TheCall, 20, At, Sales, Support, QueueExitReason.Full));
        yield return Case("PreferenceExpired", new CallEvent.PreferenceExpired(TheCall, 19, At, Alice));
    }

    [TestCaseSource(nameof(EveryKind))]
    public void A_call_event_read_back_from_its_row_is_the_same_event(CallEvent e) =>
        AssertSameEvent(ThroughItsRow(e), e);

    [Test]
    public void Durations_in_whole_microseconds_come_back_to_the_tick_though_rows_keep_them_as_seconds()
    {
        var random = new Random(20260302);
        for (var i = 0; i < 5000; i++)
        {
            // Up to ten hours, in whole microseconds: talk times, estimated waits, lateness.
            var span = TimeSpan.FromTicks(random.NextInt64(0, 360_000_000_000) / 10 * 10);
            AssertSameEvent(ThroughItsRow(new CallEvent.Ended(TheCall, 7, At, CallOutcome.Answered, Bob, span)),
                new CallEvent.Ended(TheCall, 7, At, CallOutcome.Answered, Bob, span));
            AssertSameEvent(ThroughItsRow(new CallEvent.Queued(TheCall, 2, At, Sales, 3, span)), new CallEvent.Queued(TheCall, 2, At, Sales, 3, span));
            AssertSameEvent(ThroughItsRow(new CallEvent.CallbackLate(TheCall, 9, At, At - span, span)), new CallEvent.CallbackLate(TheCall, 9, At, At - span, span));
        }
    }

    [TestCase("Closed", QueueRefusalReasons.Closed)]
    [TestCase("Full", QueueRefusalReasons.Full)]
    [TestCase("MaximumWait", QueueRefusalReasons.MaximumWait)]
    public void A_refusal_an_older_journal_named_by_its_enum_reads_back_in_the_words_used_now(string journalled, string now)
    {
        var row = new LogRecord.CallEventEntry(TheCall, 3, At, nameof(CallEvent.Refused), Sales, null, null,
            $$"""{"reason":"{{journalled}}","callbackOffered":false}""");

        var refused = (CallEvent.Refused)LogMapping.ToCallEvent(row);

        Assert.That(refused.Reason, Is.EqualTo(now));
    }

    [Test]
    public void Every_kind_of_call_event_is_among_the_cases()
    {
        var kinds = typeof(CallEvent).GetNestedTypes().Where(t => t.IsSubclassOf(typeof(CallEvent))).Select(t => t.Name);
        var covered = EveryKind().Select(c => c.Arguments[0]!.GetType().Name).Distinct();
        Assert.That(covered, Is.EquivalentTo(kinds));
    }

    private static IEnumerable<TestCaseData> ScriptedHistories() =>
        Histories().Select(h => new TestCaseData(h.Name).SetName($"A call replayed from its rows is the same call: {h.Name}"));

    [TestCaseSource(nameof(ScriptedHistories))]
    public void A_call_replayed_from_its_rows_is_the_call_that_wrote_them(string name)
    {
        var history = Histories().Single(h => h.Name == name).Script;
        var read = history.Events.Select(ThroughItsRow).ToList();
        for (var i = 0; i < read.Count; i++)
        {
            AssertSameEvent(read[i], history.Events[i]);
        }

        var replayed = CallLifecycle.Replay(CallState.New(history.State.Id), read);
        AssertSameCall(replayed, history.State, "replayed from the rows");

        // Each step of the way, not only the end: a crash can come after any event.
        var original = CallState.New(history.State.Id);
        var fromRows = original;
        for (var i = 0; i < read.Count; i++)
        {
            original = CallLifecycle.Apply(original, history.Events[i]);
            fromRows = CallLifecycle.Apply(fromRows, read[i]);
            AssertSameCall(fromRows, original, $"after event {i + 1} ({history.Events[i].GetType().Name})");
        }
    }

    [Test]
    public void The_scripted_histories_emit_every_kind_of_event_every_return_reason_and_several_ends()
    {
        var events = Histories().SelectMany(h => h.Script.Events).ToList();
        var kinds = typeof(CallEvent).GetNestedTypes().Where(t => t.IsSubclassOf(typeof(CallEvent))).Select(t => t.Name);
        Assert.That(events.Select(e => e.GetType().Name).Distinct(), Is.EquivalentTo(kinds));
        var returned = events.OfType<CallEvent.OfferReturned>().Select(e => e.Reason)
            .Concat(events.OfType<CallEvent.TransferTargetReturned>().Select(e => e.Reason));
        Assert.That(returned.Distinct(), Is.EquivalentTo(Enum.GetValues<OfferReturnReason>()));
        Assert.That(events.OfType<CallEvent.Ended>().Select(e => e.Outcome).Distinct().Count(), Is.GreaterThanOrEqualTo(6));
        Assert.That(events.OfType<CallEvent.TransferFailed>().Select(e => e.RequeuedIn is null).Distinct().Count(), Is.EqualTo(2));
    }

    private static IEnumerable<TestCaseData> Checkpoints() =>
        AgentsInEveryStatus().Select(a => new TestCaseData(a.State).SetName($"An agent's checkpoint reads back from its JSON: {a.Name}"));

    [TestCaseSource(nameof(Checkpoints))]
    public void An_agent_checkpoint_read_back_from_its_json_is_the_same_checkpoint(AgentState state)
    {
        var checkpoint = new AgentProtocol.Checkpoint(
            AgentRecovery.Snapshot(state), 17, new AgentId("backup-bob"), new CallId("last-one"), Support, true,
            Start + TimeSpan.FromTicks(10));

        var read = AgentJournal.FromJson(AgentJournal.ToJson(checkpoint));

        AssertSameAgent(read.State, checkpoint.State, "the snapshot");
        Assert.That(read with { State = checkpoint.State }, Is.EqualTo(checkpoint));
        AssertSameAgent(AgentRecovery.Restore(read.State), state, "the agent restored from the JSON");
    }

    [Test]
    public void A_checkpoint_with_nothing_optional_reads_back_the_same()
    {
        var checkpoint = new AgentProtocol.Checkpoint(AgentRecovery.Snapshot(AgentState.LoggedOut(Alice)), 1, null, null, null, false, null);

        var read = AgentJournal.FromJson(AgentJournal.ToJson(checkpoint));

        AssertSameAgent(read.State, checkpoint.State);
        Assert.That(read with { State = checkpoint.State }, Is.EqualTo(checkpoint));
    }

    [Test]
    public void A_checkpoint_keeps_its_statuses_by_name()
    {
        var json = AgentJournal.ToJson(new AgentProtocol.Checkpoint(
            AgentRecovery.Snapshot(AgentsInEveryStatus().Single(a => a.Name.StartsWith("wrapping", StringComparison.Ordinal)).State),
            3, null, null, null, false, null));

        Assert.That(json, Does.Contain("\"WrapUp\"").And.Contain("\"NotReady\""));
    }
}
