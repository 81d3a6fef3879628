namespace CallCenter.Routing.Host.InteractionLog;

/// <summary>
/// The tables of the log and the SQL of one batch. A batch's rows reach the database either by
/// binary COPY straight into their table, or as one array parameter per column that
/// <c>unnest</c> turns back into rows for <c>INSERT ... ON CONFLICT</c>, which is what makes a
/// replayed record leave no second row and merges an interaction's pieces into its row. No
/// temporary table is involved: a transaction that touches one makes PostgreSQL empty every
/// <c>ON COMMIT DELETE ROWS</c> table of the session at its commit.
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

    private static readonly (LogColumn<LogRecord.Interaction> Column, Merge Merge)[] InteractionColumns =
    [
        (LogColumn.Text<LogRecord.Interaction>("call_id", r => r.Call.Value), Merge.None),
        (LogColumn.Bigint<LogRecord.Interaction>("last_sequence", r => r.Sequence), Merge.None),
        (LogColumn.Text<LogRecord.Interaction>("domain_id", r => r.Domain), Merge.First),
        (LogColumn.Text<LogRecord.Interaction>("gateway_id", r => r.Gateway), Merge.First),
        (LogColumn.Text<LogRecord.Interaction>("caller", r => r.Caller), Merge.First),
        (LogColumn.Text<LogRecord.Interaction>("customer_id", r => r.Customer), Merge.First),
        (LogColumn.Json<LogRecord.Interaction>("attributes", r => r.Attributes), Merge.First),
        (LogColumn.Text<LogRecord.Interaction>("tier", r => r.Tier?.Value), Merge.First),
        (LogColumn.Text<LogRecord.Interaction>("queue_id", r => r.Queue?.Value), Merge.BySequence),
        (LogColumn.TextArray<LogRecord.Interaction>("required_skills", r => r.RequiredSkills), Merge.First),
        (LogColumn.Text<LogRecord.Interaction>("preferred_agent_id", r => r.PreferredAgent?.Value), Merge.First),
        (LogColumn.Boolean<LogRecord.Interaction>("emergency", r => r.Emergency), Merge.First),
        (LogColumn.Time<LogRecord.Interaction>("arrived_at", r => r.ArrivedAt), Merge.First),
        (LogColumn.Time<LogRecord.Interaction>("queued_at", r => r.QueuedAt), Merge.First),
        (LogColumn.Time<LogRecord.Interaction>("first_offered_at", r => r.FirstOfferedAt), Merge.First),
        (LogColumn.Time<LogRecord.Interaction>("answered_at", r => r.AnsweredAt), Merge.First),
        (LogColumn.Time<LogRecord.Interaction>("ended_at", r => r.EndedAt), Merge.BySequence),
        (LogColumn.Time<LogRecord.Interaction>("wrap_up_ended_at", r => r.WrapUpEndedAt), Merge.Latest),
        (LogColumn.Text<LogRecord.Interaction>("outcome", r => r.Outcome?.ToString()), Merge.BySequence),
        (LogColumn.Text<LogRecord.Interaction>("agent_id", r => r.Agent?.Value), Merge.BySequence),
        (LogColumn.Text<LogRecord.Interaction>("disposition_code", r => r.DispositionCode), Merge.Latest),
        (LogColumn.Text<LogRecord.Interaction>("notes", r => r.Notes), Merge.Latest),
        (LogColumn.Smallint<LogRecord.Interaction>("satisfaction_score", r => r.SatisfactionScore), Merge.Latest),
        (LogColumn.Boolean<LogRecord.Interaction>("complaint", r => r.Complaint), Merge.Latest),
        (LogColumn.Time<LogRecord.Interaction>("callback_requested_at", r => r.CallbackRequestedAt), Merge.First),
        (LogColumn.Text<LogRecord.Interaction>("linked_call_id", r => r.LinkedCall?.Value), Merge.Latest),
        (LogColumn.Text<LogRecord.Interaction>("link_kind", r => r.LinkKind), Merge.None), // travels with linked_call_id, below
    ];

    public static readonly LogTable<LogRecord.Interaction> Interactions = new("interactions", [.. InteractionColumns.Select(c => c.Column)]);

    public static readonly LogTable<LogRecord.CallEventEntry> CallEvents = new("call_events",
    [
        LogColumn.Text<LogRecord.CallEventEntry>("call_id", r => r.Call.Value),
        LogColumn.Bigint<LogRecord.CallEventEntry>("sequence", r => r.Sequence),
        LogColumn.Time<LogRecord.CallEventEntry>("occurred_at", r => r.At),
        LogColumn.Text<LogRecord.CallEventEntry>("domain_id", r => r.Domain),
        LogColumn.Text<LogRecord.CallEventEntry>("kind", r => r.Kind),
        LogColumn.Text<LogRecord.CallEventEntry>("queue_id", r => r.Queue?.Value),
        LogColumn.Text<LogRecord.CallEventEntry>("agent_id", r => r.Agent?.Value),
        LogColumn.Bigint<LogRecord.CallEventEntry>("epoch", r => r.Epoch),
        LogColumn.Json<LogRecord.CallEventEntry>("detail", r => r.Detail),
    ]);

    public static readonly LogTable<LogRecord.AgentStateChange> AgentStates = new("agent_state_changes",
    [
        LogColumn.Text<LogRecord.AgentStateChange>("agent_id", r => r.Agent.Value),
        LogColumn.Bigint<LogRecord.AgentStateChange>("sequence", r => r.Sequence),
        LogColumn.Time<LogRecord.AgentStateChange>("changed_at", r => r.At),
        LogColumn.Text<LogRecord.AgentStateChange>("domain_id", r => r.Domain),
        LogColumn.Text<LogRecord.AgentStateChange>("from_status", r => r.From.ToString()),
        LogColumn.Text<LogRecord.AgentStateChange>("to_status", r => r.To.ToString()),
        LogColumn.Text<LogRecord.AgentStateChange>("reason", r => r.Reason),
        LogColumn.Text<LogRecord.AgentStateChange>("call_id", r => r.Call?.Value),
    ]);

    public static readonly LogTable<LogRecord.RoutingDecision> Decisions = new("routing_decisions",
    [
        LogColumn.Text<LogRecord.RoutingDecision>("call_id", r => r.Call.Value),
        LogColumn.Bigint<LogRecord.RoutingDecision>("epoch", r => r.Epoch),
        LogColumn.Time<LogRecord.RoutingDecision>("decided_at", r => r.At),
        LogColumn.Text<LogRecord.RoutingDecision>("domain_id", r => r.Domain),
        LogColumn.Text<LogRecord.RoutingDecision>("queue_id", r => r.Queue.Value),
        LogColumn.Text<LogRecord.RoutingDecision>("agent_id", r => r.Agent.Value),
        LogColumn.Text<LogRecord.RoutingDecision>("rule", r => r.Rule.ToString()),
        LogColumn.Integer<LogRecord.RoutingDecision>("relaxation_step", r => r.RelaxationStep),
        LogColumn.Interval<LogRecord.RoutingDecision>("waited", r => r.Waited),
        LogColumn.Bigint<LogRecord.RoutingDecision>("configuration_version", r => r.ConfigurationVersion),
        LogColumn.Json<LogRecord.RoutingDecision>("candidates", r => DecisionTraces.CandidatesJson(r.Trace)),
        LogColumn.Text<LogRecord.RoutingDecision>("tie_break", r => DecisionTraces.TieBreak(r.Trace)),
        LogColumn.Text<LogRecord.RoutingDecision>("chose", r => DecisionTraces.Chose(r.Trace)),
        LogColumn.Integer<LogRecord.RoutingDecision>("considered", r => r.Trace?.Considered),
        LogColumn.Text<LogRecord.RoutingDecision>("runner_up", r => DecisionTraces.RunnerUp(r.Trace)),
    ]);

    public static readonly LogTable<LogRecord.AgentCheckpoint> AgentCheckpoints = new("agent_checkpoints",
    [
        LogColumn.Text<LogRecord.AgentCheckpoint>("agent_id", r => r.Agent.Value),
        LogColumn.Bigint<LogRecord.AgentCheckpoint>("version", r => r.Version),
        LogColumn.Text<LogRecord.AgentCheckpoint>("domain_id", r => r.Domain),
        LogColumn.Json<LogRecord.AgentCheckpoint>("checkpoint", r => AgentJournal.ToJson(r.Checkpoint)),
    ]);

    public static readonly LogTable<LogRecord.GatewayEvent> GatewayEvents = new("gateway_events",
    [
        LogColumn.Text<LogRecord.GatewayEvent>("gateway_id", r => r.Gateway),
        LogColumn.Text<LogRecord.GatewayEvent>("event_id", r => r.EventId),
        LogColumn.Time<LogRecord.GatewayEvent>("accepted_at", r => r.At),
        LogColumn.Text<LogRecord.GatewayEvent>("domain_id", r => r.Domain),
    ]);

    /// <summary>
    /// The rules of <see cref="InteractionMerge"/>, in SQL: <c>i</c> is the stored row, <c>excluded</c> the new piece.
    /// The pieces must name each call once (one statement may touch a row once).
    /// Rows are locked in key order, so writers that upsert at once (another server on the same database) cannot deadlock.
    /// </summary>
    public static readonly string UpsertInteractions =
        $"""
         INSERT INTO interactions AS i ({Interactions.ColumnList})
         {Interactions.SelectRows}
         ORDER BY call_id
         ON CONFLICT (call_id) DO UPDATE SET
             last_sequence = GREATEST(i.last_sequence, excluded.last_sequence),
             {string.Join(",\n    ", InteractionColumns.Where(c => c.Merge != Merge.None).Select(c => $"{c.Column.Name} = {MergeExpression(c.Column.Name, c.Merge)}"))},
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
}
