using Dapper;
using Npgsql;

namespace CallCenter.Routing.Host.InteractionLog;

/// <summary>One offer as the log holds it.</summary>
public sealed record LoggedDecision(
    long Epoch, DateTime DecidedAt, string QueueId, string AgentId, string Rule, int RelaxationStep, TimeSpan Waited,
    long ConfigurationVersion);

/// <summary>One call event as the log holds it.</summary>
public sealed record LoggedEvent(long Sequence, DateTime OccurredAt, string Kind, string? QueueId, string? AgentId, string? Detail);

/// <summary>A call's decisions and events, and a sentence that says what became of it and why.</summary>
public sealed record CallExplanation(string Summary, IReadOnlyList<LoggedDecision> Decisions, IReadOnlyList<LoggedEvent> Events);

/// <summary>Answers "why did this call go to this agent, or wait?" from the interaction log alone.</summary>
public sealed class CallExplanations(NpgsqlDataSource dataSource)
{
    /// <summary>Null when the log has nothing of the call.</summary>
    public async Task<CallExplanation?> Explain(string callId, CancellationToken cancellation)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellation);
        var decisions = (await connection.QueryAsync<LoggedDecision>(new CommandDefinition(
            """
            select epoch, decided_at as DecidedAt, queue_id as QueueId, agent_id as AgentId, rule,
                   relaxation_step as RelaxationStep, waited, configuration_version as ConfigurationVersion
            from routing_decisions where call_id = @callId order by epoch
            """, new { callId }, cancellationToken: cancellation))).ToList();
        var events = (await connection.QueryAsync<LoggedEvent>(new CommandDefinition(
            """
            select sequence, occurred_at as OccurredAt, kind, queue_id as QueueId, agent_id as AgentId, detail::text as Detail
            from call_events where call_id = @callId order by sequence
            """, new { callId }, cancellationToken: cancellation))).ToList();
        return events.Count == 0 && decisions.Count == 0 ? null : new CallExplanation(Summarize(decisions, events), decisions, events);
    }

    /// <summary>The last decision and what came of it; or, with none, where the call waits and since when.</summary>
    public static string Summarize(IReadOnlyList<LoggedDecision> decisions, IReadOnlyList<LoggedEvent> events)
    {
        var ended = events.LastOrDefault(e => e.Kind == "Ended");
        var outcome = ended is null ? "" : $" The call ended: {ended.Detail}.";
        if (decisions.Count == 0)
        {
            var queued = events.LastOrDefault(e => e.Kind is "Queued" or "PositionAnnounced");
            var where = events.LastOrDefault(e => e.QueueId is not null)?.QueueId ?? "its queue";
            return queued is null
                ? $"Never offered to an agent; it was in {where}.{outcome}"
                : $"Never offered to an agent: it waited in {where} ({queued.Detail} at {queued.OccurredAt:O}) while no suitable agent was free.{outcome}";
        }

        var last = decisions[^1];
        var rule = last.Rule switch
        {
            "PreferredAgent" => "as the customer's preferred agent",
            "BackupAgent" => "as the backup of the customer's preferred agent",
            _ => $"as the best suitable idle agent by {last.QueueId}'s agent selection",
        };
        var step = last.RelaxationStep == 0 ? "its queue's full skill requirement" : $"relaxation step {last.RelaxationStep}";
        var earlier = decisions.Count > 1 ? $" {decisions.Count - 1} earlier offer(s) went unanswered." : "";
        return $"Offered to {last.AgentId} {rule}, under {step}, after waiting {last.Waited.TotalSeconds:F1} s, " +
               $"by configuration version {last.ConfigurationVersion}.{earlier}{outcome}";
    }
}
