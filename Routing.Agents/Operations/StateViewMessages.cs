using Akka.Actor;
using CallCenter.Routing.Model;
using CallCenter.Routing.Operations;

namespace CallCenter.Routing.Agents.Operations;

/// <summary>What the operators' view is asked. Queries are answered with the reply records below.</summary>
public static class StateViewProtocol
{
    /// <summary>Answered with a <see cref="StateSnapshot"/>.</summary>
    public sealed record GetSnapshot
    {
        public static readonly GetSnapshot Instance = new();

        private GetSnapshot()
        {
        }
    }

    public sealed record GetCallHistory(CallId Call);

    public sealed record CallHistoryReply(CallHistory? History);

    public sealed record GetAgent(AgentId Agent);

    public sealed record AgentReply(AgentSummary? Agent);

    /// <summary>
    /// The watcher is sent the changes after <paramref name="ResumeAfter"/> when they are still kept,
    /// or else a <see cref="StateSnapshot"/>; then every <see cref="StateChange"/> as it happens,
    /// until it stops or sends <see cref="StopWatching"/>.
    /// </summary>
    public sealed record StartWatching(IActorRef Watcher, long ResumeAfter);

    public sealed record StopWatching(IActorRef Watcher);
}
