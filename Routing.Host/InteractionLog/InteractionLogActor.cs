using Akka.Actor;
using CallCenter.Routing.Agents.AgentActors;
using CallCenter.Routing.Agents.Dispatching;
using CallCenter.Routing.Agents.Domain;
using CallCenter.Routing.Agents.Serialization;
using CallCenter.Routing.Lifecycle;
using CallCenter.Routing.Model;

namespace CallCenter.Routing.Host.InteractionLog;

/// <summary>
/// Feeds the interaction log from the actor system's events: every call event (with its piece of
/// the interaction's row), every routing decision, every agent status change, every disposition.
/// Appends go to the writer in the order the events arrive; the writer completes them in that
/// order (it may commit two batches at once, but holds a later batch's completion until the
/// earlier ones are committed).
/// <para>
/// A <see cref="DomainProtocol.WhenDurable"/> (from a domain on this node, for its edge) or a
/// <see cref="Barrier"/> is answered once everything appended before it is committed. A call actor
/// publishes its events before it answers a command, so an edge that asks after the answer learns
/// when what the command caused is durable.
/// </para>
/// </summary>
public sealed class InteractionLogActor : ReceiveActor
{
    private readonly InteractionLogWriter _writer;

    /// <summary>
    /// Agent status changes are numbered per agent from a base taken at start, so the numbers of
    /// one run never collide with an earlier run's in the log's key.
    /// </summary>
    private readonly long _agentSequenceBase;

    private readonly Dictionary<AgentId, long> _agentSequences = [];

    /// <summary>The incarnation of each domain serving on this node, which its records are written under (<see cref="LogFence"/>).</summary>
    private readonly Dictionary<string, LogFence> _fences = [];

    /// <summary>The commit of the last append: when it completes, every earlier append has too.</summary>
    private Task _lastAppend = Task.CompletedTask;

    public InteractionLogActor(InteractionLogWriter writer, DateTimeOffset startedAt)
    {
        _writer = writer;
        _agentSequenceBase = startedAt.ToUnixTimeMilliseconds() * 1_000_000;
        Receive<DomainProtocol.Serving>(m => _fences[m.Domain] = new LogFence(m.Domain, m.Incarnation));
        Receive<DomainEvent<CallEvent>>(e => Append(LogMapping.FromCallEvent(e.Event, e.Domain)));
        Receive<DomainEvent<AgentEvent>>(e => HandleStatusChanged(e.Domain, e.Event as AgentEvent.StatusChanged));
        Receive<DomainEvent<DispositionRecorded>>(e => HandleDisposition(e.Domain, e.Event));
        Receive<DomainEvent<Dispatch.DecisionMade>>(e => Append([LogMapping.FromOffer(e.Event.Offer, e.Event.ConfigurationVersion, e.Domain)]));
        Receive<DomainEvent<AgentProtocol.Checkpoint>>(e => Append([new LogRecord.AgentCheckpoint(e.Event.Agent, e.Event.Version, e.Event) { Domain = e.Domain }]));
        Receive<DomainProtocol.WhenDurable>(HandleWhenDurable);
        Receive<Barrier>(_ => Sender.Tell(new BarrierReached(_lastAppend)));
    }

    public static Props Props(InteractionLogWriter writer, DateTimeOffset startedAt) =>
        Akka.Actor.Props.Create(() => new InteractionLogActor(writer, startedAt));

    protected override void PreStart()
    {
        Context.System.EventStream.Subscribe(Self, typeof(DomainEvent<CallEvent>));
        Context.System.EventStream.Subscribe(Self, typeof(DomainEvent<AgentEvent>));
        Context.System.EventStream.Subscribe(Self, typeof(DomainEvent<DispositionRecorded>));
        Context.System.EventStream.Subscribe(Self, typeof(DomainEvent<Dispatch.DecisionMade>));
        Context.System.EventStream.Subscribe(Self, typeof(DomainEvent<AgentProtocol.Checkpoint>));
    }

    protected override void PostStop() => Context.System.EventStream.Unsubscribe(Self);

    private void HandleStatusChanged(string domain, AgentEvent.StatusChanged? changed)
    {
        if (changed is null)
        {
            return;
        }

        var sequence = _agentSequences.TryGetValue(changed.Agent, out var last) ? last + 1 : _agentSequenceBase + 1;
        _agentSequences[changed.Agent] = sequence;
        Append([LogMapping.FromAgentEvent(changed, sequence, domain: domain)]);
    }

    private void HandleDisposition(string domain, DispositionRecorded recorded)
    {
        var disposition = recorded.Disposition;
        Append([new LogRecord.Interaction(disposition.Call, 0)
        {
            Domain = domain,
            DispositionCode = disposition.Code,
            Notes = disposition.Notes,
            SatisfactionScore = disposition.SatisfactionScore is { } score ? (short)score : null,
            Complaint = disposition.Complaint,
            WrapUpEndedAt = recorded.At,
        }]);
    }

    /// <summary>
    /// Logs the edge's records after everything before them, then answers when all of it is
    /// committed: an edge on this node gets the commit's task at once (it waits as long as the
    /// database is away); one on another node, which cannot hold a task, gets the word when it is done.
    /// </summary>
    private void HandleWhenDurable(DomainProtocol.WhenDurable request)
    {
        if (request.Records.Count > 0)
        {
            Append(request.Records.Cast<LogRecord>().ToList());
        }

        if (Sender.Path.Address.HasLocalScope)
        {
            Sender.Tell(new DomainProtocol.Committing(_lastAppend));
        }
        else
        {
            _lastAppend.PipeTo(Sender, success: () => DomainProtocol.Durable.Instance);
        }
    }

    /// <summary>
    /// Hands the records (all of one domain) to the writer without waiting: a full buffer holds back
    /// the barrier's answer, not this actor. They are fenced by their domain's incarnation here.
    /// </summary>
    private void Append(IReadOnlyList<LogRecord> records) =>
        _lastAppend = _writer.AppendAsync(records, _fences.GetValueOrDefault(records[0].Domain));

    /// <summary>Asks when everything appended so far is durable.</summary>
    public sealed record Barrier : IRoutingMessage
    {
        public static readonly Barrier Instance = new();

        private Barrier()
        {
        }
    }

    /// <summary>Completes once the appends before the barrier are committed; faults if they could not be.</summary>
    // Carries a task, which completes in this process only.
    public sealed record BarrierReached(Task Committed) : INoSerializationVerificationNeeded;
}
