using Akka.Actor;
using CallCenter.Routing.Agents.Serialization;
using CallCenter.Routing.Model;
using CallCenter.Routing.Operations;

namespace CallCenter.Routing.Agents.Operations;

/// <summary>What the operators' view is asked. Queries are answered with the reply records below.</summary>
public static class StateViewProtocol
{
    /// <summary>
    /// What the edge asks a domain's view through the domain, so it reaches the view (a child of the
    /// domain) wherever the domain runs, from whichever node the operator is connected to.
    /// </summary>
    public interface IRequest : IRoutingMessage;

    /// <summary>Answered with a <see cref="StateSnapshot"/>.</summary>
    public sealed record GetSnapshot : IRequest
    {
        public static readonly GetSnapshot Instance = new();

        private GetSnapshot()
        {
        }
    }

    public sealed record GetCallHistory(CallId Call) : IRequest;

    public sealed record CallHistoryReply(CallHistory? History) : IRoutingMessage;

    public sealed record GetAgent(AgentId Agent) : IRequest;

    public sealed record AgentReply(AgentSummary? Agent) : IRoutingMessage;

    /// <summary>
    /// The watcher is sent the changes after <paramref name="ResumeAfter"/> when they are still kept,
    /// or else a <see cref="StateSnapshot"/>; then every <see cref="StateChange"/> as it happens,
    /// until it stops or sends <see cref="StopWatching"/>.
    /// </summary>
    public sealed record StartWatching(IActorRef Watcher, long ResumeAfter) : IRequest;

    public sealed record StopWatching(IActorRef Watcher) : IRequest;
}
