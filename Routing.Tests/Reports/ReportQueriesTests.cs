using CallCenter.Routing.Host.InteractionLog;
using CallCenter.Routing.Lifecycle;
using CallCenter.Routing.Model;
using Dapper;
using Npgsql;

namespace CallCenter.Routing.Tests.Reports;

/// <summary>
/// The report queries over a log written by the real writer with known calls, every figure checked
/// against a hand computation. The range is [09:00, 10:00): the call at 09:00 exactly is in,
/// the ones at 10:00 exactly and at 08:59:59 are out.
/// </summary>
[TestFixture]
public sealed class ReportQueriesTests
{
    private static readonly DateTimeOffset Nine = new(2025, 3, 3, 9, 0, 0, TimeSpan.Zero);
    private static readonly ReportRange Hour = new(Nine, Nine.AddHours(1));
    private static readonly TimeSpan Fifteen = TimeSpan.FromSeconds(15);

    /// <summary>
    /// The log's calls. Waits run from arrival to answer (or to the hang-up / refusal); for a
    /// completed callback, from arrival to the moment the agent reached the customer.
    /// </summary>
    private static readonly LoggedCall[] Calls =
    [
        new("b1", "billing", "Standard", "alice", 0, 10, CallOutcome.Answered, Talk: 100, WrapUp: 20, Disposition: "resolved", Score: 5, Complaint: false),
        new("b2", "billing", "VIP", "alice", 60, 15, CallOutcome.Answered, Talk: 200, WrapUp: 40, Disposition: "billing-error", Score: 2, Complaint: true),
        new("b3", "billing", "Standard", "bob", 120, 30, CallOutcome.Answered, Talk: 60), // wrap-up ended without a disposition
        new("b4", "billing", "Standard", null, 180, 5, CallOutcome.AbandonedWhileWaiting), // a short abandon
        new("b5", "billing", "Standard", "bob", 240, 40, CallOutcome.AbandonedWhileRinging),
        new("b6", "billing", "Standard", null, 300, null, null), // still waiting
        new("b7", "billing", "Standard", "alice", 3600, 1, CallOutcome.Answered, Talk: 10, WrapUp: 10, Disposition: "resolved", Score: 1, Complaint: true), // at `to`: out
        new("b8", "billing", "Standard", "alice", -1, 1, CallOutcome.Answered, Talk: 10, WrapUp: 10, Disposition: "resolved", Score: 1, Complaint: true), // before `from`: out
        new("s1", "sales", "VIP", "bob", 600, 0, CallOutcome.Answered, Talk: 300, WrapUp: 30, Disposition: "resolved", Score: 4, Complaint: false),
        new("s2", "sales", "Standard", null, 700, 2, CallOutcome.Refused),
        new("s3", "sales", "Standard", "alice", 800, 1800, CallOutcome.CallbackCompleted, Talk: 120, WrapUp: 30, Disposition: "callback", Score: 3, Complaint: true),
        new("cb-open", "sales", "Standard", null, -7200, null, null), // a callback still owed
    ];

    private NpgsqlDataSource database = null!;
    private InteractionReports reports = null!;

    [OneTimeSetUp]
    public async Task WriteTheLog()
    {
        database = await PostgresSetUp.FreshDatabaseAsync();
        await using var writer = new InteractionLogWriter();
        writer.Start(database);
        foreach (var call in Calls)
        {
            await writer.AppendAsync(call.ToRecord());
        }

        // Callbacks flagged late: two in the hour, one at its end (out), and an event of another kind.
        await writer.AppendAsync(LogMapping.FromCallEvent(new CallEvent.CallbackLate(new CallId("cb-open"), 5, Nine.AddSeconds(100), Nine, TimeSpan.FromSeconds(100))));
        await writer.AppendAsync(LogMapping.FromCallEvent(new CallEvent.CallbackDue(new CallId("s3"), 4, Nine.AddSeconds(900), Nine.AddSeconds(900))));
        await writer.AppendAsync(LogMapping.FromCallEvent(new CallEvent.CallbackLate(new CallId("s3"), 5, Nine.AddSeconds(1500), Nine.AddSeconds(900), TimeSpan.FromSeconds(600))));
        await writer.AppendAsync(LogMapping.FromCallEvent(new CallEvent.CallbackLate(new CallId("late-out"), 5, Nine.AddHours(1), Nine.AddMinutes(30), TimeSpan.FromMinutes(30))));
        await writer.StopAsync();
        reports = new InteractionReports(database);
    }

    [OneTimeTearDown]
    public async Task DropDataSource() => await database.DisposeAsync();

    [TestCase(ReportGrouping.Queue, "billing", 6, 3, 2, 2, 1, 0, 0, 1)]
    [TestCase(ReportGrouping.Queue, "sales", 3, 1, 1, 0, 0, 1, 1, 0)]
    [TestCase(ReportGrouping.Tier, "Standard", 7, 2, 1, 2, 1, 1, 1, 1)]
    [TestCase(ReportGrouping.Tier, "VIP", 2, 2, 2, 0, 0, 0, 0, 0)]
    [TestCase(ReportGrouping.Agent, "alice", 3, 2, 2, 0, 0, 1, 0, 0)]
    [TestCase(ReportGrouping.Agent, "bob", 3, 2, 1, 1, 0, 0, 0, 0)]
    [TestCase(ReportGrouping.Agent, null, 3, 0, 0, 1, 1, 0, 1, 1)]
    [TestCase(null, null, 9, 4, 3, 2, 1, 1, 1, 1)]
    public async Task Counts_per_group_at_a_15_second_threshold(
        ReportGrouping? grouping, string? key, long offered, long answered, long answeredWithin, long abandoned,
        long abandonedWithin, long callbacks, long refused, long inProgress)
    {
        var figures = await Figures(grouping, key, Fifteen);

        Assert.That(
            (figures.Offered, figures.Answered, figures.AnsweredWithinThreshold, figures.Abandoned, figures.AbandonedWithinThreshold,
                figures.CallbacksCompleted, figures.Refused, figures.InProgress),
            Is.EqualTo((offered, answered, answeredWithin, abandoned, abandonedWithin, callbacks, refused, inProgress)));
    }

    /// <summary>Service level = answered within / (answered + abandoned − abandoned within); null when nothing counts.</summary>
    [TestCase(ReportGrouping.Queue, "billing", 3 / 6.0, 2 / 4.0)]
    [TestCase(ReportGrouping.Queue, "sales", 1 / 3.0, 1.0)]
    [TestCase(ReportGrouping.Tier, "Standard", 2 / 7.0, 1 / 3.0)]
    [TestCase(ReportGrouping.Tier, "VIP", 1.0, 1.0)]
    [TestCase(ReportGrouping.Agent, "alice", 2 / 3.0, 1.0)]
    [TestCase(ReportGrouping.Agent, "bob", 2 / 3.0, 1 / 3.0)]
    [TestCase(ReportGrouping.Agent, null, 0.0, null)]
    [TestCase(null, null, 4 / 9.0, 3 / 5.0)]
    public async Task Answer_rate_and_service_level_per_group(ReportGrouping? grouping, string? key, double answerRate, double? serviceLevel)
    {
        var figures = await Figures(grouping, key, Fifteen);

        Assert.That(figures.AnswerRate, Is.EqualTo(answerRate).Within(1e-9));
        Assert.That(figures.ServiceLevel, serviceLevel is null ? Is.Null : Is.EqualTo(serviceLevel.Value).Within(1e-9));
    }

    /// <summary>Seconds; -1 for a figure with nothing to average. AHT = average talk + average recorded wrap-up.</summary>
    [TestCase(ReportGrouping.Queue, "billing", 55 / 3.0, 120, 30, 150, 40)]
    [TestCase(ReportGrouping.Queue, "sales", 0, 300, 30, 330, 0)]
    [TestCase(ReportGrouping.Tier, "Standard", 20, 80, 20, 100, 40)]
    [TestCase(ReportGrouping.Tier, "VIP", 7.5, 250, 35, 285, 15)]
    [TestCase(ReportGrouping.Agent, "alice", 12.5, 150, 30, 180, 15)]
    [TestCase(ReportGrouping.Agent, "bob", 15, 180, 30, 210, 40)]
    [TestCase(ReportGrouping.Agent, null, -1, -1, -1, -1, 5)]
    [TestCase(null, null, 13.75, 165, 30, 195, 40)]
    public async Task Times_per_group(
        ReportGrouping? grouping, string? key, double speedOfAnswer, double talk, double wrapUp, double handle, double longestWait)
    {
        var figures = await Figures(grouping, key, Fifteen);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(Seconds(figures.AverageSpeedOfAnswer), Is.EqualTo(speedOfAnswer).Within(1e-6), "average speed of answer");
            Assert.That(Seconds(figures.AverageTalkTime), Is.EqualTo(talk).Within(1e-6), "average talk");
            Assert.That(Seconds(figures.AverageWrapUpTime), Is.EqualTo(wrapUp).Within(1e-6), "average wrap-up");
            Assert.That(Seconds(figures.AverageHandleTime), Is.EqualTo(handle).Within(1e-6), "average handle time");
            Assert.That(Seconds(figures.LongestWait), Is.EqualTo(longestWait).Within(1e-6), "longest wait");
        }
    }

    /// <summary>Billing's waits: answered 10, 15, 30 s; abandoned 5 and 40 s. A wait equal to the threshold is within it.</summary>
    [TestCase(0, 0, 0, 0.0)]
    [TestCase(5, 0, 1, 0.0)]
    [TestCase(10, 1, 1, 1 / 4.0)]
    [TestCase(14.999, 1, 1, 1 / 4.0)]
    [TestCase(15, 2, 1, 2 / 4.0)]
    [TestCase(30, 3, 1, 3 / 4.0)]
    [TestCase(40, 3, 2, 1.0)]
    public async Task Service_level_follows_the_threshold(double thresholdSeconds, long answeredWithin, long abandonedWithin, double serviceLevel)
    {
        var figures = await Figures(ReportGrouping.Queue, "billing", TimeSpan.FromSeconds(thresholdSeconds));

        Assert.That((figures.AnsweredWithinThreshold, figures.AbandonedWithinThreshold), Is.EqualTo((answeredWithin, abandonedWithin)));
        Assert.That(figures.ServiceLevel, Is.EqualTo(serviceLevel).Within(1e-9));
    }

    [Test]
    public async Task Groups_come_ordered_by_key_with_calls_that_reached_no_agent_last()
    {
        var (queues, _) = await reports.TrafficAsync(Hour, ReportGrouping.Queue, Fifteen);
        var (agents, _) = await reports.TrafficAsync(Hour, ReportGrouping.Agent, Fifteen);

        Assert.That(queues.Select(g => g.Key), Is.EqualTo(new[] { "billing", "sales" }));
        Assert.That(agents.Select(g => g.Key), Is.EqualTo(new[] { "alice", "bob", null }));
    }

    /// <summary>The range is half-open: [from, to).</summary>
    [TestCase(3600, 7200, "b7")]
    [TestCase(-1, 0, "b8")]
    [TestCase(-1, 1, "b8", "b1")]
    [TestCase(0, 60, "b1")]
    public async Task A_call_arriving_at_from_is_in_the_range_and_one_arriving_at_to_is_not(int fromSeconds, int toSeconds, params string[] expectedCalls)
    {
        var range = new ReportRange(Nine.AddSeconds(fromSeconds), Nine.AddSeconds(toSeconds));
        var (_, total) = await reports.TrafficAsync(range, ReportGrouping.Queue, Fifteen);

        Assert.That(total.Offered, Is.EqualTo(expectedCalls.Length));
        var (byAgent, _) = await reports.TrafficAsync(range, ReportGrouping.Agent, Fifteen);
        Assert.That(byAgent.Single().Key, Is.EqualTo("alice"), "each of these calls was alice's");
    }

    [Test]
    public async Task An_empty_range_has_no_groups_and_totals_of_zero_with_nothing_averaged()
    {
        var empty = new ReportRange(Nine.AddDays(-1), Nine.AddDays(-1).AddHours(1));

        var (groups, total) = await reports.TrafficAsync(empty, ReportGrouping.Tier, Fifteen);

        Assert.That(groups, Is.Empty);
        Assert.That(total, Is.EqualTo(new TrafficFigures(null, 0, 0, 0, 0, 0, 0, 0, 0, null, null, null, null)));
        Assert.That((total.AnswerRate, total.ServiceLevel, total.AverageHandleTime), Is.EqualTo(((double?)null, (double?)null, (TimeSpan?)null)));
        Assert.That(await reports.AgentScorecardsAsync(empty), Is.Empty);
        Assert.That(await reports.DispositionHotSpotsAsync(empty), Is.Empty);
        Assert.That(await reports.LateCallbacksAsync(empty), Is.Empty);
    }

    /// <summary>Calls handled are answered calls and completed callbacks; bob's caller who hung up while ringing is not his.</summary>
    [Test]
    public async Task Agent_scorecards_set_volume_beside_satisfaction_and_complaints()
    {
        var cards = await reports.AgentScorecardsAsync(Hour);

        Assert.That(cards.Select(c => c.Agent), Is.EqualTo(new[] { "alice", "bob" }));
        var (alice, bob) = (cards[0], cards[1]);
        using (Assert.EnterMultipleScope())
        {
            Assert.That((alice.CallsHandled, alice.Scores, alice.Complaints), Is.EqualTo((3L, 3L, 2L)));
            Assert.That(Seconds(alice.AverageTalkTime), Is.EqualTo(140).Within(1e-6));
            Assert.That(Seconds(alice.AverageWrapUpTime), Is.EqualTo(30).Within(1e-6));
            Assert.That(alice.AverageSatisfaction, Is.EqualTo(10 / 3.0).Within(1e-9));
            Assert.That(alice.ComplaintRate, Is.EqualTo(2 / 3.0).Within(1e-9));

            Assert.That((bob.CallsHandled, bob.Scores, bob.Complaints), Is.EqualTo((2L, 1L, 0L)));
            Assert.That(Seconds(bob.AverageTalkTime), Is.EqualTo(180).Within(1e-6));
            Assert.That(Seconds(bob.AverageWrapUpTime), Is.EqualTo(30).Within(1e-6), "only s1's wrap-up end was recorded");
            Assert.That(bob.AverageSatisfaction, Is.EqualTo(4.0).Within(1e-9));
            Assert.That(bob.ComplaintRate, Is.EqualTo(0.0));
        }
    }

    [Test]
    public async Task Disposition_hot_spots_come_most_frequent_first_with_complaints_and_queues()
    {
        var spots = await reports.DispositionHotSpotsAsync(Hour);

        Assert.That(spots.Select(s => (s.Disposition, s.Calls, s.Complaints)), Is.EqualTo(new[]
        {
            ("resolved", 2L, 0L), ("billing-error", 1L, 1L), ("callback", 1L, 1L),
        }));
        Assert.That(spots.Select(s => s.AverageSatisfaction), Is.EqualTo(new double?[] { 4.5, 2, 3 }));
        Assert.That(spots.Select(s => s.ComplaintRate), Is.EqualTo(new double?[] { 0, 1, 1 }));
        Assert.That(spots[0].Queues, Is.EqualTo(new[] { new DispositionInQueue("billing", 1, 0), new DispositionInQueue("sales", 1, 0) }));
        Assert.That(spots[1].Queues, Is.EqualTo(new[] { new DispositionInQueue("billing", 1, 1) }));
        Assert.That(spots[2].Queues, Is.EqualTo(new[] { new DispositionInQueue("sales", 1, 1) }));
    }

    [Test]
    public async Task Late_callbacks_flagged_in_the_range_say_how_late_they_were()
    {
        var late = await reports.LateCallbacksAsync(Hour);

        Assert.That(late, Is.EqualTo(new[]
        {
            new LateCallback("cb-open", "sales", null, "+15550100", Nine, Nine.AddSeconds(100), TimeSpan.FromSeconds(100), null, null, null),
            new LateCallback("s3", "sales", null, "+15550100", Nine.AddSeconds(900), Nine.AddSeconds(1500), TimeSpan.FromSeconds(600),
                Nine.AddSeconds(2600), TimeSpan.FromSeconds(1700), "CallbackCompleted"),
        }));
    }

    /// <summary>What docs/reports.md shows a person running with psql gives the same figures as the server.</summary>
    [Test]
    public async Task The_views_answer_a_hand_written_service_level_query()
    {
        await using var connection = await database.OpenConnectionAsync();
        var rows = (await connection.QueryAsync<(string Queue, long Offered, double? ServiceLevel)>(
            """
            SELECT queue_id,
                   count(*) AS offered,
                   (count(*) FILTER (WHERE answered AND wait_seconds <= 15))::double precision
                     / NULLIF(count(*) FILTER (WHERE answered OR (abandoned AND wait_seconds > 15)), 0) AS service_level
            FROM report_interactions
            WHERE arrived_at >= '2025-03-03 09:00+00' AND arrived_at < '2025-03-03 10:00+00'
            GROUP BY queue_id ORDER BY queue_id
            """)).ToList();

        Assert.That(rows, Is.EqualTo(new[] { ("billing", 6L, (double?)0.5), ("sales", 3L, (double?)1.0) }));
    }

    private async Task<TrafficFigures> Figures(ReportGrouping? grouping, string? key, TimeSpan threshold)
    {
        var (groups, total) = await reports.TrafficAsync(Hour, grouping ?? ReportGrouping.Queue, threshold);
        return grouping is null ? total : groups.Single(g => g.Key == key);
    }

    private static double Seconds(TimeSpan? span) => span?.TotalSeconds ?? -1;

    /// <summary>
    /// A call as the log ends up holding it, <paramref name="ArrivedAfter"/> seconds after nine.
    /// <paramref name="Wait"/> is null for a call with no outcome yet.
    /// </summary>
    private sealed record LoggedCall(
        string Call, string Queue, string Tier, string? Agent, int ArrivedAfter, int? Wait, CallOutcome? Outcome,
        int? Talk = null, int? WrapUp = null, string? Disposition = null, short? Score = null, bool? Complaint = null)
    {
        public LogRecord.Interaction ToRecord()
        {
            var arrived = Nine.AddSeconds(ArrivedAfter);
            var reached = Outcome is CallOutcome.Answered or CallOutcome.CallbackCompleted;
            DateTimeOffset? answered = reached ? arrived.AddSeconds(Wait!.Value) : null;
            DateTimeOffset? ended = Outcome is null ? null : answered?.AddSeconds(Talk!.Value) ?? arrived.AddSeconds(Wait!.Value);
            return new LogRecord.Interaction(new CallId(Call), 1)
            {
                Gateway = "gw-1",
                Caller = "+15550100",
                Tier = new TierId(Tier),
                Queue = new QueueId(Queue),
                ArrivedAt = arrived,
                QueuedAt = arrived,
                AnsweredAt = answered,
                EndedAt = ended,
                WrapUpEndedAt = WrapUp is { } wrapUp ? ended!.Value.AddSeconds(wrapUp) : null,
                Outcome = Outcome,
                Agent = Agent is null ? null : new AgentId(Agent),
                DispositionCode = Disposition,
                SatisfactionScore = Score,
                Complaint = Complaint,
            };
        }
    }
}
