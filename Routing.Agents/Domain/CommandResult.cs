using Akka.Actor;
using CallCenter.Routing.Agents.Serialization;
using CallCenter.Routing.Model;

namespace CallCenter.Routing.Agents.Domain;

/// <summary>The answer to every command sent to the domain: how it ended.</summary>
public sealed record CommandResult(Outcome Outcome) : IRoutingMessage
{
    public static readonly CommandResult Ok = new(Outcome.Ok);
    public static readonly CommandResult Unchanged = new(Outcome.Unchanged);

    /// <summary>The shared answer for the two plain outcomes (nearly every answer), a new one for a refusal.</summary>
    internal static CommandResult Of(Outcome outcome) =>
        outcome == Outcome.Ok ? Ok : outcome == Outcome.Unchanged ? Unchanged : new CommandResult(outcome);
}

/// <summary>Commands and queries that name their agent, so the domain can route them.</summary>
public interface IAgentMessage : IRoutingMessage
{
    Model.AgentId Agent { get; }
}

/// <summary>Commands and queries that name their call, so the domain can route them.</summary>
public interface ICallMessage : IRoutingMessage
{
    Model.CallId Call { get; }
}

/// <summary>What the domain itself is asked.</summary>
public static class DomainProtocol
{
    /// <summary>
    /// Answered with <see cref="Ready"/> once the domain serves: at once, or, for a domain that
    /// recovers from its journal, once it has.
    /// </summary>
    public sealed record WhenReady : IRoutingMessage
    {
        public static readonly WhenReady Instance = new();

        private WhenReady()
        {
        }
    }

    /// <summary>
    /// Answered once everything the domain's events caused so far is committed to the log of the
    /// node the domain runs on, <paramref name="Records"/> (what only the edge knows, such as a
    /// gateway's event id) in the same commit or an earlier one. Sent after a command's answer, it
    /// covers that command's effect, wherever the domain lives: the edge acknowledges on it.
    /// </summary>
    /// <param name="Records">The log's records, opaque to the domain.</param>
    public sealed record WhenDurable(IReadOnlyList<IRoutingMessage> Records) : IRoutingMessage;

    /// <summary>
    /// The answer to <see cref="WhenDurable"/> on the log's own node: the commit, to wait for as long
    /// as it takes (the database may be away for a while).
    /// </summary>
    /// <remarks>Carries a task, which completes in this process only.</remarks>
    public sealed record Committing(Task Committed) : INoSerializationVerificationNeeded;

    /// <summary>
    /// Stops the domain when the cluster moves it to another node (sharding's hand-off message), once
    /// what it logged is committed.
    /// </summary>
    public sealed record HandOff : IRoutingMessage
    {
        public static readonly HandOff Instance = new();

        private HandOff()
        {
        }
    }

    /// <summary>The answer to <see cref="WhenDurable"/> for an edge on another node: committed.</summary>
    public sealed record Durable : IRoutingMessage
    {
        public static readonly Durable Instance = new();

        private Durable()
        {
        }
    }

    /// <summary>
    /// Tells the log of the node a domain starts on which incarnation of it runs there: the log writes
    /// the domain's records only while no later incarnation has started elsewhere, so a node cut off
    /// from the cluster cannot add to the journal the domain's new node recovered from.
    /// </summary>
    public sealed record Serving(string Domain, long Incarnation) : IRoutingMessage;

    /// <summary>What the domain took back from its journal when it started.</summary>
    public sealed record Ready(int CallsRecovered, int AgentsRecovered, long FirstEpoch) : IRoutingMessage;

    /// <summary>Answered with the <see cref="Configuration.RoutingConfiguration"/> new calls are routed by.</summary>
    public sealed record GetConfiguration : IRoutingMessage
    {
        public static readonly GetConfiguration Instance = new();

        private GetConfiguration()
        {
        }
    }
}
