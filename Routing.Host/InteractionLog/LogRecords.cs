using CallCenter.Routing.Agents.Domain;
using CallCenter.Routing.Agents.Serialization;
using CallCenter.Routing.Lifecycle;
using CallCenter.Routing.Matching;
using CallCenter.Routing.Model;

namespace CallCenter.Routing.Host.InteractionLog;

/// <summary>
/// One row (or one piece of a row) of the interaction log. Closed: every kind is nested here.
/// Each kind has a natural key, so writing the same record twice leaves one row.
/// </summary>
public abstract record LogRecord : IRoutingMessage
{
    private LogRecord()
    {
    }

    /// <summary>The routing domain the row belongs to.</summary>
    public string Domain { get; init; } = DomainEvents.DefaultDomain;

    /// <summary>
    /// A piece of an interaction's row: the fields it knows, null for the rest. Pieces are merged
    /// by <see cref="InteractionMerge"/> in the writer and in the database alike.
    /// <see cref="Sequence"/> is the call event that produced the piece (0 for annotations that
    /// come from outside the call's order, such as a disposition or a survey score).
    /// </summary>
    public sealed record Interaction(CallId Call, long Sequence) : LogRecord
    {
        public string? Gateway { get; init; }
        public string? Caller { get; init; }
        public string? Customer { get; init; }

        /// <summary>What the gateway attached at the arrival, as a JSON object of strings; null when nothing.</summary>
        public string? Attributes { get; init; }
        public TierId? Tier { get; init; }
        public QueueId? Queue { get; init; }
        public IReadOnlyList<string>? RequiredSkills { get; init; }
        public AgentId? PreferredAgent { get; init; }
        public bool? Emergency { get; init; }
        public DateTimeOffset? ArrivedAt { get; init; }
        public DateTimeOffset? QueuedAt { get; init; }
        public DateTimeOffset? FirstOfferedAt { get; init; }
        public DateTimeOffset? AnsweredAt { get; init; }
        public DateTimeOffset? EndedAt { get; init; }
        public DateTimeOffset? WrapUpEndedAt { get; init; }
        public CallOutcome? Outcome { get; init; }
        public AgentId? Agent { get; init; }
        public string? DispositionCode { get; init; }
        public string? Notes { get; init; }
        public short? SatisfactionScore { get; init; }
        public bool? Complaint { get; init; }
        public DateTimeOffset? CallbackRequestedAt { get; init; }
        public CallId? LinkedCall { get; init; }

        /// <summary>How <see cref="LinkedCall"/> relates to this one: "callback", "transfer", ...</summary>
        public string? LinkKind { get; init; }
    }

    /// <summary>One event of a call, in the call's own order. <see cref="Detail"/> is JSON, or null.</summary>
    public sealed record CallEventEntry(
        CallId Call, long Sequence, DateTimeOffset At, string Kind, QueueId? Queue, AgentId? Agent, long? Epoch,
        string? Detail) : LogRecord;

    /// <summary>
    /// One change of an agent's status. <see cref="Sequence"/> numbers the agent's changes
    /// (its shell counts them), which is what makes a replayed change recognisable.
    /// </summary>
    public sealed record AgentStateChange(
        AgentId Agent, long Sequence, DateTimeOffset At, AgentStatus From, AgentStatus To, string Reason,
        CallId? Call) : LogRecord;

    /// <summary>
    /// Why a call was offered to an agent: the rule and its relaxation step, what the engine weighed
    /// the choice against (<see cref="Trace"/>: the candidates it held, the runner-up, the deciding part
    /// of the order; null when none was recorded), and the configuration that decided.
    /// </summary>
    public sealed record RoutingDecision(
        CallId Call, long Epoch, DateTimeOffset At, QueueId Queue, AgentId Agent, MatchRule Rule, int RelaxationStep,
        TimeSpan Waited, long ConfigurationVersion, OfferTrace? Trace)
        : LogRecord;

    /// <summary>
    /// An agent's checkpoint (its state as JSON, see <see cref="AgentJournal"/>): one row per agent,
    /// overwritten only by a higher <see cref="Version"/>.
    /// </summary>
    public sealed record AgentCheckpoint(AgentId Agent, long Version, Agents.AgentActors.AgentProtocol.Checkpoint Checkpoint) : LogRecord;

    /// <summary>A gateway's event that was accepted, remembered for the resend window.</summary>
    public sealed record GatewayEvent(string Gateway, string EventId, DateTimeOffset At) : LogRecord;
}
