using CallCenter.Routing.Agents.Domain;
using Dapper;
using Npgsql;

namespace CallCenter.Routing.Host.InteractionLog;

/// <summary>
/// A report's time range, half-open: a call that arrived exactly at <see cref="From"/> is in it,
/// one that arrived exactly at <see cref="To"/> is not, so consecutive ranges never count a call twice.
/// </summary>
/// <summary>The interactions of one routing domain that arrived from <see cref="From"/> up to (not including) <see cref="To"/>.</summary>
public sealed record ReportRange(DateTimeOffset From, DateTimeOffset To, string Domain = DomainEvents.DefaultDomain);

/// <summary>What traffic figures are grouped by.</summary>
public enum ReportGrouping
{
    /// <summary>The queue the call ended in (after any overflow).</summary>
    Queue,

    /// <summary>The caller's tier.</summary>
    Tier,

    /// <summary>
    /// The agent who held the call last: the one who answered it, or the last one it was
    /// transferred to; for a caller who hung up while ringing, the agent rung. Calls that never
    /// reached an agent form the group with no key.
    /// </summary>
    Agent,
}

/// <summary>
/// Traffic figures of one group (or of all calls, with no key) for calls that arrived in the range.
/// Averages are null when there is nothing to average.
/// </summary>
/// <param name="Offered">Calls that arrived in the range, whatever became of them.</param>
/// <param name="Answered">Outcome Answered. Completed callbacks are counted apart: their wait includes the time until the callback was due.</param>
/// <param name="AnsweredWithinThreshold">Answered calls that waited no longer than the threshold (wait ≤ threshold).</param>
/// <param name="Abandoned">Callers who hung up before an agent answered: while waiting or while an agent's phone rang.</param>
/// <param name="AbandonedWithinThreshold">Short abandons: abandoned calls that waited no longer than the threshold.</param>
/// <param name="InProgress">Calls with no outcome yet (still waiting, ringing, connected, or waiting for a callback).</param>
/// <param name="AverageSpeedOfAnswer">Mean wait of answered calls, from arrival to answer.</param>
/// <param name="AverageTalkTime">Mean talk time of answered calls.</param>
/// <param name="AverageWrapUpTime">Mean wrap-up time of answered calls whose wrap-up end was recorded.</param>
/// <param name="LongestWait">The longest wait of an answered or abandoned call.</param>
public sealed record TrafficFigures(
    string? Key,
    long Offered,
    long Answered,
    long AnsweredWithinThreshold,
    long Abandoned,
    long AbandonedWithinThreshold,
    long CallbacksCompleted,
    long Refused,
    long InProgress,
    TimeSpan? AverageSpeedOfAnswer,
    TimeSpan? AverageTalkTime,
    TimeSpan? AverageWrapUpTime,
    TimeSpan? LongestWait)
{
    /// <summary>Answered / offered.</summary>
    public double? AnswerRate => Offered == 0 ? null : Answered / (double)Offered;

    /// <summary>
    /// Answered within the threshold / (answered + abandoned − abandoned within the threshold):
    /// a caller who hangs up within the threshold counts neither for nor against the service
    /// level, the same rule as the queues' live figures. Null when nothing is counted.
    /// </summary>
    public double? ServiceLevel
    {
        get
        {
            var counted = Answered + Abandoned - AbandonedWithinThreshold;
            return counted == 0 ? null : AnsweredWithinThreshold / (double)counted;
        }
    }

    /// <summary>
    /// Average talk time plus average wrap-up time. The two means are taken separately because a
    /// wrap-up that ended without a disposition has no recorded end: counting it as zero would
    /// understate the handle time. When every wrap-up end is recorded this is mean(talk + wrap-up).
    /// </summary>
    public TimeSpan? AverageHandleTime => AverageTalkTime is { } talk ? talk + (AverageWrapUpTime ?? TimeSpan.Zero) : null;
}

/// <summary>
/// One agent's calls handled (answered calls and completed callbacks it held last) that arrived in
/// the range, beside what customers said of them.
/// </summary>
/// <param name="AverageWrapUpTime">Over the handled calls whose wrap-up end was recorded.</param>
/// <param name="AverageSatisfaction">Mean of the scores given (1–5); null when none was.</param>
/// <param name="Scores">Handled calls with a satisfaction score.</param>
public sealed record AgentScorecard(
    string Agent,
    long CallsHandled,
    TimeSpan? AverageTalkTime,
    TimeSpan? AverageWrapUpTime,
    double? AverageSatisfaction,
    long Scores,
    long Complaints)
{
    /// <summary>Complaints / calls handled.</summary>
    public double? ComplaintRate => CallsHandled == 0 ? null : Complaints / (double)CallsHandled;
}

/// <summary>How many calls of the range one queue wrapped up with a disposition code, and how many of them brought a complaint.</summary>
public sealed record DispositionInQueue(string? Queue, long Calls, long Complaints);

/// <summary>
/// One disposition code over the calls of the range that were given it: how often, with how many
/// complaints and what satisfaction, and in which queues.
/// </summary>
public sealed record DispositionHotSpot(
    string Disposition, long Calls, long Complaints, double? AverageSatisfaction, IReadOnlyList<DispositionInQueue> Queues)
{
    public double? ComplaintRate => Calls == 0 ? null : Complaints / (double)Calls;
}

/// <summary>
/// A callback flagged late within the range: when it was due, when it was flagged and how late it
/// was then, and, once an agent reached the customer, when and how late that was.
/// </summary>
public sealed record LateCallback(
    string Call,
    string? Queue,
    string? Customer,
    string? Caller,
    DateTimeOffset DueAt,
    DateTimeOffset FlaggedAt,
    TimeSpan LatenessWhenFlagged,
    DateTimeOffset? ReachedAt,
    TimeSpan? ReachedLateBy,
    string? Outcome);

/// <summary>
/// The report queries over the interaction log. They read the views of
/// <c>deploy/migrations/0002_reports.sql</c>, the same a person queries with psql, and select
/// interactions by arrival within a <see cref="ReportRange"/> (late callbacks: by when they were flagged).
/// </summary>
public sealed class InteractionReports(NpgsqlDataSource dataSource)
{
    private const string InRange = "domain_id = @Domain AND arrived_at >= @From AND arrived_at < @To";

    /// <summary>Traffic figures per group, ordered by key, and the figures of all calls of the range.</summary>
    public async Task<(IReadOnlyList<TrafficFigures> Groups, TrafficFigures Total)> TrafficAsync(
        ReportRange range, ReportGrouping grouping, TimeSpan serviceLevelThreshold, CancellationToken cancellationToken = default)
    {
        // The column comes from the enum, never from the request's text.
        var key = grouping switch
        {
            ReportGrouping.Queue => "queue_id",
            ReportGrouping.Tier => "tier",
            ReportGrouping.Agent => "agent_id",
            _ => throw new ArgumentOutOfRangeException(nameof(grouping), grouping, null),
        };
        var sql =
            $"""
             SELECT GROUPING({key}) = 1 AS "IsTotal",
                    {key} AS "Key",
                    count(*) AS "Offered",
                    count(*) FILTER (WHERE answered) AS "Answered",
                    count(*) FILTER (WHERE answered AND wait_seconds <= @Threshold) AS "AnsweredWithinThreshold",
                    count(*) FILTER (WHERE abandoned) AS "Abandoned",
                    count(*) FILTER (WHERE abandoned AND wait_seconds <= @Threshold) AS "AbandonedWithinThreshold",
                    count(*) FILTER (WHERE outcome = 'CallbackCompleted') AS "CallbacksCompleted",
                    count(*) FILTER (WHERE outcome = 'Refused') AS "Refused",
                    count(*) FILTER (WHERE in_progress) AS "InProgress",
                    avg(wait_seconds) FILTER (WHERE answered) AS "AverageSpeedOfAnswerSeconds",
                    avg(talk_seconds) FILTER (WHERE answered) AS "AverageTalkSeconds",
                    avg(wrap_up_seconds) FILTER (WHERE answered) AS "AverageWrapUpSeconds",
                    max(wait_seconds) FILTER (WHERE answered OR abandoned) AS "LongestWaitSeconds"
             FROM report_interactions
             WHERE {InRange}
             GROUP BY GROUPING SETS (({key}), ())
             ORDER BY GROUPING({key}), {key} NULLS LAST
             """;
        var parameters = Parameters(range);
        parameters.Add("Threshold", serviceLevelThreshold.TotalSeconds);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<TrafficRow>(new CommandDefinition(
            sql, parameters, cancellationToken: cancellationToken)).ConfigureAwait(false);

        var groups = new List<TrafficFigures>();
        TrafficFigures? total = null;
        foreach (var row in rows)
        {
            if (row.IsTotal)
            {
                total = row.ToFigures(key: null);
            }
            else
            {
                groups.Add(row.ToFigures(row.Key));
            }
        }

        // The empty grouping set gives a row even for an empty range; this is only a guard.
        return (groups, total ?? new TrafficFigures(null, 0, 0, 0, 0, 0, 0, 0, 0, null, null, null, null));
    }

    /// <summary>One scorecard per agent who handled a call of the range, ordered by agent.</summary>
    public async Task<IReadOnlyList<AgentScorecard>> AgentScorecardsAsync(ReportRange range, CancellationToken cancellationToken = default)
    {
        const string sql =
            $"""
             SELECT agent_id AS "Agent",
                    count(*) AS "CallsHandled",
                    avg(talk_seconds) AS "AverageTalkSeconds",
                    avg(wrap_up_seconds) AS "AverageWrapUpSeconds",
                    avg(satisfaction_score)::double precision AS "AverageSatisfaction",
                    count(satisfaction_score) AS "Scores",
                    count(*) FILTER (WHERE complaint) AS "Complaints"
             FROM report_interactions
             WHERE {InRange} AND handled AND agent_id IS NOT NULL
             GROUP BY agent_id
             ORDER BY agent_id
             """;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<ScorecardRow>(new CommandDefinition(
            sql, Parameters(range), cancellationToken: cancellationToken)).ConfigureAwait(false);
        return rows.Select(row => new AgentScorecard(
                row.Agent, row.CallsHandled, Seconds(row.AverageTalkSeconds), Seconds(row.AverageWrapUpSeconds),
                row.AverageSatisfaction, row.Scores, row.Complaints))
            .ToList();
    }

    /// <summary>
    /// Disposition codes given to calls of the range, the most frequent first (ties by code), each
    /// with its queues in the same order. Calls without a code are left out.
    /// </summary>
    public async Task<IReadOnlyList<DispositionHotSpot>> DispositionHotSpotsAsync(ReportRange range, CancellationToken cancellationToken = default)
    {
        const string sql =
            $"""
             SELECT disposition_code AS "Disposition",
                    GROUPING(queue_id) = 1 AS "IsCodeTotal",
                    queue_id AS "Queue",
                    count(*) AS "Calls",
                    count(*) FILTER (WHERE complaint) AS "Complaints",
                    avg(satisfaction_score)::double precision AS "AverageSatisfaction"
             FROM report_interactions
             WHERE {InRange} AND disposition_code IS NOT NULL
             GROUP BY GROUPING SETS ((disposition_code), (disposition_code, queue_id))
             """;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var rows = (await connection.QueryAsync<DispositionRow>(new CommandDefinition(
            sql, Parameters(range), cancellationToken: cancellationToken)).ConfigureAwait(false)).ToList();

        var queuesByCode = rows.Where(row => !row.IsCodeTotal).ToLookup(row => row.Disposition);
        return rows.Where(row => row.IsCodeTotal)
            .OrderByDescending(row => row.Calls).ThenBy(row => row.Disposition, StringComparer.Ordinal)
            .Select(code => new DispositionHotSpot(
                code.Disposition, code.Calls, code.Complaints, code.AverageSatisfaction,
                queuesByCode[code.Disposition]
                    .OrderByDescending(row => row.Calls).ThenBy(row => row.Queue, StringComparer.Ordinal)
                    .Select(row => new DispositionInQueue(row.Queue, row.Calls, row.Complaints))
                    .ToList()))
            .ToList();
    }

    /// <summary>Callbacks flagged late within the range (by when they were flagged), the latest-flagged last.</summary>
    public async Task<IReadOnlyList<LateCallback>> LateCallbacksAsync(ReportRange range, CancellationToken cancellationToken = default)
    {
        const string sql =
            """
            SELECT call_id AS "Call", queue_id AS "Queue", customer_id AS "Customer", caller AS "Caller",
                   due_at AS "DueAt", flagged_at AS "FlaggedAt", lateness_seconds_when_flagged AS "LatenessSecondsWhenFlagged",
                   reached_at AS "ReachedAt", reached_late_by_seconds AS "ReachedLateBySeconds", outcome AS "Outcome"
            FROM report_late_callbacks
            WHERE domain_id = @Domain AND flagged_at >= @From AND flagged_at < @To
            ORDER BY flagged_at, call_id
            """;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<LateCallbackRow>(new CommandDefinition(
            sql, Parameters(range), cancellationToken: cancellationToken)).ConfigureAwait(false);
        return rows.Select(row => new LateCallback(
                row.Call, row.Queue, row.Customer, row.Caller, Utc(row.DueAt), Utc(row.FlaggedAt),
                TimeSpan.FromSeconds(row.LatenessSecondsWhenFlagged), row.ReachedAt is { } reached ? Utc(reached) : null,
                Seconds(row.ReachedLateBySeconds), row.Outcome))
            .ToList();
    }

    /// <summary>Npgsql writes only UTC offsets into timestamptz.</summary>
    private static DynamicParameters Parameters(ReportRange range)
    {
        var parameters = new DynamicParameters();
        parameters.Add("From", range.From.ToUniversalTime());
        parameters.Add("To", range.To.ToUniversalTime());
        parameters.Add("Domain", range.Domain);
        return parameters;
    }

    private static DateTimeOffset Utc(DateTime moment) => new(DateTime.SpecifyKind(moment, DateTimeKind.Utc));

    private static TimeSpan? Seconds(double? seconds) => seconds is { } value ? TimeSpan.FromSeconds(value) : null;

    // Dapper fills these by column name; the public records stay free of database shapes.
    private sealed class TrafficRow
    {
        public bool IsTotal { get; init; }
        public string? Key { get; init; }
        public long Offered { get; init; }
        public long Answered { get; init; }
        public long AnsweredWithinThreshold { get; init; }
        public long Abandoned { get; init; }
        public long AbandonedWithinThreshold { get; init; }
        public long CallbacksCompleted { get; init; }
        public long Refused { get; init; }
        public long InProgress { get; init; }
        public double? AverageSpeedOfAnswerSeconds { get; init; }
        public double? AverageTalkSeconds { get; init; }
        public double? AverageWrapUpSeconds { get; init; }
        public double? LongestWaitSeconds { get; init; }

        public TrafficFigures ToFigures(string? key) => new(
            key, Offered, Answered, AnsweredWithinThreshold, Abandoned, AbandonedWithinThreshold, CallbacksCompleted,
            Refused, InProgress, Seconds(AverageSpeedOfAnswerSeconds), Seconds(AverageTalkSeconds),
            Seconds(AverageWrapUpSeconds), Seconds(LongestWaitSeconds));
    }

    private sealed class ScorecardRow
    {
        public string Agent { get; init; } = "";
        public long CallsHandled { get; init; }
        public double? AverageTalkSeconds { get; init; }
        public double? AverageWrapUpSeconds { get; init; }
        public double? AverageSatisfaction { get; init; }
        public long Scores { get; init; }
        public long Complaints { get; init; }
    }

    private sealed class DispositionRow
    {
        public string Disposition { get; init; } = "";
        public bool IsCodeTotal { get; init; }
        public string? Queue { get; init; }
        public long Calls { get; init; }
        public long Complaints { get; init; }
        public double? AverageSatisfaction { get; init; }
    }

    private sealed class LateCallbackRow
    {
        public string Call { get; init; } = "";
        public string? Queue { get; init; }
        public string? Customer { get; init; }
        public string? Caller { get; init; }
        // Npgsql reads timestamptz as a UTC DateTime.
        public DateTime DueAt { get; init; }
        public DateTime FlaggedAt { get; init; }
        public double LatenessSecondsWhenFlagged { get; init; }
        public DateTime? ReachedAt { get; init; }
        public double? ReachedLateBySeconds { get; init; }
        public string? Outcome { get; init; }
    }
}
