using CallCenter.Routing.Configuration;
using CallCenter.Routing.Host.InteractionLog;
using CallCenter.Routing.Lifecycle;
using CallCenter.Routing.Matching;
using CallCenter.Routing.Model;
using Dapper;
using Npgsql;

namespace CallCenter.Routing.Tests.InteractionLog;

/// <summary>
/// The writer against a real PostgreSQL: what a call's events become in the log, replays that
/// leave one row, appends that complete only once committed, and a full buffer that makes
/// appends wait instead of dropping them.
/// </summary>
[TestFixture]
public sealed class InteractionLogWriterTests : WriterOnFreshDatabase
{
    private static readonly QueueId Billing = new("billing");
    private static readonly QueueId General = new("general");
    private static readonly AgentId Ann = new("ann");


    /// <summary>A call that arrives, waits, is offered to Ann, answered after 20 s, talked 3 minutes.</summary>
    private static IReadOnlyList<CallEvent> AnsweredCall(CallId call) =>
    [
        new CallEvent.Arrived(call, 1, Nine, Billing, new TierId("VIP"), false, null,
            [new SkillRequirement(new SkillId("english"), 3)], Nine),
        new CallEvent.Queued(call, 2, Nine, Billing, 1, TimeSpan.FromSeconds(30)),
        new CallEvent.Offered(call, 3, Nine.AddSeconds(15), new AgentAssignment(Ann, 7)),
        new CallEvent.Connected(call, 4, Nine.AddSeconds(20), new AgentAssignment(Ann, 7)),
        new CallEvent.Ended(call, 5, Nine.AddSeconds(200), CallOutcome.Answered, Ann, TimeSpan.FromSeconds(180)),
    ];

    private static CallId NewCall() => new("call-" + Guid.NewGuid().ToString("N")[..12]);

    private async Task<T> QueryOneAsync<T>(string sql, object? parameters = null)
    {
        await using var connection = await database.OpenConnectionAsync();
        return await connection.QuerySingleAsync<T>(sql, parameters);
    }

    /// <summary>An interaction's row as read back; each property is its column in snake case.</summary>
    private sealed class InteractionRow
    {
        public string CallId { get; init; } = "";
        public long LastSequence { get; init; }
        public string? Tier { get; init; }
        public string? QueueId { get; init; }
        public string[]? RequiredSkills { get; init; }
        public DateTime? ArrivedAt { get; init; }
        public DateTime? QueuedAt { get; init; }
        public DateTime? FirstOfferedAt { get; init; }
        public DateTime? AnsweredAt { get; init; }
        public DateTime? EndedAt { get; init; }
        public TimeSpan? WaitTime { get; init; }
        public TimeSpan? TalkTime { get; init; }
        public TimeSpan? WrapUpTime { get; init; }
        public string? Outcome { get; init; }
        public string? AgentId { get; init; }
        public string? DispositionCode { get; init; }
        public string? Notes { get; init; }
        public short? SatisfactionScore { get; init; }
        public bool? Complaint { get; init; }
        public string? GatewayId { get; init; }
        public string? Caller { get; init; }
        public string? CustomerId { get; init; }
        public string? LinkedCallId { get; init; }
        public string? LinkKind { get; init; }
    }

    private static readonly string InteractionColumns = string.Join(", ", typeof(InteractionRow).GetProperties()
        .Select(p => $"{System.Text.RegularExpressions.Regex.Replace(p.Name, "(?<=.)([A-Z])", "_$1").ToLowerInvariant()} AS \"{p.Name}\""));

    private Task<InteractionRow> InteractionAsync(CallId call) =>
        QueryOneAsync<InteractionRow>($"SELECT {InteractionColumns} FROM interactions WHERE call_id = @id", new { id = call.Value });

    [Test]
    public async Task A_calls_events_fill_its_interaction_row_with_times_durations_and_outcome()
    {
        var call = NewCall();

        await writer.AppendAsync(AnsweredCall(call).SelectMany(LogMapping.FromCallEvent).ToList());

        var row = await InteractionAsync(call);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(row.Tier, Is.EqualTo("VIP"));
            Assert.That(row.QueueId, Is.EqualTo("billing"));
            Assert.That(row.RequiredSkills, Is.EqualTo(new[] { "english:3" }));
            Assert.That(row.ArrivedAt, Is.EqualTo(Nine.UtcDateTime));
            Assert.That(row.FirstOfferedAt, Is.EqualTo(Nine.AddSeconds(15).UtcDateTime));
            Assert.That(row.WaitTime, Is.EqualTo(TimeSpan.FromSeconds(20)));
            Assert.That(row.TalkTime, Is.EqualTo(TimeSpan.FromSeconds(180)));
            Assert.That(row.WrapUpTime, Is.Null);
            Assert.That(row.Outcome, Is.EqualTo("Answered"));
            Assert.That(row.AgentId, Is.EqualTo("ann"));
            Assert.That(row.LastSequence, Is.EqualTo(5));
            Assert.That(await QueryOneAsync<long>("SELECT count(*) FROM call_events WHERE call_id = @id", new { id = call.Value }),
                Is.EqualTo(5));
            Assert.That(await QueryOneAsync<string>(
                    "SELECT detail->>'position' FROM call_events WHERE call_id = @id AND kind = 'Queued'", new { id = call.Value }),
                Is.EqualTo("1"));
        }
    }

    [Test]
    public async Task Pieces_from_the_edge_and_from_after_the_call_join_the_same_row()
    {
        var call = NewCall();
        await writer.AppendAsync(AnsweredCall(call).SelectMany(LogMapping.FromCallEvent).ToList());

        await writer.AppendAsync(new LogRecord.Interaction(call, 0) { Gateway = "gw-1", Caller = "+8613800000000", Customer = "c-42" });
        await writer.AppendAsync(new LogRecord.Interaction(call, 0)
        {
            WrapUpEndedAt = Nine.AddSeconds(230), DispositionCode = "billing-question", Notes = "explained the invoice",
        });
        await writer.AppendAsync(new LogRecord.Interaction(call, 0)
        {
            SatisfactionScore = 5, Complaint = false, LinkedCall = new CallId("cb-1"), LinkKind = "callback",
        });

        var row = await InteractionAsync(call);
        using (Assert.EnterMultipleScope())
        {
            Assert.That((row.GatewayId, row.Caller, row.CustomerId), Is.EqualTo(("gw-1", "+8613800000000", "c-42")));
            Assert.That((row.DispositionCode, row.Notes), Is.EqualTo(("billing-question", "explained the invoice")));
            Assert.That(row.WrapUpTime, Is.EqualTo(TimeSpan.FromSeconds(30)));
            Assert.That((row.SatisfactionScore, row.Complaint), Is.EqualTo(((short?)5, (bool?)false)));
            Assert.That((row.LinkedCallId, row.LinkKind), Is.EqualTo(("cb-1", "callback")));
            Assert.That((row.Outcome, row.AgentId, row.LastSequence), Is.EqualTo(("Answered", "ann", 5L)));
        }
    }

    [Test]
    public async Task Replayed_records_leave_one_row_each_whether_in_one_batch_or_later()
    {
        var call = NewCall();
        var records = AnsweredCall(call).SelectMany(LogMapping.FromCallEvent).ToList();
        var decision = LogMapping.FromOffer(
            new CallOffered(call, Nine.AddSeconds(15), Ann, Billing, 7, MatchRule.AgentSelection, 0, TimeSpan.FromSeconds(15)), 3);
        var stateChange = LogMapping.FromAgentEvent(
            new AgentEvent.StatusChanged(Ann, Nine.AddSeconds(15), AgentStatus.Available, AgentStatus.Reserved, StatusChangeReasons.Offered),
            sequence: 12, call);
        LogRecord[] everything = [.. records, decision, stateChange];

        await writer.AppendAsync([.. everything, .. everything]);
        await writer.AppendAsync(everything);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(await QueryOneAsync<long>("SELECT count(*) FROM interactions WHERE call_id = @id", new { id = call.Value }), Is.EqualTo(1));
            Assert.That(await QueryOneAsync<long>("SELECT count(*) FROM call_events WHERE call_id = @id", new { id = call.Value }), Is.EqualTo(5));
            Assert.That(await QueryOneAsync<long>("SELECT count(*) FROM routing_decisions WHERE call_id = @id", new { id = call.Value }), Is.EqualTo(1));
            Assert.That(await QueryOneAsync<long>("SELECT count(*) FROM agent_state_changes WHERE call_id = @id", new { id = call.Value }), Is.EqualTo(1));
            Assert.That((await InteractionAsync(call)).Outcome, Is.EqualTo("Answered"));
        }
    }

    [Test]
    public async Task An_old_piece_replayed_late_does_not_undo_a_newer_one()
    {
        var call = NewCall();
        var arrived = LogMapping.FromCallEvent(AnsweredCall(call)[0]);
        var overflowed = LogMapping.FromCallEvent(new CallEvent.Overflowed(call, 2, Nine.AddSeconds(60), Billing, General));

        await writer.AppendAsync([.. arrived, .. overflowed]);
        await writer.AppendAsync(arrived);

        var row = await InteractionAsync(call);
        Assert.That((row.QueueId, row.LastSequence, row.ArrivedAt), Is.EqualTo(("general", 2L, (DateTime?)Nine.UtcDateTime)));
    }

    [Test]
    public async Task A_routing_decision_keeps_what_explains_it()
    {
        var call = NewCall();
        var bob = new AgentId("bob");
        var trace = new AgentChosen(3, AgentSelection.BestProficiency,
            new AgentStanding(Ann, Nine.AddSeconds(-30), 4, 17, 2), new AgentStanding(bob, Nine.AddSeconds(-90), 1, 12, 0));
        var offer = new CallOffered(call, Nine, Ann, Billing, 9, MatchRule.AgentSelection, 1, TimeSpan.FromSeconds(42), trace);

        await writer.AppendAsync(LogMapping.FromOffer(offer, configurationVersion: 4));

        var row = await QueryOneAsync<(string Rule, int Step, TimeSpan Waited, long Version, string Candidates, string TieBreak, string Chose, int Considered, string RunnerUp)>(
            "SELECT rule, relaxation_step, waited, configuration_version, candidates::text, tie_break, chose, considered, runner_up FROM routing_decisions WHERE call_id = @id",
            new { id = call.Value });
        using (Assert.EnterMultipleScope())
        {
            Assert.That((row.Rule, row.Step, row.Waited, row.Version, row.TieBreak),
                Is.EqualTo(("AgentSelection", 1, TimeSpan.FromSeconds(42), 4L, "proficiency")));
            Assert.That((row.Chose, row.Considered, row.RunnerUp), Is.EqualTo(("agent", 3, "bob")));
            Assert.That(DecisionTraces.ParseCandidates(row.Candidates), Is.EqualTo(new[]
            {
                new LoggedCandidate { Chosen = true, Agent = "ann", Proficiency = 17, CallsToday = 4, IdleSince = Nine.AddSeconds(-30), LoginOrder = 2 },
                new LoggedCandidate { Chosen = false, Agent = "bob", Proficiency = 12, CallsToday = 1, IdleSince = Nine.AddSeconds(-90), LoginOrder = 0 },
            }));
        }
    }

    [Test]
    public async Task A_decision_without_a_trace_leaves_the_explaining_columns_empty()
    {
        var call = NewCall();
        var offer = new CallOffered(call, Nine, Ann, Billing, 10, MatchRule.PreferredAgent, 0, TimeSpan.Zero);

        await writer.AppendAsync(LogMapping.FromOffer(offer, configurationVersion: 1));

        var row = await QueryOneAsync<(string? Candidates, string? TieBreak, string? Chose, int? Considered, string? RunnerUp)>(
            "SELECT candidates::text, tie_break, chose, considered, runner_up FROM routing_decisions WHERE call_id = @id", new { id = call.Value });
        Assert.That(row, Is.EqualTo(((string?)null, (string?)null, (string?)null, (int?)null, (string?)null)));
    }

    [Test]
    public async Task An_agents_state_changes_are_kept_in_order_with_their_reasons()
    {
        var agent = new AgentId("agent-" + Guid.NewGuid().ToString("N")[..8]);
        var changes = new[]
        {
            new AgentEvent.StatusChanged(agent, Nine, AgentStatus.LoggedOut, AgentStatus.NotReady, StatusChangeReasons.LoggedIn),
            new AgentEvent.StatusChanged(agent, Nine.AddSeconds(5), AgentStatus.NotReady, AgentStatus.Available, StatusChangeReasons.MadeAvailable),
            new AgentEvent.StatusChanged(agent, Nine.AddSeconds(65), AgentStatus.Available, AgentStatus.NotReady, "lunch"),
        };

        await writer.AppendAsync(changes.Select((change, i) => (LogRecord)LogMapping.FromAgentEvent(change, i + 1)).ToList());

        await using var connection = await database.OpenConnectionAsync();
        var reasons = await connection.QueryAsync<string>(
            "SELECT reason FROM agent_state_changes WHERE agent_id = @id ORDER BY sequence", new { id = agent.Value });
        Assert.That(reasons, Is.EqualTo(new[] { "logged-in", "made-available", "lunch" }));
    }

    [Test]
    public async Task Records_the_database_refuses_fail_their_own_append_and_no_other()
    {
        var good = NewCall();
        var bad = NewCall();
        var refused = writer.AppendAsync(new LogRecord.Interaction(bad, 0) { Notes = "a NUL \0 is not text to PostgreSQL" });
        var accepted = writer.AppendAsync(LogMapping.FromCallEvent(AnsweredCall(good)[0]));

        await Assert.ThrowsAsync<PostgresException>(() => refused);
        await accepted;

        Assert.That(await QueryOneAsync<long>("SELECT count(*) FROM interactions WHERE call_id IN (@good, @bad)",
            new { good = good.Value, bad = bad.Value }), Is.EqualTo(1));
        Assert.That(writer.Health, Is.EqualTo(LogHealth.Healthy));
    }

    [Test]
    public async Task Appends_complete_in_the_order_they_were_made_though_two_connections_commit_at_once()
    {
        var appends = new List<Task>();
        var outOfOrder = 0;
        for (var burst = 0; burst < 50; burst++)
        {
            for (var i = 0; i < 40; i++)
            {
                var earlier = appends.Count > 0 ? appends[^1] : Task.CompletedTask;
                var append = writer.AppendAsync(LogMapping.FromCallEvent(AnsweredCall(NewCall())[0]));
                // The barrier of the edge relies on it: when an append completes, every earlier one has.
                _ = append.ContinueWith(_ =>
                {
                    if (!earlier.IsCompleted)
                    {
                        Interlocked.Increment(ref outOfOrder);
                    }
                }, TaskScheduler.Default);
                appends.Add(append);
            }

            // Let the writer take what is there, so the traffic spreads over many batches.
            await Task.Delay(1);
        }

        await Task.WhenAll(appends);
        Assert.That(outOfOrder, Is.Zero);
        Assert.That(writer.Metrics.Batches, Is.GreaterThan(1));
    }

    [Test]
    public async Task Pieces_of_one_call_in_batches_written_at_once_apply_in_the_order_appended()
    {
        var calls = Enumerable.Range(0, 300).Select(_ => NewCall()).ToList();
        var appends = new List<Task>();
        foreach (var call in calls)
        {
            // Annotations take the latest value given: the second must win wherever the batches split.
            appends.Add(writer.AppendAsync(new LogRecord.Interaction(call, 0) { DispositionCode = "first" }));
            await Task.Yield();
            appends.Add(writer.AppendAsync(new LogRecord.Interaction(call, 0) { DispositionCode = "second" }));
        }

        await Task.WhenAll(appends);
        Assert.That(await QueryOneAsync<long>("SELECT count(*) FROM interactions WHERE call_id = ANY(@ids) AND disposition_code = 'second'",
            new { ids = calls.Select(c => c.Value).ToArray() }), Is.EqualTo(calls.Count));
    }

    [Test]
    public async Task When_the_buffer_is_full_appends_wait_and_none_is_dropped()
    {
        await using var small = new InteractionLogWriter(new InteractionLogOptions { Capacity = 4 });
        var calls = Enumerable.Range(0, 10).Select(_ => NewCall()).ToList();

        // Not started yet: nothing leaves the buffer, so the fifth append finds it full.
        var appends = calls.Select(call => small.AppendAsync(LogMapping.FromCallEvent(AnsweredCall(call)[0]))).ToList();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(appends.Count(a => a.IsCompleted), Is.Zero);
            Assert.That(small.Metrics.AppendsAccepted, Is.EqualTo(4));
            Assert.That(small.Metrics.Buffered, Is.EqualTo(4));
        }

        small.Start(database);
        await Task.WhenAll(appends);
        await small.StopAsync();

        Assert.That(await QueryOneAsync<long>("SELECT count(*) FROM interactions WHERE call_id = ANY(@ids)",
            new { ids = calls.Select(c => c.Value).ToArray() }), Is.EqualTo(10));
        Assert.That(small.Metrics.AppendsCommitted, Is.EqualTo(10));
    }

    [Test]
    public async Task Stopping_writes_what_is_buffered_and_then_refuses_appends()
    {
        var calls = Enumerable.Range(0, 50).Select(_ => NewCall()).ToList();
        var appends = calls.Select(call => writer.AppendAsync(LogMapping.FromCallEvent(AnsweredCall(call)[0]))).ToList();

        await writer.StopAsync();

        Assert.That(appends.All(a => a.IsCompletedSuccessfully), Is.True);
        Assert.That(await QueryOneAsync<long>("SELECT count(*) FROM interactions WHERE call_id = ANY(@ids)",
            new { ids = calls.Select(c => c.Value).ToArray() }), Is.EqualTo(50));
        await Assert.ThrowsAsync<System.Threading.Channels.ChannelClosedException>(
            () => writer.AppendAsync(LogMapping.FromCallEvent(AnsweredCall(NewCall())[0])));
    }
}
