using CallCenter.Routing.Matching;
using CallCenter.Routing.Model;

namespace CallCenter.Routing.Lifecycle;

/// <summary>
/// A call taken back from the journal after a restart: its state, the events its recovery decided
/// (an offer that rang at the stop is void), and, when it waits for an agent, what the routing engine
/// needs to give it back its place.
/// </summary>
public sealed record RecoveredCall(CallState State, IReadOnlyList<CallEvent> Replayed, IReadOnlyList<CallEvent> Events, RestoredCall? Routing)
{
    /// <summary>The customer asked to be called back: its offers are outbound callbacks.</summary>
    public bool IsCallback => State.IsCallback;
}

/// <summary>
/// Rebuilds a call from its journal (its events, as the interaction log keeps them) with the same
/// <see cref="CallLifecycle.Apply"/> that built it, then settles what cannot survive a restart: a
/// ringing offer is void (the call is back at its place, nobody's decline), a consultative transfer
/// under way fails back to the agent still on the call. Pure: time comes in as <c>now</c>.
/// </summary>
public static class CallRecovery
{
    public const string TransferLostReason = "the server restarted during the transfer";

    /// <summary>
    /// Replays <paramref name="journal"/> (in sequence order) up to its first gap: events after a gap
    /// were written by a commit that overtook one that never happened, so nothing after it was
    /// acknowledged. Null when the journal does not start with the call's arrival.
    /// </summary>
    public static RecoveredCall? Resume(CallId id, IReadOnlyList<CallEvent> journal, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(journal);

        // Apply records what it is given: a journal opening with any other event would make a call out of nothing.
        if (journal is not [CallEvent.Arrived { Sequence: 1 }, ..])
        {
            return null;
        }

        var state = CallState.New(id);
        var memory = new RoutingMemory();
        var replayed = new List<CallEvent>(journal.Count);
        foreach (var @event in journal)
        {
            if (@event.Sequence != state.LastSequence + 1)
            {
                break;
            }

            state = CallLifecycle.Apply(state, @event);
            memory.Observe(state, @event);
            replayed.Add(@event);
        }

        if (state.Status == CallStatus.New)
        {
            return null;
        }

        var events = new List<CallEvent>();
        void Settle(CallCommand command)
        {
            var decision = CallLifecycle.Decide(state, command, now);
            foreach (var @event in decision.Events)
            {
                state = CallLifecycle.Apply(state, @event);
                memory.Observe(state, @event);
                events.Add(@event);
            }
        }

        if (state.Status == CallStatus.Ringing && state.Offer is { } offer)
        {
            Settle(new CallCommand.OfferReturned(offer.Epoch, OfferReturnReason.Voided));
        }

        if (state.Transfer is { Kind: TransferKind.Consultative } consultation)
        {
            // A target that rang at the stop is void like any offer, before the transfer fails.
            if (consultation.TargetOffer is { } target)
            {
                Settle(new CallCommand.OfferReturned(target.Epoch, OfferReturnReason.Voided));
            }

            Settle(new CallCommand.TransferFailed(TransferLostReason));
        }

        var routing = state.IsWaiting && !memory.Refused
            ? new RestoredCall
            {
                Request = CallRouting.RequestFor(state),
                PlacedBy = memory.PlacedBy,
                QueueEnteredAt = memory.QueueEnteredAt,
                RoutedSince = memory.RoutedSince,
                HeldFor = memory.HeldFor?.Agent,
                HeldForBackup = memory.HeldFor?.Backup ?? false,
                QueueExitDone = memory.QueueExitDone,
                DeclinedBy = memory.DeclinedBy,
            }
            : null;
        return new RecoveredCall(state, replayed, events, routing);
    }

    /// <summary>
    /// The routing engine's view of the call, followed along the journal: the engine starts routing a
    /// call afresh at its arrival, a blind transfer, a failed blind transfer and a callback falling due.
    /// </summary>
    private sealed class RoutingMemory
    {
        private readonly List<AgentId> _declinedBy = [];

        /// <summary>Routing began and has not placed the call yet: an overflow now is the engine's admission.</summary>
        private bool _placing;

        /// <summary>
        /// The queue whose settings gave the call its key when its routing began: the queue it asked
        /// for, or where the overflows from closed or full queues on the way led (the engine admits the
        /// call, then keys it by the queue it places it in). Followed from the routing's start, not read
        /// from a Queued event: a blind transfer's placing leaves none (the call is in line already).
        /// </summary>
        public QueueId PlacedBy { get; private set; }

        public DateTimeOffset QueueEnteredAt { get; private set; }
        public DateTimeOffset RoutedSince { get; private set; }
        public IReadOnlyList<AgentId> DeclinedBy => _declinedBy;

        /// <summary>The queue turned the call away: the engine let go of it until its routing begins again.</summary>
        public bool Refused { get; private set; }

        /// <summary>
        /// The agent the engine holds the call for by name, as it told when it placed the call. The hold
        /// ends when it expires or the agent goes (told), when the call is offered to anyone (a call held
        /// for an agent rings only that agent, and whatever ends the offer ends the hold), or when it
        /// leaves its queue by overflow after it was placed.
        /// </summary>
        public (AgentId Agent, bool Backup)? HeldFor { get; private set; }

        /// <summary>The call's maximum wait in its current queue was acted on: the overflow was refused, and is not tried again.</summary>
        public bool QueueExitDone { get; private set; }

        /// <param name="after">The call's state once <paramref name="event"/> is applied.</param>
        public void Observe(CallState after, CallEvent @event)
        {
            switch (@event)
            {
                case CallEvent.Arrived or CallEvent.CallbackDue or CallEvent.TransferFailed { RequeuedIn: not null }
                    or CallEvent.TransferStarted { Transfer.Kind: TransferKind.Blind }:
                    PlacedBy = after.Queue;
                    _placing = true;
                    Refused = false;
                    HeldFor = null;
                    QueueExitDone = false;
                    QueueEnteredAt = @event.At;
                    RoutedSince = @event.At;
                    _declinedBy.Clear();
                    break;
                case CallEvent.Refused:
                    Refused = true;
                    break;
                case CallEvent.Overflowed overflowed:
                    QueueEnteredAt = @event.At;
                    HeldFor = null;
                    QueueExitDone = false;

                    // A journal written before overflows kept their reason: one before the call was queued or offered was its admission.
                    if (_placing && overflowed.Reason is not QueueExitReason.MaximumWait)
                    {
                        PlacedBy = overflowed.To;
                    }
                    else
                    {
                        _placing = false;
                    }

                    break;
                case CallEvent.Queued:
                    _placing = false;
                    break;
                case CallEvent.Offered:
                    _placing = false;
                    HeldFor = null;
                    break;
                case CallEvent.HeldForAgent held:
                    _placing = false;
                    HeldFor = (held.Agent, held.Backup);
                    break;
                case CallEvent.PreferenceExpired:
                    HeldFor = null;
                    break;
                case CallEvent.OverflowRefused:
                    QueueExitDone = true;
                    break;
                case CallEvent.OfferReturned returned when returned.Reason.CountsAsDecline():
                    _declinedBy.Add(returned.Offer.Agent);
                    break;
            }
        }
    }
}

/// <summary>What the routing engine is asked for a call, from the call's state.</summary>
public static class CallRouting
{
    /// <summary>
    /// The call's request: its queue, tier and needs, its arrival (a scheduled callback's due time, so
    /// it is not served ahead of its appointment) and its preferred agent (a blind transfer's target
    /// agent takes its place).
    /// </summary>
    public static CallRequest RequestFor(CallState state, AgentId? preferred = null) => new()
    {
        Id = state.Id,
        Queue = state.Queue,
        Tier = state.Tier,
        Emergency = state.Emergency,
        ExtraSkills = state.ExtraSkills,
        PreferredAgent = preferred ?? state.Transfer?.Target.Agent ?? state.PreferredAgent,
        ArrivedAt = state.CallbackDueAt is { } due && state.IsCallback ? due : state.ArrivedAt,
    };
}
