using Npgsql;
using NpgsqlTypes;

namespace CallCenter.Routing.Host.InteractionLog;

/// <summary>
/// The SQL of one batch: each kind of record is copied (binary COPY) into a temporary staging
/// table of the writer's connection, then moved into its table with ON CONFLICT, which is what
/// makes a replayed record leave no second row. The staging tables empty themselves at commit.
/// </summary>
internal static class LogSql
{
    private enum Merge
    {
        /// <summary>The key, or the sequence itself.</summary>
        None,

        /// <summary>Kept as first written.</summary>
        First,

        /// <summary>Follows the piece with the higher call sequence.</summary>
        BySequence,

        /// <summary>The latest value given.</summary>
        Latest,
    }

    private static readonly (string Column, string Type, Merge Merge)[] InteractionColumns =
    [
        ("call_id", "text", Merge.None),
        ("last_sequence", "bigint", Merge.None),
        ("gateway_id", "text", Merge.First),
        ("caller", "text", Merge.First),
        ("customer_id", "text", Merge.First),
        ("tier", "text", Merge.First),
        ("queue_id", "text", Merge.BySequence),
        ("required_skills", "text[]", Merge.First),
        ("preferred_agent_id", "text", Merge.First),
        ("emergency", "boolean", Merge.First),
        ("arrived_at", "timestamptz", Merge.First),
        ("queued_at", "timestamptz", Merge.First),
        ("first_offered_at", "timestamptz", Merge.First),
        ("answered_at", "timestamptz", Merge.First),
        ("ended_at", "timestamptz", Merge.BySequence),
        ("wrap_up_ended_at", "timestamptz", Merge.Latest),
        ("outcome", "text", Merge.BySequence),
        ("agent_id", "text", Merge.BySequence),
        ("disposition_code", "text", Merge.Latest),
        ("notes", "text", Merge.Latest),
        ("satisfaction_score", "smallint", Merge.Latest),
        ("complaint", "boolean", Merge.Latest),
        ("callback_requested_at", "timestamptz", Merge.First),
        ("linked_call_id", "text", Merge.Latest),
        ("link_kind", "text", Merge.None), // travels with linked_call_id, below
    ];

    private static readonly (string Column, string Type)[] CallEventColumns =
    [
        ("call_id", "text"), ("sequence", "bigint"), ("occurred_at", "timestamptz"), ("kind", "text"),
        ("queue_id", "text"), ("agent_id", "text"), ("epoch", "bigint"), ("detail", "jsonb"),
    ];

    private static readonly (string Column, string Type)[] AgentStateColumns =
    [
        ("agent_id", "text"), ("sequence", "bigint"), ("changed_at", "timestamptz"), ("from_status", "text"),
        ("to_status", "text"), ("reason", "text"), ("call_id", "text"),
    ];

    private static readonly (string Column, string Type)[] DecisionColumns =
    [
        ("call_id", "text"), ("epoch", "bigint"), ("decided_at", "timestamptz"), ("queue_id", "text"),
        ("agent_id", "text"), ("rule", "text"), ("relaxation_step", "integer"), ("waited", "interval"),
        ("configuration_version", "bigint"), ("candidates", "jsonb"), ("tie_break", "text"), ("chose", "text"),
        ("considered", "integer"), ("runner_up", "text"),
    ];

    public static readonly string CreateStagingTables = string.Join('\n',
        Staging("staging_interactions", InteractionColumns.Select(c => (c.Column, c.Type))),
        Staging("staging_call_events", CallEventColumns),
        Staging("staging_agent_state_changes", AgentStateColumns),
        Staging("staging_routing_decisions", DecisionColumns));

    public static readonly string CopyInteractions = Copy("staging_interactions", InteractionColumns.Select(c => c.Column));
    public static readonly string CopyCallEvents = Copy("staging_call_events", CallEventColumns.Select(c => c.Column));
    public static readonly string CopyAgentStates = Copy("staging_agent_state_changes", AgentStateColumns.Select(c => c.Column));
    public static readonly string CopyDecisions = Copy("staging_routing_decisions", DecisionColumns.Select(c => c.Column));

    public static readonly string CopyCallEventsDirect = Copy("call_events", CallEventColumns.Select(c => c.Column));
    public static readonly string CopyAgentStatesDirect = Copy("agent_state_changes", AgentStateColumns.Select(c => c.Column));
    public static readonly string CopyDecisionsDirect = Copy("routing_decisions", DecisionColumns.Select(c => c.Column));

    public static readonly string InsertCallEvents = InsertNew("call_events", "staging_call_events", CallEventColumns.Select(c => c.Column));
    public static readonly string InsertAgentStates = InsertNew("agent_state_changes", "staging_agent_state_changes", AgentStateColumns.Select(c => c.Column));
    public static readonly string InsertDecisions = InsertNew("routing_decisions", "staging_routing_decisions", DecisionColumns.Select(c => c.Column));

    /// <summary>
    /// The rules of <see cref="InteractionMerge"/>, in SQL: <c>i</c> is the stored row, <c>excluded</c> the new piece.
    /// Rows are locked in key order, so writers that upsert at once (another server on the same database) cannot deadlock.
    /// </summary>
    public static readonly string UpsertInteractions =
        $"""
         INSERT INTO interactions AS i ({string.Join(", ", InteractionColumns.Select(c => c.Column))})
         SELECT {string.Join(", ", InteractionColumns.Select(c => c.Column))} FROM staging_interactions ORDER BY call_id
         ON CONFLICT (call_id) DO UPDATE SET
             last_sequence = GREATEST(i.last_sequence, excluded.last_sequence),
             {string.Join(",\n    ", InteractionColumns.Where(c => c.Merge != Merge.None).Select(c => $"{c.Column} = {MergeExpression(c.Column, c.Merge)}"))},
             link_kind = CASE WHEN excluded.linked_call_id IS NOT NULL THEN excluded.link_kind ELSE i.link_kind END,
             updated_at = now()
         """;

    private static string MergeExpression(string column, Merge merge) => merge switch
    {
        Merge.First => $"COALESCE(i.{column}, excluded.{column})",
        Merge.Latest => $"COALESCE(excluded.{column}, i.{column})",
        Merge.BySequence =>
            $"CASE WHEN excluded.last_sequence >= i.last_sequence THEN COALESCE(excluded.{column}, i.{column}) ELSE COALESCE(i.{column}, excluded.{column}) END",
        _ => throw new ArgumentOutOfRangeException(nameof(merge)),
    };

    private static string Staging(string table, IEnumerable<(string Column, string Type)> columns) =>
        $"CREATE TEMP TABLE IF NOT EXISTS {table} ({string.Join(", ", columns.Select(c => $"{c.Column} {c.Type}"))}) ON COMMIT DELETE ROWS;";

    private static string Copy(string table, IEnumerable<string> columns) =>
        $"COPY {table} ({string.Join(", ", columns)}) FROM STDIN (FORMAT BINARY)";

    private static string InsertNew(string table, string staging, IEnumerable<string> columns)
    {
        var list = string.Join(", ", columns);
        return $"INSERT INTO {table} ({list}) SELECT {list} FROM {staging} ON CONFLICT DO NOTHING";
    }

    // The row writers below follow the column lists above, in order.

    public static void WriteInteraction(NpgsqlBinaryImporter copy, LogRecord.Interaction r)
    {
        copy.StartRow();
        copy.Write(r.Call.Value, NpgsqlDbType.Text);
        copy.Write(r.Sequence, NpgsqlDbType.Bigint);
        Text(copy, r.Gateway);
        Text(copy, r.Caller);
        Text(copy, r.Customer);
        Text(copy, r.Tier?.Value);
        Text(copy, r.Queue?.Value);
        if (r.RequiredSkills is { } skills)
        {
            copy.Write(skills as string[] ?? skills.ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Text);
        }
        else
        {
            copy.WriteNull();
        }

        Text(copy, r.PreferredAgent?.Value);
        Value(copy, r.Emergency, NpgsqlDbType.Boolean);
        Time(copy, r.ArrivedAt);
        Time(copy, r.QueuedAt);
        Time(copy, r.FirstOfferedAt);
        Time(copy, r.AnsweredAt);
        Time(copy, r.EndedAt);
        Time(copy, r.WrapUpEndedAt);
        Text(copy, r.Outcome?.ToString());
        Text(copy, r.Agent?.Value);
        Text(copy, r.DispositionCode);
        Text(copy, r.Notes);
        Value(copy, r.SatisfactionScore, NpgsqlDbType.Smallint);
        Value(copy, r.Complaint, NpgsqlDbType.Boolean);
        Time(copy, r.CallbackRequestedAt);
        Text(copy, r.LinkedCall?.Value);
        Text(copy, r.LinkKind);
    }

    public static void WriteCallEvent(NpgsqlBinaryImporter copy, LogRecord.CallEventEntry r)
    {
        copy.StartRow();
        copy.Write(r.Call.Value, NpgsqlDbType.Text);
        copy.Write(r.Sequence, NpgsqlDbType.Bigint);
        copy.Write(r.At.UtcDateTime, NpgsqlDbType.TimestampTz);
        copy.Write(r.Kind, NpgsqlDbType.Text);
        Text(copy, r.Queue?.Value);
        Text(copy, r.Agent?.Value);
        Value(copy, r.Epoch, NpgsqlDbType.Bigint);
        Json(copy, r.Detail);
    }

    public static void WriteAgentState(NpgsqlBinaryImporter copy, LogRecord.AgentStateChange r)
    {
        copy.StartRow();
        copy.Write(r.Agent.Value, NpgsqlDbType.Text);
        copy.Write(r.Sequence, NpgsqlDbType.Bigint);
        copy.Write(r.At.UtcDateTime, NpgsqlDbType.TimestampTz);
        copy.Write(r.From.ToString(), NpgsqlDbType.Text);
        copy.Write(r.To.ToString(), NpgsqlDbType.Text);
        copy.Write(r.Reason, NpgsqlDbType.Text);
        Text(copy, r.Call?.Value);
    }

    public static void WriteDecision(NpgsqlBinaryImporter copy, LogRecord.RoutingDecision r)
    {
        copy.StartRow();
        copy.Write(r.Call.Value, NpgsqlDbType.Text);
        copy.Write(r.Epoch, NpgsqlDbType.Bigint);
        copy.Write(r.At.UtcDateTime, NpgsqlDbType.TimestampTz);
        copy.Write(r.Queue.Value, NpgsqlDbType.Text);
        copy.Write(r.Agent.Value, NpgsqlDbType.Text);
        copy.Write(r.Rule.ToString(), NpgsqlDbType.Text);
        copy.Write(r.RelaxationStep, NpgsqlDbType.Integer);
        copy.Write(r.Waited, NpgsqlDbType.Interval);
        copy.Write(r.ConfigurationVersion, NpgsqlDbType.Bigint);
        Json(copy, DecisionTraces.CandidatesJson(r.Trace));
        Text(copy, DecisionTraces.TieBreak(r.Trace));
        Text(copy, DecisionTraces.Chose(r.Trace));
        Value(copy, r.Trace?.Considered, NpgsqlDbType.Integer);
        Text(copy, DecisionTraces.RunnerUp(r.Trace));
    }

    private static void Text(NpgsqlBinaryImporter copy, string? value)
    {
        if (value is null)
        {
            copy.WriteNull();
        }
        else
        {
            copy.Write(value, NpgsqlDbType.Text);
        }
    }

    private static void Json(NpgsqlBinaryImporter copy, string? value)
    {
        if (value is null)
        {
            copy.WriteNull();
        }
        else
        {
            copy.Write(value, NpgsqlDbType.Jsonb);
        }
    }

    private static void Time(NpgsqlBinaryImporter copy, DateTimeOffset? value)
    {
        if (value is { } time)
        {
            copy.Write(time.UtcDateTime, NpgsqlDbType.TimestampTz);
        }
        else
        {
            copy.WriteNull();
        }
    }

    private static void Value<T>(NpgsqlBinaryImporter copy, T? value, NpgsqlDbType type) where T : struct
    {
        if (value is { } v)
        {
            copy.Write(v, type);
        }
        else
        {
            copy.WriteNull();
        }
    }
}
