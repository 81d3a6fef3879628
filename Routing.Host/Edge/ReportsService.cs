using CallCenter.Routing.Host.Configuration;
using CallCenter.Routing.Configuration;
using CallCenter.Routing.Host.InteractionLog;
using CallCenter.Routing.Lifecycle;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Npgsql;
using Status = Grpc.Core.Status;
using V1 = CallCenter.Protos.V1;

namespace CallCenter.Routing.Host.Edge;

/// <summary>
/// The operators' reports over the routing domain each request names (<see cref="DomainClient.DomainHeader"/>):
/// each request is checked, queried against the interaction log, and mapped back.
/// </summary>
public sealed class ReportsService(LogDatabase database, RoutingDomains domains, DomainClient client) : V1.Reports.ReportsBase
{
    /// <summary>Longer ranges are refused: a report reads every interaction of its range.</summary>
    public static readonly TimeSpan MaxRange = TimeSpan.FromDays(366);

    /// <summary>Thresholds beyond this are surely a mistake of units.</summary>
    public static readonly TimeSpan MaxServiceLevelThreshold = TimeSpan.FromHours(24);

    // The same default as the queues' live figures, so a report and a wallboard agree.
    private TimeSpan DefaultThreshold(string domain) =>
        domains[domain].Routing.Tiers is { Count: > 0 } tiers ? tiers[0].ServiceLevelThreshold : TimeSpan.FromSeconds(15);

    public override async Task<V1.SummaryReply> Summary(V1.SummaryRequest request, ServerCallContext context)
    {
        var domain = client.DomainOf(context);
        var (range, grouping, threshold) = RequestChecks.Checked(() => (
            Range(request.From, request.To, domain),
            Grouping(request.GroupBy),
            Threshold(request.ServiceLevelThreshold, domain)));
        var (groups, total) = await Query(reports => reports.TrafficAsync(range, grouping, threshold, context.CancellationToken));

        var reply = new V1.SummaryReply
        {
            From = request.From, To = request.To, GroupBy = request.GroupBy, ServiceLevelThreshold = threshold.ToProto(), Total = ToProto(total),
        };
        reply.Groups.AddRange(groups.Select(ToProto));
        return reply;
    }

    public override async Task<V1.AgentScorecardsReply> AgentScorecards(V1.AgentScorecardsRequest request, ServerCallContext context)
    {
        var range = RequestChecks.Checked(() => Range(request.From, request.To, client.DomainOf(context)));
        var scorecards = await Query(reports => reports.AgentScorecardsAsync(range, context.CancellationToken));

        var reply = new V1.AgentScorecardsReply();
        reply.Agents.AddRange(scorecards.Select(card =>
        {
            var proto = new V1.AgentScorecard
            {
                AgentId = card.Agent,
                CallsHandled = card.CallsHandled,
                AverageTalkTime = card.AverageTalkTime?.ToProto(),
                AverageWrapUpTime = card.AverageWrapUpTime?.ToProto(),
                SatisfactionScores = card.Scores,
                Complaints = card.Complaints,
            };
            if (card.AverageSatisfaction is { } satisfaction)
            {
                proto.AverageSatisfaction = satisfaction;
            }

            if (card.ComplaintRate is { } rate)
            {
                proto.ComplaintRate = rate;
            }

            return proto;
        }));
        return reply;
    }

    public override async Task<V1.DispositionHotSpotsReply> DispositionHotSpots(V1.DispositionHotSpotsRequest request, ServerCallContext context)
    {
        var range = RequestChecks.Checked(() => Range(request.From, request.To, client.DomainOf(context)));
        var hotSpots = await Query(reports => reports.DispositionHotSpotsAsync(range, context.CancellationToken));

        var reply = new V1.DispositionHotSpotsReply();
        reply.HotSpots.AddRange(hotSpots.Select(spot =>
        {
            var proto = new V1.DispositionHotSpot { DispositionCode = spot.Disposition, Calls = spot.Calls, Complaints = spot.Complaints };
            if (spot.ComplaintRate is { } rate)
            {
                proto.ComplaintRate = rate;
            }

            if (spot.AverageSatisfaction is { } satisfaction)
            {
                proto.AverageSatisfaction = satisfaction;
            }

            proto.Queues.AddRange(spot.Queues.Select(q => new V1.DispositionInQueue { QueueId = q.Queue ?? "", Calls = q.Calls, Complaints = q.Complaints }));
            return proto;
        }));
        return reply;
    }

    public override async Task<V1.LateCallbacksReply> LateCallbacks(V1.LateCallbacksRequest request, ServerCallContext context)
    {
        var range = RequestChecks.Checked(() => Range(request.From, request.To, client.DomainOf(context)));
        var late = await Query(reports => reports.LateCallbacksAsync(range, context.CancellationToken));

        var reply = new V1.LateCallbacksReply();
        reply.Callbacks.AddRange(late.Select(callback => new V1.LateCallback
        {
            CallId = callback.Call,
            QueueId = callback.Queue ?? "",
            CustomerId = callback.Customer ?? "",
            CallerNumber = callback.Caller ?? "",
            DueAt = callback.DueAt.ToProto(),
            FlaggedLateAt = callback.FlaggedAt.ToProto(),
            LatenessWhenFlagged = callback.LatenessWhenFlagged.ToProto(),
            ReachedAt = callback.ReachedAt?.ToProto(),
            ReachedLateBy = callback.ReachedLateBy?.ToProto(),
            Outcome = Outcome(callback.Outcome).ToProto(),
        }));
        return reply;
    }

    /// <summary>The log stores outcomes by their core names; an open callback has none.</summary>
    private static CallOutcome? Outcome(string? stored) =>
        System.Enum.TryParse<CallOutcome>(stored, out var outcome) ? outcome : null;

    private static V1.TrafficFigures ToProto(TrafficFigures figures)
    {
        var proto = new V1.TrafficFigures
        {
            Key = figures.Key ?? "",
            Offered = figures.Offered,
            Answered = figures.Answered,
            AnsweredWithinThreshold = figures.AnsweredWithinThreshold,
            Abandoned = figures.Abandoned,
            AbandonedWithinThreshold = figures.AbandonedWithinThreshold,
            CallbacksCompleted = figures.CallbacksCompleted,
            Refused = figures.Refused,
            InProgress = figures.InProgress,
            AverageSpeedOfAnswer = figures.AverageSpeedOfAnswer?.ToProto(),
            AverageHandleTime = figures.AverageHandleTime?.ToProto(),
            AverageTalkTime = figures.AverageTalkTime?.ToProto(),
            AverageWrapUpTime = figures.AverageWrapUpTime?.ToProto(),
            LongestWait = figures.LongestWait?.ToProto(),
        };
        if (figures.AnswerRate is { } answerRate)
        {
            proto.AnswerRate = answerRate;
        }

        if (figures.ServiceLevel is { } serviceLevel)
        {
            proto.ServiceLevel = serviceLevel;
        }

        return proto;
    }

    private static ReportRange Range(Timestamp? from, Timestamp? to, string domain)
    {
        var start = Moment(from, "from");
        var end = Moment(to, "to");
        if (end <= start)
        {
            throw RequestChecks.Invalid("to", "must be after from");
        }

        if (end - start > MaxRange)
        {
            throw RequestChecks.Invalid("to", $"the range must span at most {MaxRange.TotalDays:0} days");
        }

        return new ReportRange(start, end, domain);
    }

    private static DateTimeOffset Moment(Timestamp? moment, string field)
    {
        if (moment is null)
        {
            throw RequestChecks.Invalid(field, "is required");
        }

        try
        {
            return moment.ToDateTimeOffset();
        }
        catch (InvalidOperationException)
        {
            throw RequestChecks.Invalid(field, "is not a valid timestamp");
        }
    }

    private static ReportGrouping Grouping(V1.ReportGrouping grouping) => grouping switch
    {
        V1.ReportGrouping.Queue => ReportGrouping.Queue,
        V1.ReportGrouping.Tier => ReportGrouping.Tier,
        V1.ReportGrouping.Agent => ReportGrouping.Agent,
        _ => throw RequestChecks.Invalid("group_by", "must be REPORT_GROUPING_QUEUE, REPORT_GROUPING_TIER or REPORT_GROUPING_AGENT"),
    };

    private TimeSpan Threshold(Duration? threshold, string domain)
    {
        if (threshold is null)
        {
            return DefaultThreshold(domain);
        }

        TimeSpan span;
        try
        {
            span = threshold.ToTimeSpan();
        }
        catch (InvalidOperationException)
        {
            throw RequestChecks.Invalid("service_level_threshold", "is not a valid duration");
        }

        if (span < TimeSpan.Zero)
        {
            throw RequestChecks.Invalid("service_level_threshold", "must not be negative");
        }

        if (span > MaxServiceLevelThreshold)
        {
            throw RequestChecks.Invalid("service_level_threshold", $"must be at most {MaxServiceLevelThreshold.TotalHours:0} hours");
        }

        return span;
    }

    public override async Task<V1.CallExplanation> ExplainCall(V1.ExplainCallRequest request, ServerCallContext context)
    {
        var callId = RequestChecks.Checked(() => RequestChecks.Id(request.CallId, "call_id"));
        var explanation = await Read(dataSource => new CallExplanations(dataSource).Explain(callId, client.DomainOf(context), context.CancellationToken));
        if (explanation is null)
        {
            throw RequestChecks.NotFound("call_id", $"the log has nothing of call '{callId}'").ToRpcException();
        }

        var reply = new V1.CallExplanation { CallId = callId, Summary = explanation.Summary };
        reply.Decisions.AddRange(explanation.Decisions.Select(ToProto));
        reply.PassedOver.AddRange(explanation.PassedOver.Select(ToProto));
        reply.Events.AddRange(explanation.Events.Select(e => new V1.LoggedCallEvent
        {
            Sequence = e.Sequence,
            At = Timestamp.FromDateTime(DateTime.SpecifyKind(e.OccurredAt, DateTimeKind.Utc)),
            Kind = e.Kind,
            QueueId = e.QueueId ?? "",
            AgentId = e.AgentId ?? "",
            Detail = e.Detail ?? "",
        }));
        return reply;
    }

    private static V1.RoutingDecision ToProto(LoggedDecision d)
    {
        var decision = new V1.RoutingDecision
        {
            Epoch = d.Epoch,
            DecidedAt = Timestamp.FromDateTime(DateTime.SpecifyKind(d.DecidedAt, DateTimeKind.Utc)),
            QueueId = d.QueueId,
            AgentId = d.AgentId,
            Rule = d.Rule,
            RelaxationStep = d.RelaxationStep,
            Waited = Duration.FromTimeSpan(d.Waited),
            ConfigurationVersion = d.ConfigurationVersion,
            CallId = d.CallId,
            Chose = d.Chose ?? "",
            Considered = d.Considered ?? 0,
            TieBreak = d.TieBreak ?? "",
            Reason = CallExplanations.Reason(d),
        };
        decision.Candidates.AddRange(d.Candidates.Select(c => new V1.DecisionCandidate
        {
            Chosen = c.Chosen,
            AgentId = c.Agent ?? "",
            Proficiency = c.Proficiency ?? 0,
            CallsToday = c.CallsToday ?? 0,
            IdleSince = c.IdleSince is { } idle ? Timestamp.FromDateTimeOffset(idle) : null,
            LoginOrder = c.LoginOrder ?? 0,
            CallId = c.Call ?? "",
            QueueId = c.Queue ?? "",
            TierId = c.Tier ?? "",
            ByName = c.ByName ?? false,
            Band = c.Band ?? "",
            WaitingSince = c.WaitingSince is { } waiting ? Timestamp.FromDateTimeOffset(waiting) : null,
            OverdueSince = c.OverdueSince is { } overdue ? Timestamp.FromDateTimeOffset(overdue) : null,
            QueuePriority = c.QueuePriority ?? 0,
            ArrivalOrder = c.ArrivalOrder ?? 0,
        }));
        return decision;
    }

    private Task<T> Query<T>(Func<InteractionReports, Task<T>> report) => Read(dataSource => report(new InteractionReports(dataSource)));

    /// <summary>Reads the interaction log; a log that is not up (yet) answers UNAVAILABLE, so the caller may retry.</summary>
    private async Task<T> Read<T>(Func<NpgsqlDataSource, Task<T>> read)
    {
        var dataSource = database.DataSource
            ?? throw RequestChecks.Unavailable("the interaction log has not started yet").ToRpcException();
        try
        {
            return await read(dataSource);
        }
        catch (NpgsqlException error)
        {
            throw RequestChecks.Unavailable($"the interaction log cannot be read: {error.Message}").ToRpcException();
        }
    }
}
