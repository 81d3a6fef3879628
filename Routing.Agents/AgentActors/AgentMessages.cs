using Akka.Actor;
using CallCenter.Routing.Agents.Domain;
using CallCenter.Routing.Agents.Serialization;
using CallCenter.Routing.Lifecycle;
using CallCenter.Routing.Model;

namespace CallCenter.Routing.Agents.AgentActors;

/// <summary>Everything an agent actor is told: by the softphone, by the routing side, by its timers.</summary>
public static class AgentProtocol
{
    // From the softphone (through the edge). Each is answered with a CommandResult.

    /// <summary>A command for an agent that has logged in before: for any other agent it is refused as not found.</summary>
    public interface IForKnownAgent : IAgentMessage;

    public sealed record LogIn(AgentId Agent, IReadOnlyList<AgentSkill> Skills, AgentId? Backup = null) : IAgentMessage;

    public sealed record MakeAvailable(AgentId Agent) : IForKnownAgent;

    public sealed record GoNotReady(AgentId Agent, string Reason) : IForKnownAgent;

    public sealed record LogOut(AgentId Agent) : IForKnownAgent;

    public sealed record Accept(AgentId Agent, CallId Call, long Epoch) : IForKnownAgent;

    public sealed record Reject(AgentId Agent, CallId Call, long Epoch) : IForKnownAgent;

    /// <summary>The agent ends the call it is on.</summary>
    public sealed record HangUp(AgentId Agent, CallId Call) : IForKnownAgent;

    /// <summary>Ends wrap-up. A disposition, when given, is recorded for the call the agent handled last.</summary>
    public sealed record FinishWrapUp(AgentId Agent) : IForKnownAgent
    {
        public CallDisposition? Disposition { get; init; }

        /// <summary>False when the domain does not know the disposition's call at all (set by the domain).</summary>
        public bool CallKnown { get; init; } = true;
    }

    /// <summary>The softphone is alive. Once a softphone subscribed or sent one, silence counts as a lost softphone.</summary>
    public sealed record Heartbeat(AgentId Agent) : IForKnownAgent;

    /// <summary>What the agent wants after the current call; the server keeps it.</summary>
    public sealed record SetAfterCall(AgentId Agent, AfterCall Next) : IForKnownAgent;

    /// <summary>The subscriber receives the agent's <see cref="AgentState"/> now, then its events and offers.</summary>
    public sealed record Subscribe(AgentId Agent, IActorRef Subscriber) : IForKnownAgent;

    /// <summary>Query: answered with the agent's <see cref="AgentState"/>.</summary>
    public sealed record GetState(AgentId Agent) : IAgentMessage;

    // From the routing side.

    /// <summary>The dispatcher offers the call; <paramref name="CallActor"/> is told of the answer.</summary>
    public sealed record Offer(AgentId Agent, CallId Call, long Epoch, QueueId Queue, IActorRef CallActor) : IAgentMessage
    {
        /// <summary>An outbound callback: the agent calls the customer back rather than taking a waiting caller.</summary>
        public bool IsCallback { get; init; }
    }

    /// <summary>The caller hung up (or the call was taken away) while this agent was offered it or on it.</summary>
    public sealed record CallerLeft(AgentId Agent, CallId Call, long Epoch) : IAgentMessage
    {
        /// <summary>Why, for an offer still ringing: the caller hung up, the callback was called off, or the call moved on.</summary>
        public WithdrawalReason Reason { get; init; }
    }

    /// <summary>
    /// The call's answer to <see cref="Calls.CallProtocol.Connect"/>: Ok (Unchanged for a repeat) when the agent
    /// is connected, a refusal when the offer is over at the call, with the reason the offer is withdrawn.
    /// </summary>
    public sealed record ConnectReply(CallId Call, long Epoch, Outcome Outcome) : IRoutingMessage
    {
        public WithdrawalReason Reason { get; init; }
    }

    /// <summary>What a softphone subscriber receives when an offer arrives (with the ring timeout).</summary>
    public sealed record OfferPresented(AgentId Agent, CallId Call, long Epoch, QueueId Queue, DateTimeOffset ExpiresAt) : IRoutingMessage
    {
        /// <summary>An outbound callback to make, not a caller on the line.</summary>
        public bool IsCallback { get; init; }
    }

    /// <summary>
    /// An agent's state and what its actor keeps beside it, published after every change for the
    /// journal, and handed back to a new actor after a restart. <paramref name="Version"/> counts the
    /// agent's changes across restarts, so an older checkpoint never overwrites a newer one.
    /// </summary>
    public sealed record Checkpoint(
        AgentSnapshot State, long Version, AgentId? Backup, CallId? LastHandled, QueueId? WorkQueue, bool WorkIsCallback,
        DateTimeOffset? LoggedInAt) : IRoutingMessage
    {
        [System.Text.Json.Serialization.JsonIgnore]
        public AgentId Agent => new(State.Id);
    }

    /// <summary>Published after a restart: an agent taken back, as its last checkpoint left it.</summary>
    public sealed record Recovered(AgentSnapshot State) : IRoutingMessage;

    // Timers.

    internal sealed record RingTimedOut(long Epoch);

    /// <summary>The call asked to connect an accepted offer neither answered nor left within <see cref="AgentSettings.ConnectTimeout"/>.</summary>
    internal sealed record ConnectUnconfirmed(long Epoch);

    internal sealed record HeartbeatsMissed
    {
        public static readonly HeartbeatsMissed Instance = new();

        private HeartbeatsMissed()
        {
        }
    }

    internal sealed record SoftphoneGraceOver
    {
        public static readonly SoftphoneGraceOver Instance = new();

        private SoftphoneGraceOver()
        {
        }
    }

    internal sealed record WrapUpElapsed
    {
        public static readonly WrapUpElapsed Instance = new();

        private WrapUpElapsed()
        {
        }
    }
}
