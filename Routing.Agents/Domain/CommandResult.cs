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
