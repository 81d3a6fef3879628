using CallCenter.Routing.Model;

namespace CallCenter.Routing.Agents.Domain;

/// <summary>The answer to every command sent to the domain: how it ended.</summary>
public sealed record CommandResult(Outcome Outcome)
{
    public static readonly CommandResult Ok = new(Outcome.Ok);
    public static readonly CommandResult Unchanged = new(Outcome.Unchanged);
}

/// <summary>Commands and queries that name their agent, so the domain can route them.</summary>
public interface IAgentMessage
{
    Model.AgentId Agent { get; }
}

/// <summary>Commands and queries that name their call, so the domain can route them.</summary>
public interface ICallMessage
{
    Model.CallId Call { get; }
}
