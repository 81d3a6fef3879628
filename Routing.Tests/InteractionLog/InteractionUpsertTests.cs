using System.Text.Json;
using CallCenter.Routing.Host.InteractionLog;
using CallCenter.Routing.Lifecycle;
using CallCenter.Routing.Model;
using Dapper;
using Npgsql;

namespace CallCenter.Routing.Tests.InteractionLog;

/// <summary>
/// An interaction's pieces reach its row through one upsert whose rows come from array
/// parameters. Whether the pieces are committed together, one by one, out of their call's order,
/// or by a batch retried after it met a replayed record, the row is what
/// <see cref="InteractionMerge"/> makes of them: every column is compared.
/// </summary>
[TestFixture]
public sealed class InteractionUpsertTests : WriterOnFreshDatabase
{


    private static CallId NewCall() => new("call-" + Guid.NewGuid().ToString("N")[..12]);

    /// <summary>
    /// Pieces of one call that exercise every rule: facts kept as first written (an empty skill list
    /// among them), fields that follow the higher sequence (and an older piece that fills one still
    /// empty), annotations that take the latest value, and a link whose kind travels with it.
    /// </summary>
    private static LogRecord.Interaction[] Pieces(CallId call) =>
    [
        new(call, 3)
        {
            Queue = new QueueId("general"), Agent = new AgentId("bob"), QueuedAt = Nine.AddSeconds(3), Tier = new TierId("VIP"),
            RequiredSkills = [], Emergency = false, Notes = "first note", LinkedCall = new CallId("cb-1"), LinkKind = "callback",
        },
        new(call, 1)
        {
            Queue = new QueueId("billing"), Agent = new AgentId("ann"), Tier = new TierId("Standard"), RequiredSkills = ["english:3"],
            ArrivedAt = Nine, PreferredAgent = new AgentId("ann"), Emergency = true, EndedAt = Nine.AddSeconds(1),
        },
        new(call, 5) { EndedAt = Nine.AddSeconds(50), AnsweredAt = Nine.AddSeconds(40) },
        new(call, 0) { DispositionCode = "d1", SatisfactionScore = 4, Complaint = true, LinkKind = "transfer" },
        new(call, 4)
        {
            Outcome = CallOutcome.Answered, Queue = new QueueId("overflow"), EndedAt = Nine.AddSeconds(45), WrapUpEndedAt = Nine.AddSeconds(60),
        },
        new(call, 0) { LinkedCall = new CallId("cb-2"), DispositionCode = "d2", Complaint = false },
        new(call, 2)
        {
            Gateway = "gw-1", Caller = "+8613800000000", Customer = "c-42", Attributes = """{"ivr":"2","ticket":"T-9"}""", CallbackRequestedAt = Nine.AddSeconds(2),
            RequiredSkills = ["spanish:1"], FirstOfferedAt = Nine.AddSeconds(20),
        },
    ];

    /// <summary>What the row holds once the commits are applied in order, each merged first within itself.</summary>
    private static Stored Expected(IEnumerable<IEnumerable<LogRecord.Interaction>> commits)
    {
        LogRecord.Interaction? row = null;
        foreach (var commit in commits)
        {
            var piece = InteractionMerge.MergeByCall(commit).Single();
            row = row is null ? piece : InteractionMerge.Merge(row, piece);
        }

        return Stored.Of(row!);
    }

    [Test]
    public async Task Pieces_committed_one_by_one_merge_by_the_rules()
    {
        var call = NewCall();
        var pieces = Pieces(call);
        foreach (var piece in pieces)
        {
            await writer.AppendAsync(piece);
        }

        var row = await StoredAsync(call);
        Assert.That(row, Is.EqualTo(Expected(pieces.Select(p => new[] { p }))));
        // The same, spelled out, so the rules are checked on their own and not only against the merge in C#.
        Assert.That(row, Is.EqualTo(new Stored(
            call.Value, 5, "gw-1", "+8613800000000", "c-42", """{"ivr":"2","ticket":"T-9"}""", "VIP", "general", "[]", "ann", false,
            Nine.UtcDateTime, Nine.AddSeconds(3).UtcDateTime, Nine.AddSeconds(20).UtcDateTime, Nine.AddSeconds(40).UtcDateTime,
            Nine.AddSeconds(50).UtcDateTime, Nine.AddSeconds(60).UtcDateTime, "Answered", "bob", "d2", "first note", 4, false,
            Nine.AddSeconds(2).UtcDateTime, "cb-2", null)));
    }

    [Test]
    public async Task Pieces_committed_in_reverse_order_merge_by_the_rules()
    {
        var call = NewCall();
        var pieces = Pieces(call).Reverse().ToArray();
        foreach (var piece in pieces)
        {
            await writer.AppendAsync(piece);
        }

        var row = await StoredAsync(call);
        Assert.That(row, Is.EqualTo(Expected(pieces.Select(p => new[] { p }))));
        using (Assert.EnterMultipleScope())
        {
            // Facts are the first written: now those of the later pieces.
            Assert.That((row.Tier, row.RequiredSkills, row.Emergency), Is.EqualTo(("Standard", "[\"spanish:1\"]", (bool?)true)));
            // The queue of sequence 4 came before those of 3 and 1, which are older; the agent of sequence 1
            // filled an empty field, and sequence 3's came after 5 had been merged.
            Assert.That((row.QueueId, row.AgentId, row.Outcome, row.EndedAt, row.LastSequence),
                Is.EqualTo(("overflow", "ann", "Answered", (DateTime?)Nine.AddSeconds(50).UtcDateTime, 5L)));
            // The latest annotation given is the first piece's: its link, with its kind.
            Assert.That((row.LinkedCallId, row.LinkKind, row.DispositionCode, row.Notes), Is.EqualTo(("cb-1", "callback", "d1", "first note")));
        }
    }

    [Test]
    public async Task Pieces_committed_together_give_the_row_they_give_one_by_one()
    {
        var call = NewCall();
        var pieces = Pieces(call);

        await writer.AppendAsync(pieces);

        Assert.That(await StoredAsync(call), Is.EqualTo(Expected([pieces])));
    }

    [Test]
    public async Task A_batch_retried_after_a_replayed_record_merges_its_pieces_into_the_row()
    {
        var call = NewCall();
        var pieces = Pieces(call);
        var arrived = new LogRecord.CallEventEntry(call, 1, Nine, "Arrived", new QueueId("billing"), null, null, null);
        await writer.AppendAsync([arrived, .. pieces[..3]]);

        // The event is already there: the first attempt's COPY fails and the batch is written the careful way.
        await writer.AppendAsync([arrived, .. pieces[3..]]);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(await StoredAsync(call), Is.EqualTo(Expected([pieces[..3], pieces[3..]])));
            Assert.That(await CountAsync("SELECT count(*) FROM call_events WHERE call_id = @id", call), Is.EqualTo(1));
            Assert.That(writer.Metrics.FailedAttempts, Is.Zero, "a replay is not a failure");
        }
    }

    [Test]
    public async Task Many_calls_in_one_commit_each_get_their_own_row()
    {
        var calls = Enumerable.Range(0, 500).Select(_ => NewCall()).ToList();
        var records = calls.SelectMany((call, n) => new LogRecord[]
        {
            new LogRecord.Interaction(call, 1) { Queue = new QueueId($"q{n % 7}"), ArrivedAt = Nine.AddSeconds(n) },
            new LogRecord.Interaction(call, 2) { Agent = new AgentId($"a{n}"), SatisfactionScore = (short)(n % 5) },
        }).ToList();

        await writer.AppendAsync(records);

        await using var connection = await database.OpenConnectionAsync();
        var rows = (await connection.QueryAsync<(string Call, string Queue, string Agent, DateTime Arrived, short Score, long Sequence)>(
            "SELECT call_id, queue_id, agent_id, arrived_at, satisfaction_score, last_sequence FROM interactions WHERE call_id = ANY(@ids)",
            new { ids = calls.Select(c => c.Value).ToArray() })).ToDictionary(r => r.Call);
        Assert.That(rows, Has.Count.EqualTo(calls.Count));
        Assert.That(calls.Select((call, n) => rows[call.Value] == (call.Value, $"q{n % 7}", $"a{n}", Nine.AddSeconds(n).UtcDateTime, (short)(n % 5), 2L)),
            Has.All.True);
    }

    [Test]
    public async Task Required_skills_come_back_as_written_and_an_empty_list_is_not_a_missing_one()
    {
        string[][] lists =
        [
            [],
            ["english:3"],
            ["english:3", "billing:2"],
            ["with \"quotes\"", "back\\slash", "comma,and{braces}", "  spaced  ", "NULL", "", "ünïcødé:5"],
        ];
        var missing = NewCall();
        var given = lists.Select(_ => NewCall()).ToArray();

        await writer.AppendAsync([
            new LogRecord.Interaction(missing, 1) { Queue = new QueueId("billing") },
            .. given.Select((call, n) => new LogRecord.Interaction(call, 1) { RequiredSkills = lists[n] }),
        ]);

        await using var connection = await database.OpenConnectionAsync();
        var stored = (await connection.QueryAsync<(string Call, string[]? Skills)>(
                "SELECT call_id, required_skills FROM interactions WHERE call_id = ANY(@ids)",
                new { ids = given.Append(missing).Select(c => c.Value).ToArray() }))
            .ToDictionary(r => r.Call, r => r.Skills);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(stored[missing.Value], Is.Null);
            for (var n = 0; n < lists.Length; n++)
            {
                Assert.That(stored[given[n].Value], Is.EqualTo(lists[n]), $"list {n}");
            }
        }
    }

    [Test]
    public async Task Required_skills_are_kept_as_first_written_even_when_empty()
    {
        var emptyFirst = NewCall();
        var missingFirst = NewCall();
        var neverGiven = NewCall();

        await writer.AppendAsync([
            new LogRecord.Interaction(emptyFirst, 1) { RequiredSkills = [] },
            new LogRecord.Interaction(missingFirst, 1) { Queue = new QueueId("billing") },
            new LogRecord.Interaction(neverGiven, 1) { Queue = new QueueId("billing") },
        ]);
        await writer.AppendAsync([
            new LogRecord.Interaction(emptyFirst, 2) { RequiredSkills = ["english:3"] },
            new LogRecord.Interaction(missingFirst, 2) { RequiredSkills = [] },
            new LogRecord.Interaction(neverGiven, 2) { Agent = new AgentId("ann") },
        ]);

        using (Assert.EnterMultipleScope())
        {
            Assert.That((await StoredAsync(emptyFirst)).RequiredSkills, Is.EqualTo("[]"));
            Assert.That((await StoredAsync(missingFirst)).RequiredSkills, Is.EqualTo("[]"));
            Assert.That((await StoredAsync(neverGiven)).RequiredSkills, Is.Null);
        }
    }

    [Test]
    public async Task A_piece_that_knows_nothing_changes_nothing()
    {
        var call = NewCall();
        var pieces = Pieces(call);
        await writer.AppendAsync(pieces);
        var before = await StoredAsync(call);

        await writer.AppendAsync(new LogRecord.Interaction(call, 0));
        await writer.AppendAsync(new LogRecord.Interaction(call, 9));

        Assert.That(await StoredAsync(call), Is.EqualTo(before with { LastSequence = 9 }));
    }

    [Test]
    public async Task Writing_creates_no_temporary_table()
    {
        // A transaction that touches a temporary table makes PostgreSQL empty every ON COMMIT DELETE ROWS
        // table of the session at its commit; the writer's sessions have none, first attempts and retries alike.
        var call = NewCall();
        var arrived = new LogRecord.CallEventEntry(call, 1, Nine, "Arrived", null, null, null, null);
        await writer.AppendAsync([arrived, .. Pieces(call)]);
        await writer.AppendAsync([arrived, new LogRecord.Interaction(call, 6) { Notes = "again" }]);

        Assert.That(await CountAsync("SELECT count(*) FROM pg_class WHERE relpersistence = 't' AND @id IS NOT NULL", call), Is.Zero);
        Assert.That((await StoredAsync(call)).Notes, Is.EqualTo("again"));
    }

    private async Task<long> CountAsync(string sql, CallId call)
    {
        await using var connection = await database.OpenConnectionAsync();
        return await connection.QuerySingleAsync<long>(sql, new { id = call.Value });
    }

    private async Task<Stored> StoredAsync(CallId call)
    {
        await using var connection = await database.OpenConnectionAsync();
        await using var command = new NpgsqlCommand("SELECT * FROM interactions WHERE call_id = $1", connection)
        {
            Parameters = { new NpgsqlParameter { Value = call.Value } },
        };
        await using var reader = await command.ExecuteReaderAsync();
        Assert.That(await reader.ReadAsync(), Is.True, $"no row for {call.Value}");

        T? Value<T>(string column) where T : struct =>
            reader.IsDBNull(reader.GetOrdinal(column)) ? null : reader.GetFieldValue<T>(reader.GetOrdinal(column));
        string? Text(string column) =>
            reader.IsDBNull(reader.GetOrdinal(column)) ? null : reader.GetFieldValue<string>(reader.GetOrdinal(column));

        return new Stored(
            Text("call_id")!, Value<long>("last_sequence")!.Value, Text("gateway_id"), Text("caller"), Text("customer_id"),
            Stored.Json(Text("attributes")), Text("tier"),
            Text("queue_id"),
            reader.IsDBNull(reader.GetOrdinal("required_skills")) ? null : Stored.Skills(reader.GetFieldValue<string[]>(reader.GetOrdinal("required_skills"))),
            Text("preferred_agent_id"), Value<bool>("emergency"), Value<DateTime>("arrived_at"), Value<DateTime>("queued_at"),
            Value<DateTime>("first_offered_at"), Value<DateTime>("answered_at"), Value<DateTime>("ended_at"), Value<DateTime>("wrap_up_ended_at"),
            Text("outcome"), Text("agent_id"), Text("disposition_code"), Text("notes"), Value<short>("satisfaction_score"),
            Value<bool>("complaint"), Value<DateTime>("callback_requested_at"), Text("linked_call_id"), Text("link_kind"));
    }

    /// <summary>Every column an interaction's pieces write, comparable as a whole (the skills as JSON).</summary>
    private sealed record Stored(
        string CallId, long LastSequence, string? GatewayId, string? Caller, string? CustomerId, string? Attributes, string? Tier, string? QueueId,
        string? RequiredSkills, string? PreferredAgentId, bool? Emergency, DateTime? ArrivedAt, DateTime? QueuedAt,
        DateTime? FirstOfferedAt, DateTime? AnsweredAt, DateTime? EndedAt, DateTime? WrapUpEndedAt, string? Outcome, string? AgentId,
        string? DispositionCode, string? Notes, short? SatisfactionScore, bool? Complaint, DateTime? CallbackRequestedAt,
        string? LinkedCallId, string? LinkKind)
    {
        public static string Skills(IReadOnlyList<string> skills) => JsonSerializer.Serialize(skills);

        /// <summary>JSON in one spelling (the database gives jsonb back with its own spacing).</summary>
        public static string? Json(string? json) => json is null ? null : JsonSerializer.Serialize(JsonDocument.Parse(json).RootElement);

        public static Stored Of(LogRecord.Interaction r) => new(
            r.Call.Value, r.Sequence, r.Gateway, r.Caller, r.Customer, Json(r.Attributes), r.Tier?.Value, r.Queue?.Value,
            r.RequiredSkills is { } skills ? Skills(skills) : null, r.PreferredAgent?.Value, r.Emergency, r.ArrivedAt?.UtcDateTime,
            r.QueuedAt?.UtcDateTime, r.FirstOfferedAt?.UtcDateTime, r.AnsweredAt?.UtcDateTime, r.EndedAt?.UtcDateTime,
            r.WrapUpEndedAt?.UtcDateTime, r.Outcome?.ToString(), r.Agent?.Value, r.DispositionCode, r.Notes, r.SatisfactionScore,
            r.Complaint, r.CallbackRequestedAt?.UtcDateTime, r.LinkedCall?.Value, r.LinkKind);
    }
}
