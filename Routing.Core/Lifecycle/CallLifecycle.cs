using CallCenter.Routing.Model;

namespace CallCenter.Routing.Lifecycle;

/// <summary>What a command did: how it ended, the call's new state, and the events that led there.</summary>
public sealed record CallDecision(Outcome Outcome, CallState State, IReadOnlyList<CallEvent> Events)
{
    public bool Changed => Events.Count > 0;
}

/// <summary>
/// The call's state machine as two pure functions: <see cref="Decide"/> turns a command into events,
/// <see cref="Apply"/> folds one event into the state. Decide numbers the events after the state's
/// last one, so one call's events are totally ordered, and its new state is its events applied in
/// order: replaying a stored log rebuilds the call. A duplicate or refused command emits nothing and
/// returns the very same state instance. Ended is terminal: commands that would move the call on are
/// refused, the rest (late hang-ups, timers, announcements) are harmless duplicates.
/// </summary>
public static class CallLifecycle
{
    public static CallDecision Decide(CallState state, CallCommand command, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(command);

        if (Validate(command, now) is { } invalid)
        {
            return Refused(state, invalid);
        }

        if (state.Status == CallStatus.New && command is not CallCommand.Arrive)
        {
            return Refused(state, Outcome.Conflict("call", $"call '{state.Id}' has not arrived"));
        }

        if (state.Status == CallStatus.Ended)
        {
            return AfterTheEnd(state, command);
        }

        return command switch
        {
            CallCommand.Arrive c => Arrive(state, c, now),
            CallCommand.Queued c => Queued(state, c, now),
            CallCommand.Offered c => Offered(state, c, now),
            CallCommand.OfferReturned c => ReturnOffer(state, c.Epoch, c.Reason, now),
            CallCommand.Answered c => Answered(state, c, now),
            CallCommand.Overflowed c => Overflowed(state, c, now),
            CallCommand.Refused c => Refuse(state, c, now),
            CallCommand.CallerHungUp => CallerHungUp(state, now),
            CallCommand.AgentHungUp c => state.Connection?.Agent == c.Agent
                ? Changed(state, End(state, now, ConnectedOutcome(state)))
                : Unchanged(state),
            CallCommand.RequestCallback => RequestCallback(state, now),
            CallCommand.ScheduleCallback c => ScheduleCallback(state, c, now),
            CallCommand.CallbackDue => CallbackDue(state, now),
            CallCommand.CancelCallback => CancelCallback(state, now),
            CallCommand.CallbackLate c => CallbackLate(state, c, now),
            CallCommand.RequestTransfer c => RequestTransfer(state, c, now),
            CallCommand.TransferCompleted c => TransferCompleted(state, c, now),
            CallCommand.TransferFailed c => TransferFailed(state, c, now),
            CallCommand.PositionAnnounced c => state.Status == CallStatus.Queued
                ? Changed(state, s => new CallEvent.PositionAnnounced(state.Id, s, now, c.Position, c.EstimatedWait, state.Queue))
                : Unchanged(state),
            CallCommand.LongWaitCrossed c => state.IsWaiting && c.Threshold > (state.LongWaitCrossed ?? TimeSpan.Zero)
                ? Changed(state, s => new CallEvent.LongWaitCrossed(state.Id, s, now, c.Threshold))
                : Unchanged(state),
            CallCommand.OverflowRefused c => state.IsWaiting && state.Queue == c.Queue
                ? Changed(state, s => new CallEvent.OverflowRefused(state.Id, s, now, c.Queue, c.RefusedBy, c.Reason))
                : Unchanged(state),
            CallCommand.HeldForAgent c => state.IsWaiting
                ? Changed(state, s => new CallEvent.HeldForAgent(state.Id, s, now, c.Agent, c.Backup))
                : Unchanged(state),
            CallCommand.PreferenceExpired c => state.IsWaiting
                ? Changed(state, s => new CallEvent.PreferenceExpired(state.Id, s, now, c.Agent))
                : Unchanged(state),
            CallCommand.Promoted => state.IsWaiting && !state.Promoted
                ? Changed(state, s => new CallEvent.Promoted(state.Id, s, now))
                : Unchanged(state),
            _ => throw new ArgumentOutOfRangeException(nameof(command), command, "unknown call command"),
        };
    }

    /// <summary>
    /// Folds one event into the state. Knows no rules: it records what Decide decided. It refuses an
    /// event of another call or out of sequence, since either would corrupt the call.
    /// </summary>
    public static CallState Apply(CallState state, CallEvent @event)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(@event);
        if (@event.Call != state.Id)
        {
            throw new ArgumentException($"event of call '{@event.Call}' applied to call '{state.Id}'", nameof(@event));
        }

        if (@event.Sequence != state.LastSequence + 1)
        {
            throw new ArgumentException(
                $"event {@event.Sequence} of call '{state.Id}' applied after event {state.LastSequence}", nameof(@event));
        }

        var next = @event switch
        {
            CallEvent.Arrived e => state with
            {
                Status = CallStatus.Arrived,
                Queue = e.Queue,
                Tier = e.Tier,
                Emergency = e.Emergency,
                PreferredAgent = e.PreferredAgent,
                ExtraSkills = e.ExtraSkills,
                ArrivedAt = e.ArrivedAt,
                CallerOnLine = true,
            },
            CallEvent.Queued e => state with { Status = WaitingStatus(state), Queue = e.Queue, QueuedAt = e.At },
            CallEvent.Overflowed e => state with { Queue = e.To, QueuedAt = state.QueuedAt is null ? null : e.At },
            CallEvent.Refused e => state with
            {
                Status = CallStatus.Arrived,
                QueuedAt = null,
                CallbackOffered = e.CallbackOffered,
            },
            CallEvent.Offered e => state with { Status = CallStatus.Ringing, Offer = e.Offer },
            CallEvent.OfferReturned e => state with
            {
                Status = WaitingStatus(state),
                Offer = null,
                QueuedAt = state.QueuedAt ?? e.At,
            },
            CallEvent.Connected e => state with
            {
                Status = CallStatus.Connected,
                Offer = null,
                Connection = e.Connection,
                ConnectedAt = e.At,
                AnsweredAt = state.AnsweredAt ?? e.At,
                Owner = state.Owner ?? e.Connection.Agent,
                CallerOnLine = true,
                LongWaitCrossed = null,
                Promoted = false,
            },
            CallEvent.Ended e => state with
            {
                Status = CallStatus.Ended,
                Outcome = e.Outcome,
                EndedAt = e.At,
                Offer = null,
                Connection = null,
                ConnectedAt = null,
                Transfer = null,
                CallerOnLine = false,
            },
            CallEvent.CallbackRequested e => state with
            {
                Status = CallStatus.CallbackRequested,
                CallerOnLine = false,
                CallbackRequestedAt = state.CallbackRequestedAt ?? e.At,
            },
            CallEvent.CallbackScheduled e => state with
            {
                Status = CallStatus.CallbackScheduled,
                CallerOnLine = false,
                CallbackRequestedAt = state.CallbackRequestedAt ?? e.At,
                CallbackDueAt = e.DueAt,
                CallbackLate = false,
                QueuedAt = null,
            },
            CallEvent.CallbackDue => state with { Status = CallStatus.CallbackRequested },
            CallEvent.CallbackLate => state with { CallbackLate = true },
            CallEvent.TransferStarted e when e.Transfer.Kind == TransferKind.Blind => state with
            {
                Status = CallStatus.Queued,
                Transfer = e.Transfer,
                Connection = null,
                ConnectedAt = null,
                Queue = e.Transfer.Target.Queue ?? state.Queue,
                QueuedAt = e.At,
            },
            CallEvent.TransferStarted e => state with { Transfer = e.Transfer },
            CallEvent.TransferTargetOffered e => state with { Transfer = state.Transfer! with { TargetOffer = e.Offer } },
            CallEvent.TransferTargetReturned => state with { Transfer = state.Transfer! with { TargetOffer = null } },
            CallEvent.TransferCompleted => state with { Transfer = null },
            CallEvent.TransferFailed { RequeuedIn: { } queue } e => state with
            {
                Status = CallStatus.Queued,
                Transfer = null,
                Queue = queue,
                QueuedAt = e.At,
            },
            CallEvent.TransferFailed => state with { Transfer = null },
            CallEvent.PositionAnnounced or CallEvent.HeldForAgent or CallEvent.PreferenceExpired or CallEvent.OverflowRefused => state,
            CallEvent.LongWaitCrossed e => state with { LongWaitCrossed = e.Threshold },
            CallEvent.Promoted => state with { Promoted = true },
            _ => throw new ArgumentOutOfRangeException(nameof(@event), @event, "unknown call event"),
        };

        // Every arm above made a new copy except one, which returns the state itself: only that one
        // is copied again. The copy is set in place before anyone can see it, so the state a caller
        // holds never changes (one copy per event instead of two: a call makes a few per second).
        if (ReferenceEquals(next, state))
        {
            next = state with { };
        }

        next.LastSequence = @event.Sequence;
        next.StatusSince = next.Status == state.Status ? state.StatusSince : @event.At;

        // A callback offer is the refused caller's choice to make now: it lapses once the call moves on.
        next.CallbackOffered = next.CallbackOffered && next.Status == CallStatus.Arrived;
        return next;
    }

    /// <summary>Applies the events in order: how a restarted call actor recovers its state.</summary>
    public static CallState Replay(CallState start, IEnumerable<CallEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        return events.Aggregate(start, Apply);
    }

    /// <summary>Input that is wrong whatever the call's state; checked first, so even a duplicate of it is refused.</summary>
    private static Outcome? Validate(CallCommand command, DateTimeOffset now) => command switch
    {
        CallCommand.Arrive c => ValidateArrival(c, now),
        CallCommand.Queued c => Missing(c.Queue.Value, "queue") ?? ValidatePosition(c.Position, c.EstimatedWait),
        CallCommand.Offered c => Missing(c.Agent.Value, "agent")
            ?? (c.Epoch < 1 ? Outcome.Invalid("epoch", $"epoch {c.Epoch} is not positive") : null),
        CallCommand.Answered c => Missing(c.Agent.Value, "agent"),
        CallCommand.AgentHungUp c => Missing(c.Agent.Value, "agent"),
        CallCommand.HeldForAgent c => Missing(c.Agent.Value, "agent"),
        CallCommand.OverflowRefused c => Missing(c.Queue.Value, "queue") ?? Missing(c.RefusedBy.Value, "refusedBy"),
        CallCommand.PreferenceExpired c => Missing(c.Agent.Value, "agent"),
        CallCommand.TransferCompleted c => Missing(c.Agent.Value, "agent"),
        CallCommand.Overflowed c => Missing(c.From.Value, "from") ?? Missing(c.To.Value, "to")
            ?? (c.From == c.To ? Outcome.Invalid("to", $"a call cannot overflow from '{c.From}' to itself") : null),
        CallCommand.Refused c => Missing(c.Queue.Value, "queue") ?? Missing(c.Reason, "reason"),
        CallCommand.OfferReturned c => Enum.IsDefined(c.Reason) ? null : Outcome.Invalid("reason", $"unknown offer return reason {c.Reason}"),
        CallCommand.TransferFailed c => Missing(c.Reason, "reason"),
        CallCommand.ScheduleCallback c => c.DueAt <= now
            ? Outcome.Invalid("dueAt", $"a callback is scheduled for later than now ({now:O}), not {c.DueAt:O}")
            : null,
        CallCommand.CallbackLate c => c.Threshold < TimeSpan.Zero
            ? Outcome.Invalid("threshold", "the lateness threshold cannot be negative")
            : null,
        CallCommand.LongWaitCrossed c => c.Threshold <= TimeSpan.Zero
            ? Outcome.Invalid("threshold", "a long-wait threshold is positive")
            : null,
        CallCommand.PositionAnnounced c => ValidatePosition(c.Position, c.EstimatedWait),
        CallCommand.RequestTransfer c => ValidateTransfer(c),
        _ => null,
    };

    private static Outcome? ValidateArrival(CallCommand.Arrive command, DateTimeOffset now)
    {
        if ((Missing(command.Queue.Value, "queue") ?? Missing(command.Tier.Value, "tier")) is { } missing)
        {
            return missing;
        }

        if (command.PreferredAgent is { } preferred && string.IsNullOrWhiteSpace(preferred.Value))
        {
            return Outcome.Invalid("preferredAgent", "a preferred agent needs an id");
        }

        if (command.ArrivedAt > now)
        {
            return Outcome.Invalid("arrivedAt", $"a call cannot arrive in the future ({command.ArrivedAt:O})");
        }

        if (command.ExtraSkills is null)
        {
            return Outcome.Invalid("extraSkills", "extra skills are required (the list may be empty)");
        }

        var seen = new HashSet<SkillId>();
        for (var i = 0; i < command.ExtraSkills.Count; i++)
        {
            var requirement = command.ExtraSkills[i];
            if (string.IsNullOrWhiteSpace(requirement.Skill.Value) || !seen.Add(requirement.Skill))
            {
                return Outcome.Invalid($"extraSkills[{i}].skill", "a skill is named, and named once");
            }

            if (!Proficiency.IsValid(requirement.MinimumLevel))
            {
                return Outcome.Invalid($"extraSkills[{i}].minimumLevel",
                    $"level {requirement.MinimumLevel} is outside {Proficiency.Minimum}..{Proficiency.Maximum}");
            }
        }

        return null;
    }

    private static Outcome? ValidatePosition(int position, TimeSpan? estimatedWait) =>
        position < 1 ? Outcome.Invalid("position", $"position {position} is not 1 or more")
        : estimatedWait < TimeSpan.Zero ? Outcome.Invalid("estimatedWait", "an estimated wait cannot be negative")
        : null;

    private static Outcome? ValidateTransfer(CallCommand.RequestTransfer command)
    {
        if (!Enum.IsDefined(command.Kind))
        {
            return Outcome.Invalid("kind", $"unknown transfer kind {command.Kind}");
        }

        return command.Target switch
        {
            null => Outcome.Invalid("target", "a transfer names its target"),
            { Queue: { } queue } => Missing(queue.Value, "target.queue"),
            { Agent: { } agent } => Missing(agent.Value, "target.agent"),
            _ => Outcome.Invalid("target", "a transfer names its target"),
        };
    }

    private static Outcome? Missing(string? value, string field) =>
        string.IsNullOrWhiteSpace(value) ? Outcome.Invalid(field, $"{field} is required") : null;

    /// <summary>Late news of a call that has ended is harmless; a wish to move it on is refused.</summary>
    private static CallDecision AfterTheEnd(CallState state, CallCommand command) => command switch
    {
        CallCommand.Queued or CallCommand.Offered or CallCommand.Answered or CallCommand.Overflowed
            or CallCommand.RequestCallback or CallCommand.ScheduleCallback or CallCommand.RequestTransfer
            or CallCommand.TransferCompleted => Refused(state, Outcome.Conflict("call",
                $"call '{state.Id}' ended at {state.EndedAt:O} ({state.Outcome})")),
        _ => Unchanged(state),
    };

    private static CallDecision Arrive(CallState state, CallCommand.Arrive command, DateTimeOffset now)
    {
        if (state.Status != CallStatus.New)
        {
            return Unchanged(state);
        }

        SkillRequirement[] skills = [.. command.ExtraSkills];
        return Changed(state, s => new CallEvent.Arrived(
            state.Id, s, now, command.Queue, command.Tier, command.Emergency, command.PreferredAgent,
            Array.AsReadOnly(skills), command.ArrivedAt ?? now));
    }

    /// <summary>A waiting call is placed once; a due callback is placed in line again.</summary>
    private static CallDecision Queued(CallState state, CallCommand.Queued command, DateTimeOffset now)
    {
        if (!state.IsWaiting)
        {
            return Refused(state, NotWaiting(state));
        }

        if (command.Queue != state.Queue)
        {
            return Refused(state, Outcome.Conflict("queue", $"call '{state.Id}' is in queue '{state.Queue}', not '{command.Queue}'"));
        }

        return state.Status == CallStatus.Queued || state.QueuedAt is not null && state.Status == CallStatus.CallbackRequested
            ? Unchanged(state)
            : Changed(state, s => new CallEvent.Queued(state.Id, s, now, command.Queue, command.Position, command.EstimatedWait));
    }

    /// <summary>
    /// A waiting call rings its agent. During a consultative transfer the offer rings the target
    /// while the caller stays with the agent. A repeated offer changes nothing; a second one is refused.
    /// </summary>
    private static CallDecision Offered(CallState state, CallCommand.Offered command, DateTimeOffset now)
    {
        var offer = new AgentAssignment(command.Agent, command.Epoch);
        if (state.Offer == offer || state.Connection == offer || state.Transfer?.TargetOffer == offer)
        {
            return Unchanged(state);
        }

        if (state.IsWaiting)
        {
            return Changed(state, s => new CallEvent.Offered(state.Id, s, now, offer));
        }

        if (state.Transfer is { Kind: TransferKind.Consultative, TargetOffer: null })
        {
            return Changed(state, s => new CallEvent.TransferTargetOffered(state.Id, s, now, offer));
        }

        return Refused(state, NotWaiting(state));
    }

    /// <summary>
    /// An agent's refusal of a stale offer is refused; any other late return (a ring timer that fired
    /// late, a late bounce, a logout or lost softphone that crossed the offer's end) is harmless.
    /// </summary>
    private static CallDecision ReturnOffer(CallState state, long epoch, OfferReturnReason reason, DateTimeOffset now)
    {
        if (state.Status == CallStatus.Ringing && state.Offer is { } offer && offer.Epoch == epoch)
        {
            return Changed(state, s => new CallEvent.OfferReturned(state.Id, s, now, offer, reason));
        }

        if (state.Transfer?.TargetOffer is { } target && target.Epoch == epoch)
        {
            return Changed(state, s => new CallEvent.TransferTargetReturned(state.Id, s, now, target, reason));
        }

        return reason == OfferReturnReason.Declined ? Refused(state, StaleEpoch(state, epoch)) : Unchanged(state);
    }

    /// <summary>
    /// The ringing agent answered. An answer by the target of a consultative transfer only starts the
    /// agents' consultation: the caller moves when the transfer is completed.
    /// </summary>
    private static CallDecision Answered(CallState state, CallCommand.Answered command, DateTimeOffset now)
    {
        var answer = new AgentAssignment(command.Agent, command.Epoch);
        if (state.Connection == answer || state.Transfer?.TargetOffer == answer)
        {
            return Unchanged(state);
        }

        return state.Status == CallStatus.Ringing && state.Offer?.Epoch == command.Epoch
            ? Connect(state, answer, now)
            : Refused(state, StaleEpoch(state, command.Epoch));
    }

    private static CallDecision TransferCompleted(CallState state, CallCommand.TransferCompleted command, DateTimeOffset now)
    {
        var answer = new AgentAssignment(command.Agent, command.Epoch);
        if (state.Transfer is null)
        {
            return state.Connection == answer
                ? Unchanged(state)
                : Refused(state, Outcome.Conflict("transfer", $"call '{state.Id}' has no transfer under way"));
        }

        var ringing = state.Transfer.Kind == TransferKind.Blind ? state.Offer : state.Transfer.TargetOffer;
        return ringing?.Epoch == command.Epoch
            ? Connect(state, answer, now)
            : Refused(state, StaleEpoch(state, command.Epoch));
    }

    /// <summary>Connects the answering agent; a transfer under way is thereby complete.</summary>
    private static CallDecision Connect(CallState state, AgentAssignment answer, DateTimeOffset now)
    {
        var ringing = state.Transfer?.TargetOffer ?? state.Offer;
        if (ringing?.Agent != answer.Agent)
        {
            return Refused(state, Outcome.Conflict("agent",
                $"offer {answer.Epoch} rings agent '{ringing?.Agent}', not '{answer.Agent}'"));
        }

        Func<long, CallEvent> connected = s => new CallEvent.Connected(state.Id, s, now, answer);
        return state.Transfer is { } transfer
            ? Changed(state, connected, s => new CallEvent.TransferCompleted(state.Id, s, now, transfer.FromAgent, answer.Agent))
            : Changed(state, connected);
    }

    /// <summary>A repeated overflow changes nothing; one from a queue the call is not in is refused.</summary>
    private static CallDecision Overflowed(CallState state, CallCommand.Overflowed command, DateTimeOffset now)
    {
        if (!state.IsWaiting)
        {
            return Refused(state, NotWaiting(state));
        }

        if (state.Queue == command.To)
        {
            return Unchanged(state);
        }

        return state.Queue == command.From
            ? Changed(state, s => new CallEvent.Overflowed(state.Id, s, now, command.From, command.To, command.Reason))
            : Refused(state, Outcome.Conflict("from", $"call '{state.Id}' is in queue '{state.Queue}', not '{command.From}'"));
    }

    /// <summary>
    /// A caller on the line who is offered a callback stays (out of line) to choose; otherwise the
    /// call ends refused. A waiting callback refused has no one to offer anything to.
    /// </summary>
    private static CallDecision Refuse(CallState state, CallCommand.Refused command, DateTimeOffset now)
    {
        if (!state.IsWaiting)
        {
            return Refused(state, NotWaiting(state));
        }

        if (command.Queue != state.Queue)
        {
            return Refused(state, Outcome.Conflict("queue", $"call '{state.Id}' is in queue '{state.Queue}', not '{command.Queue}'"));
        }

        // The caller of a transferred call is not refused: the transfer fails and the call goes back.
        if (state.Transfer is not null)
        {
            return TransferUnderWay(state);
        }

        var keepsCaller = command.CallbackOffered && state.CallerOnLine;
        if (keepsCaller && state is { Status: CallStatus.Arrived, CallbackOffered: true })
        {
            return Unchanged(state);
        }

        Func<long, CallEvent> refused = s => new CallEvent.Refused(state.Id, s, now, command.Queue, command.Reason, keepsCaller);
        return keepsCaller ? Changed(state, refused) : Changed(state, refused, End(state, now, CallOutcome.Refused));
    }

    /// <summary>The caller hung up. Nobody is on the line of a waiting callback, so its hang-up is a late duplicate.</summary>
    private static CallDecision CallerHungUp(CallState state, DateTimeOffset now)
    {
        if (!state.CallerOnLine)
        {
            return Unchanged(state);
        }

        // The only way back into line after an answer is a transfer.
        var wasAnswered = state.AnsweredAt is not null;
        var outcome = state.Status switch
        {
            CallStatus.Connected => ConnectedOutcome(state),
            CallStatus.Ringing => wasAnswered ? CallOutcome.AbandonedInTransfer : CallOutcome.AbandonedWhileRinging,
            CallStatus.Arrived when state.CallbackOffered => CallOutcome.Refused,
            _ => wasAnswered ? CallOutcome.AbandonedInTransfer : CallOutcome.AbandonedWhileWaiting,
        };
        return Changed(state, End(state, now, outcome));
    }

    /// <summary>Leaving the line for a callback keeps the call's place; only a caller still waiting can.</summary>
    private static CallDecision RequestCallback(CallState state, DateTimeOffset now) => state.Status switch
    {
        CallStatus.CallbackRequested => Unchanged(state),
        CallStatus.Ringing when !state.CallerOnLine => Unchanged(state),
        _ when state.Transfer is not null => TransferUnderWay(state),
        CallStatus.Arrived or CallStatus.Queued => Changed(state, s => new CallEvent.CallbackRequested(state.Id, s, now)),
        CallStatus.CallbackScheduled => Refused(state, Outcome.Conflict("callback",
            $"call '{state.Id}' has a callback scheduled for {state.CallbackDueAt:O}; reschedule or cancel it")),
        _ => Refused(state, InStatus(state, "only a caller waiting for an agent can leave for a callback")),
    };

    /// <summary>A scheduled callback leaves the line until it is due; rescheduling sets a new appointment.</summary>
    private static CallDecision ScheduleCallback(CallState state, CallCommand.ScheduleCallback command, DateTimeOffset now)
    {
        if (state.Status == CallStatus.CallbackScheduled && state.CallbackDueAt == command.DueAt)
        {
            return Unchanged(state);
        }

        if (state.Transfer is not null)
        {
            return TransferUnderWay(state);
        }

        return state.Status is CallStatus.Arrived or CallStatus.Queued or CallStatus.CallbackRequested or CallStatus.CallbackScheduled
            ? Changed(state, s => new CallEvent.CallbackScheduled(state.Id, s, now, command.DueAt))
            : Refused(state, InStatus(state, "only a call waiting for an agent can be called back later"));
    }

    /// <summary>A timer that fires before the due time (left from an earlier appointment) changes nothing.</summary>
    private static CallDecision CallbackDue(CallState state, DateTimeOffset now) =>
        state.Status == CallStatus.CallbackScheduled && state.CallbackDueAt is { } due && now >= due
            ? Changed(state, s => new CallEvent.CallbackDue(state.Id, s, now, due))
            : Unchanged(state);

    /// <summary>A callback not yet reached can be called off, even while an agent's phone rings for it.</summary>
    private static CallDecision CancelCallback(CallState state, DateTimeOffset now) =>
        state.IsCallback && !state.CallerOnLine
            ? Changed(state, End(state, now, CallOutcome.CallbackCancelled))
            : Refused(state, Outcome.Conflict("callback", $"call '{state.Id}' has no callback waiting ({state.Status})"));

    /// <summary>Late means still not offered (neither ringing nor reached) a threshold after the due time.</summary>
    private static CallDecision CallbackLate(CallState state, CallCommand.CallbackLate command, DateTimeOffset now) =>
        state.Status is CallStatus.CallbackScheduled or CallStatus.CallbackRequested
        && state.CallbackDueAt is { } due && !state.CallbackLate && now >= due + command.Threshold
            ? Changed(state, s => new CallEvent.CallbackLate(state.Id, s, now, due, now - due))
            : Unchanged(state);

    private static CallDecision RequestTransfer(CallState state, CallCommand.RequestTransfer command, DateTimeOffset now)
    {
        if (state.Transfer is { } underWay)
        {
            return underWay.Kind == command.Kind && underWay.Target == command.Target
                ? Unchanged(state)
                : TransferUnderWay(state);
        }

        if (state.Status != CallStatus.Connected || state.Connection is not { } connection)
        {
            return Refused(state, InStatus(state, "only a connected call is transferred"));
        }

        if (command.Target.Agent == connection.Agent)
        {
            return Refused(state, Outcome.Conflict("target", $"agent '{connection.Agent}' is already on the call"));
        }

        var transfer = new CallTransfer(command.Kind, command.Target, connection.Agent, state.Queue, now);
        return Changed(state, s => new CallEvent.TransferStarted(state.Id, s, now, transfer));
    }

    /// <summary>
    /// A repeated failure changes nothing. A blind transfer whose target already rings is not failed
    /// under it: the offer is answered or returned first. A consultative transfer that gives up while
    /// its target rings withdraws that offer first, so whoever rang the target hears it end.
    /// </summary>
    private static CallDecision TransferFailed(CallState state, CallCommand.TransferFailed command, DateTimeOffset now)
    {
        if (state.Transfer is not { } transfer)
        {
            return Unchanged(state);
        }

        if (state.Status == CallStatus.Ringing)
        {
            return Refused(state, Outcome.Conflict("call", $"call '{state.Id}' is ringing at agent '{state.Offer?.Agent}'"));
        }

        QueueId? requeuedIn = transfer.Kind == TransferKind.Blind ? transfer.FromQueue : null;
        Func<long, CallEvent> failed = s => new CallEvent.TransferFailed(state.Id, s, now, command.Reason, requeuedIn);
        return transfer.TargetOffer is { } target
            ? Changed(state, s => new CallEvent.TransferTargetReturned(state.Id, s, now, target, OfferReturnReason.Withdrawn), failed)
            : Changed(state, failed);
    }

    private static CallOutcome ConnectedOutcome(CallState state) =>
        state.IsCallback ? CallOutcome.CallbackCompleted : CallOutcome.Answered;

    /// <summary>The status a call waits in: in line with the caller, or as a callback with nobody on the line.</summary>
    private static CallStatus WaitingStatus(CallState state) =>
        state.CallerOnLine ? CallStatus.Queued : CallStatus.CallbackRequested;

    private static Func<long, CallEvent> End(CallState state, DateTimeOffset now, CallOutcome outcome)
    {
        TimeSpan? talkTime = state.ConnectedAt is { } since ? Max(now - since, TimeSpan.Zero) : null;
        var agent = state.Connection?.Agent ?? state.Offer?.Agent;
        return s => new CallEvent.Ended(state.Id, s, now, outcome, agent, talkTime);
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private static Outcome StaleEpoch(CallState state, long epoch) => (state.Offer ?? state.Transfer?.TargetOffer) is { } ringing
        ? Outcome.Conflict("epoch", $"offer {epoch} is stale; the ringing offer is {ringing}")
        : Outcome.Conflict("epoch", $"offer {epoch} is not ringing; call '{state.Id}' is {state.Status}");

    private static Outcome NotWaiting(CallState state) => InStatus(state, "it is not waiting for an agent");

    private static Outcome InStatus(CallState state, string why) =>
        Outcome.Conflict("call", $"call '{state.Id}' is {state.Status}: {why}");

    private static CallDecision TransferUnderWay(CallState state) =>
        Refused(state, Outcome.Conflict("transfer", $"call '{state.Id}' is being transferred to {state.Transfer?.Target}"));

    private static CallDecision Unchanged(CallState state) => new(Outcome.Unchanged, state, []);

    private static CallDecision Refused(CallState state, Outcome outcome) => new(outcome, state, []);

    /// <summary>Numbers the events after the state's last one, so the call's events have no gaps.</summary>
    private static CallDecision Changed(CallState state, params Func<long, CallEvent>[] drafts)
    {
        var events = new CallEvent[drafts.Length];
        for (var i = 0; i < drafts.Length; i++)
        {
            events[i] = drafts[i](state.LastSequence + 1 + i);
        }

        var next = state;
        foreach (var @event in events)
        {
            next = Apply(next, @event);
        }

        return new(Outcome.Ok, next, events);
    }
}
