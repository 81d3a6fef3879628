using System.Globalization;
using System.Text.Json;
using Dapper;
using Npgsql;

namespace CallCenter.Routing.Host.InteractionLog;

/// <summary>
/// One offer as the log holds it. What the engine weighed it against (<see cref="Chose"/>,
/// <see cref="Considered"/>, <see cref="RunnerUp"/>, <see cref="TieBreak"/>, <see cref="Candidates"/>)
/// is absent for offers logged before the engine traced them.
/// </summary>
public sealed record LoggedDecision(
    long Epoch, DateTime DecidedAt, string QueueId, string AgentId, string Rule, int RelaxationStep, TimeSpan Waited,
    long ConfigurationVersion)
{
    public string CallId { get; init; } = "";

    /// <summary><see cref="DecisionTraces.ChoseAgent"/> or <see cref="DecisionTraces.ChoseCall"/>.</summary>
    public string? Chose { get; init; }

    public int? Considered { get; init; }
    public string? RunnerUp { get; init; }
    public string? TieBreak { get; init; }

    /// <summary>The chosen one, then the runner-up.</summary>
    public IReadOnlyList<LoggedCandidate> Candidates { get; init; } = [];
}

/// <summary>One call event as the log holds it.</summary>
public sealed record LoggedEvent(long Sequence, DateTime OccurredAt, string Kind, string? QueueId, string? AgentId, string? Detail);

/// <summary>
/// A call's decisions and events, the offers in which it came next while it waited
/// (<see cref="PassedOver"/>: another call was taken instead), and a summary for people.
/// </summary>
public sealed record CallExplanation(
    string Summary, IReadOnlyList<LoggedDecision> Decisions, IReadOnlyList<LoggedEvent> Events,
    IReadOnlyList<LoggedDecision> PassedOver);

/// <summary>Answers "why did this call go to this agent, or wait?" from the interaction log alone.</summary>
public sealed class CallExplanations(NpgsqlDataSource dataSource)
{
    private const string DecisionColumns =
        """
        call_id as CallId, epoch, decided_at as DecidedAt, queue_id as QueueId, agent_id as AgentId, rule,
        relaxation_step as RelaxationStep, waited, configuration_version as ConfigurationVersion, chose,
        considered, runner_up as RunnerUp, tie_break as TieBreak, candidates::text as Candidates
        """;

    /// <summary>At most this many offers that passed the call over are told in the summary; the reply lists all.</summary>
    private const int PassedOverTold = 5;

    /// <summary>Null when the log has nothing of the call.</summary>
    /// <summary>What the log says of the call <paramref name="callId"/> of the routing domain <paramref name="domain"/>; null when nothing.</summary>
    public async Task<CallExplanation?> Explain(string callId, string domain, CancellationToken cancellation)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellation);
        var decisions = (await connection.QueryAsync<DecisionRow>(new CommandDefinition(
            $"select {DecisionColumns} from routing_decisions where call_id = @callId and domain_id = @domain order by epoch",
            new { callId, domain }, cancellationToken: cancellation))).Select(r => r.ToDecision()).ToList();
        var events = (await connection.QueryAsync<LoggedEvent>(new CommandDefinition(
            """
            select sequence, occurred_at as OccurredAt, kind, queue_id as QueueId, agent_id as AgentId, detail::text as Detail
            from call_events where call_id = @callId and domain_id = @domain order by sequence
            """, new { callId, domain }, cancellationToken: cancellation))).ToList();
        if (events.Count == 0 && decisions.Count == 0)
        {
            return null;
        }

        // The call can only have come next while it waited: between its first event and its end (if it ended).
        // decided_at is BRIN-indexed, so the window keeps this a range read rather than a scan of every decision.
        var from = events.Count > 0 ? events[0].OccurredAt : decisions[0].DecidedAt;
        var to = events.LastOrDefault(e => e.Kind == "Ended")?.OccurredAt ?? DateTime.SpecifyKind(DateTime.MaxValue.Date, DateTimeKind.Utc);
        var passedOver = (await connection.QueryAsync<DecisionRow>(new CommandDefinition(
            $"""
             select {DecisionColumns} from routing_decisions
             where chose = 'call' and runner_up = @callId and call_id <> @callId and domain_id = @domain and decided_at >= @from and decided_at <= @to
             order by decided_at, epoch
             """, new { callId, domain, from, to }, cancellationToken: cancellation))).Select(r => r.ToDecision()).ToList();
        return new CallExplanation(Summarize(decisions, events, passedOver), decisions, events, passedOver);
    }

    /// <summary>
    /// The last decision, why that agent (or that call), and what came of it; or, with none, where
    /// the call waits and why. Either way, the offers that went to calls ahead of it while it waited.
    /// </summary>
    public static string Summarize(
        IReadOnlyList<LoggedDecision> decisions, IReadOnlyList<LoggedEvent> events, IReadOnlyList<LoggedDecision>? passedOver = null)
    {
        var ended = events.LastOrDefault(e => e.Kind == "Ended");
        var outcome = ended is null ? "" : $" The call ended: {ended.Detail}.";
        var ahead = PassedOverSentence(passedOver ?? []);
        if (decisions.Count == 0)
        {
            var queued = events.LastOrDefault(e => e.Kind is "Queued" or "PositionAnnounced");
            var where = events.LastOrDefault(e => e.QueueId is not null)?.QueueId ?? "its queue";
            var preferred = events.FirstOrDefault(e => e.Kind == "Arrived")?.AgentId;
            return queued is null
                ? $"Never offered to an agent; it was in {where}.{ahead}{outcome}"
                : $"Never offered to an agent: it waited in {where} ({WaitDetail(queued, preferred)}).{ahead}{outcome}";
        }

        var last = decisions[^1];
        var rule = last.Rule switch
        {
            "PreferredAgent" => "as the customer's preferred agent",
            "BackupAgent" => "as the backup of the customer's preferred agent",
            _ when last.Chose == DecisionTraces.ChoseCall => $"when {last.AgentId} became free, as the best call it could take",
            _ => $"as the best suitable idle agent by {last.QueueId}'s agent selection",
        };
        var step = last.RelaxationStep == 0 ? "its queue's full skill requirement" : $"relaxation step {last.RelaxationStep}";
        var reason = Reason(last) is { Length: > 0 } why ? " " + why : "";
        var earlier = decisions.Count > 1 ? $" {decisions.Count - 1} earlier offer(s) went unanswered." : "";
        return $"Offered to {last.AgentId} {rule}, under {step}, after waiting {last.Waited.TotalSeconds:F1} s, " +
               $"by configuration version {last.ConfigurationVersion}.{reason}{earlier}{ahead}{outcome}";
    }

    /// <summary>Why this agent for the call (or this call for the agent), and not the runner-up. Empty when the log has no trace.</summary>
    public static string Reason(LoggedDecision decision)
    {
        var chosen = decision.Candidates.FirstOrDefault(c => c.Chosen);
        var next = decision.Candidates.FirstOrDefault(c => !c.Chosen);
        var agent = decision.AgentId;
        var considered = decision.Considered ?? 0;
        switch (decision.Chose)
        {
            case DecisionTraces.ChoseAgent when decision.Rule != "AgentSelection":
                return $"The call waited for {agent} by name, and {agent} was free.";
            case DecisionTraces.ChoseAgent when chosen is null || next is null:
                return considered <= 1
                    ? $"{agent} was the only suitable idle agent."
                    : $"{agent} was the only one of the {considered} suitable idle agents who had not declined the call.";
            case DecisionTraces.ChoseAgent:
                return $"{agent} was chosen over {considered - 1} other suitable idle agent(s); the closest, {next.Agent}, " +
                       $"came second on {AgentFactor(decision.TieBreak, chosen, next)}.";
            case DecisionTraces.ChoseCall:
                var pool = decision.Rule == "AgentSelection"
                    ? $"waiting calls {agent} could take"
                    : $"calls {agent} could take, those waiting for it by name first";
                if (chosen is null || next is null)
                {
                    return considered <= 1
                        ? $"It was the only one of the {pool}."
                        : $"It was the only one of the {considered} {pool} that {agent} had not declined.";
                }

                return $"It came first of the {considered} {pool}; the next, {next.Call}, " +
                       $"came second on {CallFactor(decision.TieBreak, chosen, next)}.";
            default:
                return "";
        }
    }

    private static string PassedOverSentence(IReadOnlyList<LoggedDecision> passedOver)
    {
        if (passedOver.Count == 0)
        {
            return "";
        }

        var told = passedOver.Take(PassedOverTold).Select(p =>
        {
            var chosen = p.Candidates.FirstOrDefault(c => c.Chosen);
            var next = p.Candidates.FirstOrDefault(c => !c.Chosen);
            var on = chosen is null || next is null ? "" : $", which came first on {CallFactor(p.TieBreak, chosen, next)}";
            return $"at {Time(p.DecidedAt)} {p.AgentId} took {p.CallId}{on}";
        });
        var more = passedOver.Count > PassedOverTold ? $"; and {passedOver.Count - PassedOverTold} more" : "";
        return $" While it waited, {passedOver.Count} call(s) went ahead of it: {string.Join("; ", told)}{more}.";
    }

    private static string AgentFactor(string? tieBreak, LoggedCandidate chosen, LoggedCandidate next) => tieBreak switch
    {
        "proficiency" => $"proficiency ({chosen.Proficiency} against {next.Proficiency} in the required skills)",
        "calls-today" => $"calls handled today ({chosen.CallsToday} against {next.CallsToday})",
        "idle-time" => $"idle time (idle since {Time(chosen.IdleSince)} against {Time(next.IdleSince)})",
        "login-order" => $"login order (equal in all else, {chosen.Agent} logged in first)",
        _ => tieBreak ?? "an unrecorded part of the order",
    };

    private static string CallFactor(string? tieBreak, LoggedCandidate chosen, LoggedCandidate next) => tieBreak switch
    {
        "by-name" => $"being named (it waited for the agent by name; {next.Call} did not)",
        "band" => $"band ({Band(chosen)} before {Band(next)})",
        "wait" when chosen.OverdueSince is not null =>
            $"time overdue (overdue since {Time(chosen.OverdueSince)} against {Time(next.OverdueSince)})",
        "wait" => $"time waited (waiting since {Time(chosen.WaitingSince)} against {Time(next.WaitingSince)}, head starts included)",
        "queue-priority" => $"queue priority ({chosen.QueuePriority} in {chosen.Queue} against {next.QueuePriority} in {next.Queue})",
        "arrival-order" => $"arrival order (equal in band, time waited and queue priority, {chosen.Call} reached the server first)",
        _ => tieBreak ?? "an unrecorded part of the order",
    };

    private static string Band(LoggedCandidate call) => call.Band == "tier" ? $"tier {call.Tier}" : call.Band ?? "?";

    /// <summary>Where the call stood when last told, and why it was not offered: read from its estimate.</summary>
    private static string WaitDetail(LoggedEvent queued, string? preferred)
    {
        int? position = null;
        double? estimate = null;
        if (queued.Detail is { } detail)
        {
            using var json = JsonDocument.Parse(detail);
            if (json.RootElement.TryGetProperty("position", out var p) && p.ValueKind == JsonValueKind.Number)
            {
                position = p.GetInt32();
            }

            if (json.RootElement.TryGetProperty("estimatedWaitSeconds", out var e) && e.ValueKind == JsonValueKind.Number)
            {
                estimate = e.GetDouble();
            }
        }

        // The engine gives no estimate when no suitable agent is staffed, zero when a suitable agent is
        // idle (so the call waits only because those agents declined it), otherwise the M/M/N mean.
        var why = estimate switch
        {
            null => "no agent with the skills it needs was staffed",
            0 => "every suitable idle agent had declined it",
            _ when preferred is not null => $"every suitable agent was busy, or it was kept for its preferred agent {preferred}",
            _ => string.Create(CultureInfo.InvariantCulture, $"every suitable agent was busy (estimated wait {estimate:F0} s)"),
        };
        var where = position is { } at ? $"position {at} at {Time(queued.OccurredAt)}" : $"at {Time(queued.OccurredAt)}";
        return $"{where}, while {why}";
    }

    private static string Time(DateTimeOffset? time) =>
        time is { } t ? t.UtcDateTime.ToString("HH:mm:ss.FFF", CultureInfo.InvariantCulture).TrimEnd('.') : "?";

    private static string Time(DateTime time) => Time(new DateTimeOffset(DateTime.SpecifyKind(time, DateTimeKind.Utc)));

    /// <summary>A row of routing_decisions as Dapper reads it.</summary>
    private sealed class DecisionRow
    {
        public string CallId { get; init; } = "";
        public long Epoch { get; init; }
        public DateTime DecidedAt { get; init; }
        public string QueueId { get; init; } = "";
        public string AgentId { get; init; } = "";
        public string Rule { get; init; } = "";
        public int RelaxationStep { get; init; }
        public TimeSpan Waited { get; init; }
        public long ConfigurationVersion { get; init; }
        public string? Chose { get; init; }
        public int? Considered { get; init; }
        public string? RunnerUp { get; init; }
        public string? TieBreak { get; init; }
        public string? Candidates { get; init; }

        public LoggedDecision ToDecision() =>
            new(Epoch, DecidedAt, QueueId, AgentId, Rule, RelaxationStep, Waited, ConfigurationVersion)
            {
                CallId = CallId,
                Chose = Chose,
                Considered = Considered,
                RunnerUp = RunnerUp,
                TieBreak = TieBreak,
                Candidates = DecisionTraces.ParseCandidates(Candidates),
            };
    }
}
