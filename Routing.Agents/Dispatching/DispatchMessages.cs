using Akka.Actor;
using CallCenter.Routing.Agents.Serialization;
using CallCenter.Routing.Configuration;
using CallCenter.Routing.Lifecycle;
using CallCenter.Routing.Matching;
using CallCenter.Routing.Model;

namespace CallCenter.Routing.Agents.Dispatching;

/// <summary>What the dispatcher is told. It answers none of them except the queries.</summary>
public static class Dispatch
{
    /// <summary>A call wants an agent. <paramref name="Call"/> is its actor, told of every decision.</summary>
    public sealed record RouteCall(CallRequest Request, IActorRef Call) : IRoutingMessage
    {
        /// <summary>The customer asked to be called back: its offers are outbound callbacks.</summary>
        public bool IsCallback { get; init; }
    }

    /// <summary>A waiting caller asked for a callback and hung up; the call keeps its place, and its offers become callbacks.</summary>
    public sealed record BecameCallback(CallId Call) : IRoutingMessage;

    /// <summary>An agent logged in; it is routable once it reports itself free.</summary>
    public sealed record RegisterAgent(AgentProfile Profile, IActorRef Agent) : IRoutingMessage;

    /// <summary>The agent's state machine made it available, with the fairness counters it owns.</summary>
    public sealed record AgentFree(AgentId Agent, AgentFairness Fairness) : IRoutingMessage;

    /// <summary>The agent went not ready: staffed no more.</summary>
    public sealed record AgentAway(AgentId Agent) : IRoutingMessage;

    /// <summary>The agent logged out; a call ringing at it goes back to its place.</summary>
    public sealed record AgentGone(AgentId Agent) : IRoutingMessage;

    public sealed record OfferAccepted(CallId Call, long Epoch) : IRoutingMessage;

    /// <summary>
    /// An offer ended unanswered, for <paramref name="Reason"/>. A bounce (the agent was no longer free)
    /// is not counted against the agent.
    /// </summary>
    public sealed record OfferReturned(CallId Call, long Epoch, OfferReturnReason Reason) : IRoutingMessage;

    /// <summary>The caller left (or the call was otherwise taken away) while waiting or ringing.</summary>
    public sealed record CallGone(CallId Call) : IRoutingMessage;

    public sealed record RecordHandleTime(QueueId Queue, TimeSpan HandleTime) : IRoutingMessage;

    /// <summary>
    /// A changed configuration, for calls from now on. Answered with a <see cref="Domain.CommandResult"/>;
    /// when applied, the dispatcher's parent is told with <see cref="Reconfigured"/> before the answer goes out.
    /// </summary>
    public sealed record Reconfigure(RoutingConfiguration Next) : IRoutingMessage;

    /// <summary>Published for every offer: what decided it, for the interaction log.</summary>
    public sealed record DecisionMade(CallOffered Offer, long ConfigurationVersion) : IRoutingMessage;

    /// <summary>The configuration the engine now routes new calls by.</summary>
    public sealed record Reconfigured(RoutingConfiguration Configuration) : IRoutingMessage;

    /// <summary>Query: where a waiting call stands. Answered with <see cref="WaitEstimateReply"/>.</summary>
    public sealed record EstimateWait(CallId Call) : IRoutingMessage;

    public sealed record WaitEstimateReply(CallId Call, WaitEstimate? Estimate) : IRoutingMessage;

    /// <summary>Query: a queue's figures now. Answered with <see cref="QueueViewReply"/>.</summary>
    public sealed record GetQueueView(QueueId Queue) : IRoutingMessage;

    public sealed record QueueViewReply(QueueId Queue, QueueView? View) : IRoutingMessage;

    /// <summary>
    /// After a restart, before anything else: the agents logged in (in the order they logged in; a
    /// staffed one is busy until its softphone is back and it reports itself free), the backups the
    /// agents logged out had named at their last login (calls for them go to their backups, as before
    /// the restart), and the calls that wait (in the order they first reached routing), each at the
    /// place it had.
    /// </summary>
    public sealed record Restore(
        IReadOnlyList<RestoredAgent> Agents, IReadOnlyList<LoggedOutBackup> Backups, IReadOnlyList<RestoredWaitingCall> Calls)
        : IRoutingMessage;

    public sealed record RestoredAgent(AgentProfile Profile, IActorRef Agent, bool Staffed);

    /// <summary>An agent logged out at the stop, and the backup it named when it last logged in.</summary>
    public sealed record LoggedOutBackup(AgentId Agent, AgentId Backup);

    public sealed record RestoredWaitingCall(RestoredCall Routing, IActorRef Call, bool IsCallback);

    /// <summary>The engine's next due time has come.</summary>
    internal sealed record Tick
    {
        public static readonly Tick Instance = new();

        private Tick()
        {
        }
    }
}
