using System.Globalization;
using System.Text.Json;
using CallCenter.Routing.Agents.Domain;
using CallCenter.Routing.Lifecycle;
using CallCenter.Routing.Matching;
using CallCenter.Routing.Model;

namespace CallCenter.Routing.Host.InteractionLog;

/// <summary>
/// What the core's events say in the log's terms. Pure: the shells that hold the events call it
/// and append what it returns. Gateway, caller and customer are not known to the core; the edge
/// adds them as an <see cref="LogRecord.Interaction"/> piece of its own.
/// </summary>
public static class LogMapping
{
    /// <summary>The call event's own row, and the piece of the interaction's row it fills, if any.</summary>
    public static IReadOnlyList<LogRecord> FromCallEvent(CallEvent e) => FromCallEvent(e, DomainEvents.DefaultDomain);

    /// <summary>The rows of an event of the routing domain <paramref name="domain"/>.</summary>
    public static IReadOnlyList<LogRecord> FromCallEvent(CallEvent e, string domain)
    {
        var entry = Entry(e, domain);
        return Piece(e, domain) is { } piece ? [entry, piece] : [entry];
    }

    public static LogRecord.AgentStateChange FromAgentEvent(
        AgentEvent.StatusChanged e, long sequence, CallId? call = null, string domain = DomainEvents.DefaultDomain) =>
        new(e.Agent, sequence, e.At, e.From, e.To, e.Reason, call) { Domain = domain };

    /// <summary>The offer's row of routing_decisions; its trace becomes JSON only when the writer copies it.</summary>
    public static LogRecord.RoutingDecision FromOffer(CallOffered offer, long configurationVersion, string domain = DomainEvents.DefaultDomain) =>
        new(offer.Call, offer.Epoch, offer.At, offer.Queue, offer.Agent, offer.Rule, offer.RelaxationStep, offer.Waited,
            configurationVersion, offer.Trace) { Domain = domain };

    private static LogRecord.CallEventEntry Entry(CallEvent e, string domain)
    {
        var kind = e.GetType().Name;
        LogRecord.CallEventEntry Row(QueueId? queue = null, AgentId? agent = null, long? epoch = null, object? detail = null) =>
            new(e.Call, e.Sequence, e.At, kind, queue, agent, epoch, detail is null ? null : JsonSerializer.Serialize(detail)) { Domain = domain };

        return e switch
        {
            CallEvent.Arrived a => Row(a.Queue, a.PreferredAgent, detail: new
            {
                tier = a.Tier.Value,
                emergency = a.Emergency,
                extraSkills = a.ExtraSkills.Select(Describe).ToArray(),
                arrivedAt = a.ArrivedAt,
            }),
            CallEvent.Queued q => Row(q.Queue, detail: new { position = q.Position, estimatedWaitSeconds = Seconds(q.EstimatedWait) }),
            CallEvent.Overflowed o => Row(o.To, detail: new { from = o.From.Value, reason = o.Reason?.ToString() }),
            CallEvent.Refused r => Row(r.Queue, detail: new { reason = r.Reason, callbackOffered = r.CallbackOffered }),
            CallEvent.Offered o => Row(agent: o.Offer.Agent, epoch: o.Offer.Epoch),
            CallEvent.OfferReturned r => Row(agent: r.Offer.Agent, epoch: r.Offer.Epoch, detail: new { reason = r.Reason.ToString() }),
            CallEvent.Connected c => Row(agent: c.Connection.Agent, epoch: c.Connection.Epoch),
            CallEvent.Ended end => Row(agent: end.Agent, detail: new { outcome = end.Outcome.ToString(), talkSeconds = Seconds(end.TalkTime) }),
            CallEvent.CallbackScheduled s => Row(detail: new { dueAt = s.DueAt }),
            CallEvent.CallbackDue d => Row(detail: new { dueAt = d.DueAt }),
            CallEvent.CallbackLate l => Row(detail: new { dueAt = l.DueAt, latenessSeconds = l.Lateness.TotalSeconds }),
            CallEvent.TransferStarted t => Row(t.Transfer.Target.Queue, t.Transfer.Target.Agent ?? t.Transfer.FromAgent, detail: new
            {
                transfer = t.Transfer.Kind.ToString(),
                target = t.Transfer.Target.ToString(),
                fromAgent = t.Transfer.FromAgent.Value,
                fromQueue = t.Transfer.FromQueue.Value,
            }),
            CallEvent.TransferTargetOffered o => Row(agent: o.Offer.Agent, epoch: o.Offer.Epoch),
            CallEvent.TransferTargetReturned r => Row(agent: r.Offer.Agent, epoch: r.Offer.Epoch, detail: new { reason = r.Reason.ToString() }),
            CallEvent.TransferCompleted t => Row(agent: t.ToAgent, detail: new { fromAgent = t.FromAgent.Value }),
            CallEvent.TransferFailed f => Row(f.RequeuedIn, detail: new { reason = f.Reason }),
            CallEvent.PositionAnnounced p => Row(p.Queue, detail: new { position = p.Position, estimatedWaitSeconds = Seconds(p.EstimatedWait) }),
            CallEvent.LongWaitCrossed l => Row(detail: new { thresholdSeconds = l.Threshold.TotalSeconds }),
            CallEvent.HeldForAgent h => Row(agent: h.Agent, detail: new { backup = h.Backup }),
            CallEvent.OverflowRefused o => Row(o.Queue, detail: new { refusedBy = o.RefusedBy.Value, reason = o.Reason.ToString() }),
            CallEvent.PreferenceExpired p => Row(agent: p.Agent),
            _ => Row(),
        };
    }

    private static LogRecord.Interaction? Piece(CallEvent e, string domain)
    {
        var piece = new LogRecord.Interaction(e.Call, e.Sequence) { Domain = domain };
        return e switch
        {
            CallEvent.Arrived a => piece with
            {
                Tier = a.Tier,
                Queue = a.Queue,
                RequiredSkills = a.ExtraSkills.Select(Describe).ToArray(),
                PreferredAgent = a.PreferredAgent,
                Emergency = a.Emergency,
                ArrivedAt = a.ArrivedAt,
            },
            CallEvent.Queued q => piece with { Queue = q.Queue, QueuedAt = q.At },
            CallEvent.Overflowed o => piece with { Queue = o.To },
            CallEvent.TransferFailed { RequeuedIn: { } queue } => piece with { Queue = queue },
            CallEvent.Offered o => piece with { FirstOfferedAt = o.At },
            CallEvent.Connected c => piece with { AnsweredAt = c.At, Agent = c.Connection.Agent },
            CallEvent.TransferCompleted t => piece with { Agent = t.ToAgent },
            CallEvent.CallbackRequested r => piece with { CallbackRequestedAt = r.At },
            CallEvent.CallbackScheduled s => piece with { CallbackRequestedAt = s.At },
            CallEvent.Ended end => piece with { EndedAt = end.At, Outcome = end.Outcome, Agent = end.Agent },
            _ => null,
        };
    }

    /// <summary>
    /// The call event a row of call_events records: the inverse of <see cref="FromCallEvent"/>, how
    /// the journal is read back after a restart. Times come back to the microsecond the database keeps.
    /// </summary>
    public static CallEvent ToCallEvent(LogRecord.CallEventEntry row)
    {
        using var document = row.Detail is null ? null : JsonDocument.Parse(row.Detail);
        var detail = document?.RootElement;
        JsonElement Field(string name) => detail is { } d && d.TryGetProperty(name, out var value)
            ? value
            : throw new FormatException($"call_events ({row.Call}, {row.Sequence}): {row.Kind} has no '{name}' in its detail");
        string Text(string name) => Field(name).GetString() ?? "";
        TimeSpan? SecondsOf(string name) => detail is { } d && d.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number
            ? FromSeconds(value.GetDouble())
            : null;
        T Enum<T>(string name) where T : struct, System.Enum => System.Enum.Parse<T>(Text(name));
        T? OptionalEnum<T>(string name) where T : struct, System.Enum =>
            detail is { } d && d.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? System.Enum.Parse<T>(value.GetString()!) : null;
        QueueId Queue() => row.Queue ?? throw new FormatException($"call_events ({row.Call}, {row.Sequence}): {row.Kind} names no queue");
        AgentAssignment Assignment() => new(
            row.Agent ?? throw new FormatException($"call_events ({row.Call}, {row.Sequence}): {row.Kind} names no agent"),
            row.Epoch ?? 0);

        var (call, sequence, at) = (row.Call, row.Sequence, row.At);
        return row.Kind switch
        {
            nameof(CallEvent.Arrived) => new CallEvent.Arrived(call, sequence, at, Queue(), new TierId(Text("tier")),
                Field("emergency").GetBoolean(), row.Agent,
                Array.AsReadOnly(Field("extraSkills").EnumerateArray().Select(s => ParseRequirement(s.GetString() ?? "")).ToArray()),
                Field("arrivedAt").GetDateTimeOffset()),
            nameof(CallEvent.Queued) => new CallEvent.Queued(call, sequence, at, Queue(), Field("position").GetInt32(), SecondsOf("estimatedWaitSeconds")),
            nameof(CallEvent.Overflowed) => new CallEvent.Overflowed(call, sequence, at, new QueueId(Text("from")), Queue(), OptionalEnum<QueueExitReason>("reason")),
            nameof(CallEvent.Refused) => new CallEvent.Refused(call, sequence, at, Queue(), QueueRefusalReasons.FromJournal(Text("reason")), Field("callbackOffered").GetBoolean()),
            nameof(CallEvent.Offered) => new CallEvent.Offered(call, sequence, at, Assignment()),
            nameof(CallEvent.OfferReturned) => new CallEvent.OfferReturned(call, sequence, at, Assignment(), Enum<OfferReturnReason>("reason")),
            nameof(CallEvent.Connected) => new CallEvent.Connected(call, sequence, at, Assignment()),
            nameof(CallEvent.Ended) => new CallEvent.Ended(call, sequence, at, Enum<CallOutcome>("outcome"), row.Agent, SecondsOf("talkSeconds")),
            nameof(CallEvent.CallbackRequested) => new CallEvent.CallbackRequested(call, sequence, at),
            nameof(CallEvent.CallbackScheduled) => new CallEvent.CallbackScheduled(call, sequence, at, Field("dueAt").GetDateTimeOffset()),
            nameof(CallEvent.CallbackDue) => new CallEvent.CallbackDue(call, sequence, at, Field("dueAt").GetDateTimeOffset()),
            nameof(CallEvent.CallbackLate) => new CallEvent.CallbackLate(call, sequence, at, Field("dueAt").GetDateTimeOffset(),
                SecondsOf("latenessSeconds") ?? TimeSpan.Zero),
            nameof(CallEvent.TransferStarted) => new CallEvent.TransferStarted(call, sequence, at, new CallTransfer(
                Enum<TransferKind>("transfer"),
                row.Queue is { } toQueue ? TransferTarget.ToQueue(toQueue) : TransferTarget.ToAgent(row.Agent!.Value),
                new AgentId(Text("fromAgent")), new QueueId(Text("fromQueue")), at)),
            nameof(CallEvent.TransferTargetOffered) => new CallEvent.TransferTargetOffered(call, sequence, at, Assignment()),
            nameof(CallEvent.TransferTargetReturned) => new CallEvent.TransferTargetReturned(call, sequence, at, Assignment(), Enum<OfferReturnReason>("reason")),
            nameof(CallEvent.TransferCompleted) => new CallEvent.TransferCompleted(call, sequence, at, new AgentId(Text("fromAgent")),
                row.Agent ?? throw new FormatException($"call_events ({call}, {sequence}): TransferCompleted names no agent")),
            nameof(CallEvent.TransferFailed) => new CallEvent.TransferFailed(call, sequence, at, Text("reason"), row.Queue),
            nameof(CallEvent.PositionAnnounced) => new CallEvent.PositionAnnounced(call, sequence, at, Field("position").GetInt32(), SecondsOf("estimatedWaitSeconds"), row.Queue),
            nameof(CallEvent.LongWaitCrossed) => new CallEvent.LongWaitCrossed(call, sequence, at, SecondsOf("thresholdSeconds") ?? TimeSpan.Zero),
            nameof(CallEvent.Promoted) => new CallEvent.Promoted(call, sequence, at),
            nameof(CallEvent.OverflowRefused) => new CallEvent.OverflowRefused(call, sequence, at, Queue(), new QueueId(Text("refusedBy")),
                Enum<QueueExitReason>("reason")),
            nameof(CallEvent.HeldForAgent) => new CallEvent.HeldForAgent(call, sequence, at, Assignment().Agent, Field("backup").GetBoolean()),
            nameof(CallEvent.PreferenceExpired) => new CallEvent.PreferenceExpired(call, sequence, at, Assignment().Agent),
            _ => throw new FormatException($"call_events ({call}, {sequence}): unknown kind '{row.Kind}'"),
        };
    }

    private static SkillRequirement ParseRequirement(string described)
    {
        var colon = described.LastIndexOf(':');
        return colon > 0 && int.TryParse(described.AsSpan(colon + 1), NumberStyles.Integer, CultureInfo.InvariantCulture, out var level)
            ? new SkillRequirement(new SkillId(described[..colon]), level)
            : throw new FormatException($"'{described}' is not skill:level");
    }

    /// <summary>"skill:level", the form the required-skills column holds.</summary>
    private static string Describe(SkillRequirement requirement) =>
        string.Create(CultureInfo.InvariantCulture, $"{requirement.Skill.Value}:{requirement.MinimumLevel}");

    private static double? Seconds(TimeSpan? span) => span?.TotalSeconds;

    /// <summary>
    /// The inverse of <see cref="Seconds"/>, to the tick: seconds as a double are a tick's fraction
    /// off now and then, and <see cref="TimeSpan.FromSeconds(double)"/> truncates, so a talk time or a
    /// long-wait threshold would come back a tick short.
    /// </summary>
    private static TimeSpan FromSeconds(double seconds) => TimeSpan.FromTicks((long)Math.Round(seconds * TimeSpan.TicksPerSecond));
}
