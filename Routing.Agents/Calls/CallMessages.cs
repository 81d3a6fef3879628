using Akka.Event;
using CallCenter.Routing.Agents.Domain;
using CallCenter.Routing.Agents.Serialization;
using CallCenter.Routing.Lifecycle;
using CallCenter.Routing.Matching;
using CallCenter.Routing.Model;

namespace CallCenter.Routing.Agents.Calls;

/// <summary>Everything a call actor is told: by the gateway, by the routing side, by its timers.</summary>
public static class CallProtocol
{
    // From the gateway (through the edge). Each is answered with a CommandResult.

    /// <summary>A call reached the centre. ArrivedAt, when given, is kept (a call handed over from elsewhere).</summary>
    public sealed record Arrive(
        CallId Call,
        QueueId Queue,
        TierId Tier,
        bool Emergency = false,
        IReadOnlyList<SkillRequirement>? ExtraSkills = null,
        AgentId? PreferredAgent = null,
        DateTimeOffset? ArrivedAt = null) : ICallMessage;

    /// <summary>The caller hung up.</summary>
    public sealed record HangUp(CallId Call) : ICallMessage;

    /// <summary>A waiting caller asks to be called back and hangs up; the request keeps its place.</summary>
    public sealed record RequestCallback(CallId Call) : ICallMessage;

    /// <summary>The customer no longer wants the callback; one already being made (connected) goes on.</summary>
    public sealed record CancelCallback(CallId Call) : ICallMessage;

    /// <summary>A callback to make at a given time.</summary>
    public sealed record ScheduleCallback(CallId Call, QueueId Queue, TierId Tier, DateTimeOffset DueAt, AgentId? PreferredAgent = null)
        : ICallMessage;

    /// <summary>The agent on the call transfers it to a queue or to a named agent.</summary>
    public sealed record Transfer(CallId Call, AgentId From, TransferKind Kind, QueueId? ToQueue, AgentId? ToAgent) : ICallMessage;

    /// <summary>Query: answered with the call's <see cref="Lifecycle.CallState"/>.</summary>
    public sealed record GetState(CallId Call) : ICallMessage;

    // From the routing side.

    /// <summary>A decision or notice of the dispatcher's engine about this call; for an offer, the agent's actor.</summary>
    public sealed record Routed(RoutingEvent Event, Akka.Actor.IActorRef? Agent = null) : IRoutingMessage;

    /// <summary>Published after a restart: a call taken back, with the journaled events it was rebuilt from.</summary>
    public sealed record Recovered(CallId Call, IReadOnlyList<CallEvent> Journal) : IRoutingMessage;

    /// <summary>After a restart: the actor of an agent still on the call, so the call can tell it when the caller leaves.</summary>
    public sealed record AgentRestored(CallId Call, AgentId Agent, Akka.Actor.IActorRef AgentActor) : IRoutingMessage;

    /// <summary>The engine refused the call outright (bad input it had not seen before).</summary>
    public sealed record RoutingRefused(CallId Call, Outcome Outcome) : IRoutingMessage;

    // An agent's news may reach a call whose actor has stopped at its end; it needs no answer then
    // (an agent asking to be connected was told the caller left before the actor stopped, and
    // that settles its wait), so it is not logged.

    /// <summary>
    /// The agent accepted the offer with this epoch and asks to be connected; answered with
    /// <see cref="AgentActors.AgentProtocol.ConnectReply"/>. The agent goes on the call only if it connected.
    /// </summary>
    public sealed record Connect(CallId Call, AgentId Agent, long Epoch) : IDeadLetterSuppression, IRoutingMessage;

    /// <summary>The agent ended the call.</summary>
    public sealed record AgentEnded(CallId Call, AgentId Agent) : IDeadLetterSuppression, IRoutingMessage;

    /// <summary>
    /// A notice of the engine with no change of the call's state (a callback offered at the
    /// maximum wait, a relaxed requirement, an expired preference), published as it is.
    /// </summary>
    public sealed record Notice(RoutingEvent Event) : IRoutingMessage;

    // Timers and piped results.

    /// <summary>What a call's own timers send it.</summary>
    internal interface ICallTimer;

    internal sealed record Announce : ICallTimer
    {
        public static readonly Announce Instance = new();

        private Announce()
        {
        }
    }

    internal sealed record CallbackDueNow : ICallTimer
    {
        public static readonly CallbackDueNow Instance = new();

        private CallbackDueNow()
        {
        }
    }

    internal sealed record CheckCallbackLate : ICallTimer
    {
        public static readonly CheckCallbackLate Instance = new();

        private CheckCallbackLate()
        {
        }
    }

    internal sealed record TransferTimedOut(long Sequence) : ICallTimer;

    /// <summary>The call's retention is over: its domain forgets it, then stops it after what was already sent to it.</summary>
    public sealed record Retired(CallId Call) : IRoutingMessage;

    /// <summary>
    /// The call ended, with its final state. It goes to the dispatcher, which forgets the call (and
    /// tells an agent an offer of it still rings at), then on to the domain, which keeps the final
    /// state for the retention and stops the call's actor. An agent whose request to connect reaches
    /// the stopped actor gets no answer from it, but it was told the caller left before the actor
    /// stopped, and that settles its wait.
    /// </summary>
    internal sealed record Finished(CallId Call, CallState Final) : IRoutingMessage;
}
