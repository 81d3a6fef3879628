using CallCenter.Routing.Model;

namespace CallCenter.Routing.Lifecycle;

/// <summary>Centre-wide settings of the agent state machine.</summary>
public sealed record AgentPolicy
{
    public static AgentPolicy Default { get; } = new();

    /// <summary>Protected after-call time; zero means the agent goes straight to the after-call state.</summary>
    public TimeSpan WrapUpDuration
    {
        get;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, TimeSpan.Zero);
            field = value;
        }
    } = TimeSpan.FromSeconds(30);

    /// <summary>The not-ready reason of an agent who let an offer ring out, so it is not offered the next call too.</summary>
    public string MissedOfferReason
    {
        get;
        init
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(value);
            field = value;
        }
    } = "missed-offer";
}

/// <summary>What a command did: how it ended, the agent's new state, and the events that led there.</summary>
public sealed record AgentDecision(Outcome Outcome, AgentState State, IReadOnlyList<AgentEvent> Events)
{
    public bool Changed => Events.Count > 0;
}

/// <summary>
/// The agent's state machine as two pure functions: <see cref="Decide"/> turns a command into events,
/// <see cref="Apply"/> folds one event into the state. Decide never changes the state itself: its
/// new state is its events applied in order, so replaying a stored event log rebuilds the agent.
/// A duplicate or refused command emits nothing and returns the very same state instance.
/// </summary>
public static class AgentLifecycle
{
    public static AgentDecision Decide(AgentState state, AgentCommand command, DateTimeOffset now, AgentPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(policy);

        return command switch
        {
            AgentCommand.LogIn c => LogIn(state, c, now),
            AgentCommand.MakeAvailable => MakeAvailable(state, now),
            AgentCommand.GoNotReady c => GoNotReady(state, c, now),
            AgentCommand.Offer c => Offer(state, c, now),
            AgentCommand.Accept c => Accept(state, c, now),
            AgentCommand.Reject c => Reject(state, c, now),
            AgentCommand.OfferTimedOut c => OfferTimedOut(state, c, now, policy),
            AgentCommand.OfferWithdrawn c => OfferWithdrawn(state, c, now),
            AgentCommand.CallEnded c => CallEnded(state, c, now, policy),
            AgentCommand.FinishWrapUp => EndWrapUp(state, now, StatusChangeReasons.WrapUpFinished),
            AgentCommand.WrapUpTimerElapsed => WrapUpTimerElapsed(state, now),
            AgentCommand.SetAfterCall c => SetAfterCall(state, c, now),
            AgentCommand.LogOut => LogOut(state, now),
            _ => throw new ArgumentOutOfRangeException(nameof(command), command, "unknown agent command"),
        };
    }

    /// <summary>Folds one event into the state. Knows no rules: it records what Decide decided.</summary>
    public static AgentState Apply(AgentState state, AgentEvent @event)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(@event);
        if (@event.Agent != state.Id)
        {
            throw new ArgumentException($"event of agent '{@event.Agent}' applied to agent '{state.Id}'", nameof(@event));
        }

        return @event switch
        {
            AgentEvent.StatusChanged e => state with
            {
                Status = e.To,
                StatusSince = e.At,
                NotReadyReason = e.To == AgentStatus.NotReady ? e.Reason : null,
                AvailableSince = e.To == AgentStatus.Available && !e.KeepsIdlePosition ? e.At : state.AvailableSince,
                WrapUpEndsAt = e.To == AgentStatus.WrapUp ? state.WrapUpEndsAt : null,
            },
            AgentEvent.LoggedIn e => state with { Skills = e.Skills },
            AgentEvent.AfterCallChanged e => state with { AfterCall = e.Next },
            AgentEvent.OfferReserved e => state with { CurrentOffer = e.Offer },
            AgentEvent.OfferAccepted e => state with { CurrentOffer = null, CurrentCall = e.Offer },
            AgentEvent.OfferRejected or AgentEvent.OfferMissed or AgentEvent.OfferWithdrawn
                or AgentEvent.OfferAbandonedByLogout => state with { CurrentOffer = null },
            AgentEvent.CallHandled e => state with
            {
                CurrentCall = null,
                LastCallEndedAt = e.At,
                CallsHandledToday = e.CallsHandledToday,
                CallsCountedOn = e.CountedOn,
            },
            AgentEvent.WrapUpStarted e => state with { WrapUpEndsAt = e.EndsAt },
            _ => throw new ArgumentOutOfRangeException(nameof(@event), @event, "unknown agent event"),
        };
    }

    /// <summary>Applies the events in order: how a restarted agent actor recovers its state.</summary>
    public static AgentState Replay(AgentState start, IEnumerable<AgentEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        return events.Aggregate(start, Apply);
    }

    /// <summary>The day the handled-calls counter counts: the UTC date, the same for every site.</summary>
    public static DateOnly UtcDay(DateTimeOffset moment) => DateOnly.FromDateTime(moment.UtcDateTime);

    private static AgentDecision LogIn(AgentState state, AgentCommand.LogIn command, DateTimeOffset now)
    {
        if (ValidateSkills(command.Skills) is { } invalid)
        {
            return Refused(state, invalid);
        }

        if (state.IsLoggedIn)
        {
            return Unchanged(state);
        }

        AgentSkill[] skills = [.. command.Skills];
        return Changed(state,
            new AgentEvent.LoggedIn(state.Id, now, Array.AsReadOnly(skills)),
            new AgentEvent.StatusChanged(state.Id, now, state.Status, AgentStatus.NotReady, StatusChangeReasons.LoggedIn));
    }

    private static Outcome? ValidateSkills(IReadOnlyList<AgentSkill>? skills)
    {
        if (skills is null)
        {
            return Outcome.Invalid("skills", "skills are required (the list may be empty)");
        }

        var seen = new HashSet<SkillId>();
        for (var i = 0; i < skills.Count; i++)
        {
            var skill = skills[i];
            if (string.IsNullOrWhiteSpace(skill.Skill.Value))
            {
                return Outcome.Invalid($"skills[{i}].skill", "a skill needs a name");
            }

            if (!Proficiency.IsValid(skill.Level))
            {
                return Outcome.Invalid($"skills[{i}].level",
                    $"level {skill.Level} is outside {Proficiency.Minimum}..{Proficiency.Maximum}");
            }

            if (!seen.Add(skill.Skill))
            {
                return Outcome.Invalid($"skills[{i}].skill", $"skill '{skill.Skill}' is listed twice");
            }
        }

        return null;
    }

    private static AgentDecision MakeAvailable(AgentState state, DateTimeOffset now) => state.Status switch
    {
        AgentStatus.LoggedOut => NotLoggedIn(state),
        AgentStatus.Available => Unchanged(state),
        AgentStatus.NotReady => Changed(state,
            new AgentEvent.StatusChanged(state.Id, now, state.Status, AgentStatus.Available, StatusChangeReasons.MadeAvailable)),
        AgentStatus.WrapUp => Changed(state, LeaveWork(state, now, AfterCall.Available, StatusChangeReasons.MadeAvailable)),
        _ => ChooseAfterCall(state, AfterCall.Available, now),
    };

    private static AgentDecision GoNotReady(AgentState state, AgentCommand.GoNotReady command, DateTimeOffset now)
    {
        if (string.IsNullOrWhiteSpace(command.Reason))
        {
            return Refused(state, Outcome.Invalid("reason", "a not-ready reason is required"));
        }

        return state.Status switch
        {
            AgentStatus.LoggedOut => NotLoggedIn(state),
            AgentStatus.NotReady when state.NotReadyReason == command.Reason => Unchanged(state),
            AgentStatus.Available or AgentStatus.NotReady => Changed(state,
                new AgentEvent.StatusChanged(state.Id, now, state.Status, AgentStatus.NotReady, command.Reason)),
            AgentStatus.WrapUp => Changed(state, LeaveWork(state, now, AfterCall.NotReady(command.Reason), command.Reason)),
            _ => ChooseAfterCall(state, AfterCall.NotReady(command.Reason), now),
        };
    }

    private static AgentDecision Offer(AgentState state, AgentCommand.Offer command, DateTimeOffset now)
    {
        if (string.IsNullOrWhiteSpace(command.Call.Value))
        {
            return Refused(state, Outcome.Invalid("call", "an offer names its call"));
        }

        var offer = new CallAssignment(command.Call, command.Epoch);
        if (state.CurrentOffer == offer || state.CurrentCall == offer)
        {
            return Unchanged(state);
        }

        return state.Status switch
        {
            AgentStatus.LoggedOut => NotLoggedIn(state),
            AgentStatus.Available => Changed(state,
                new AgentEvent.OfferReserved(state.Id, now, offer),
                new AgentEvent.StatusChanged(state.Id, now, state.Status, AgentStatus.Reserved, StatusChangeReasons.Offered)),
            _ => Refused(state, Outcome.Conflict("agent", $"agent '{state.Id}' is {state.Status}, not available")),
        };
    }

    private static AgentDecision Accept(AgentState state, AgentCommand.Accept command, DateTimeOffset now)
    {
        if (!state.IsLoggedIn)
        {
            return NotLoggedIn(state);
        }

        if (state.CurrentCall?.Epoch == command.Epoch)
        {
            return Unchanged(state);
        }

        if (RingingOffer(state, command.Epoch) is not { } offer)
        {
            return Refused(state, StaleAnswer(state, command.Epoch));
        }

        return Changed(state,
            new AgentEvent.OfferAccepted(state.Id, now, offer),
            new AgentEvent.StatusChanged(state.Id, now, state.Status, AgentStatus.OnCall, StatusChangeReasons.OfferAccepted));
    }

    /// <summary>
    /// A rejecting agent goes to the back of the longest-idle order. If the agent had asked to be
    /// not ready after this offer, the wish is honoured rather than offering the next call at once.
    /// </summary>
    private static AgentDecision Reject(AgentState state, AgentCommand.Reject command, DateTimeOffset now)
    {
        if (!state.IsLoggedIn)
        {
            return NotLoggedIn(state);
        }

        if (RingingOffer(state, command.Epoch) is not { } offer)
        {
            return Refused(state, StaleAnswer(state, command.Epoch));
        }

        return Changed(state,
            [new AgentEvent.OfferRejected(state.Id, now, offer),
             .. LeaveWork(state, now, state.AfterCall, StatusChangeReasons.OfferRejected)]);
    }

    /// <summary>
    /// An agent who let a call ring out, or whose softphone was lost while it rang, is probably away:
    /// not ready, whatever the wish was.
    /// </summary>
    private static AgentDecision OfferTimedOut(
        AgentState state, AgentCommand.OfferTimedOut command, DateTimeOffset now, AgentPolicy policy)
    {
        if (command.Reason is not (OfferReturnReason.TimedOut or OfferReturnReason.SoftphoneLost))
        {
            return Refused(state, Outcome.Invalid("reason", $"an offer goes unanswered when it times out or the softphone is lost, not {command.Reason}"));
        }

        if (RingingOffer(state, command.Epoch) is not { } offer)
        {
            return Unchanged(state);
        }

        var missed = AfterCall.NotReady(policy.MissedOfferReason);
        return Changed(state,
            [new AgentEvent.OfferMissed(state.Id, now, offer, command.Reason), .. LeaveWork(state, now, missed, policy.MissedOfferReason)]);
    }

    /// <summary>Not the agent's fault: back to Available keeping the place in line, or to the wish.</summary>
    private static AgentDecision OfferWithdrawn(AgentState state, AgentCommand.OfferWithdrawn command, DateTimeOffset now)
    {
        if (RingingOffer(state, command.Epoch) is not { } offer)
        {
            return Unchanged(state);
        }

        return Changed(state,
            [new AgentEvent.OfferWithdrawn(state.Id, now, offer, command.Reason),
             .. LeaveWork(state, now, state.AfterCall, StatusChangeReasons.OfferWithdrawn, keepsIdlePosition: true)]);
    }

    private static AgentDecision CallEnded(
        AgentState state, AgentCommand.CallEnded command, DateTimeOffset now, AgentPolicy policy)
    {
        if (state.Status != AgentStatus.OnCall || state.CurrentCall is not { } call || call.Call != command.Call)
        {
            return Unchanged(state);
        }

        // A clock stepping back across midnight must not reset the counter: only a later day does.
        var today = UtcDay(now);
        var (handled, countedOn) = today > state.CallsCountedOn
            ? (1, today)
            : (state.CallsHandledToday + 1, state.CallsCountedOn);
        var talkTime = now - state.StatusSince;
        var handledEvent = new AgentEvent.CallHandled(
            state.Id, now, call, talkTime < TimeSpan.Zero ? TimeSpan.Zero : talkTime, handled, countedOn);

        if (policy.WrapUpDuration == TimeSpan.Zero)
        {
            return Changed(state, [handledEvent, .. LeaveWork(state, now, state.AfterCall, StatusChangeReasons.CallEnded)]);
        }

        return Changed(state,
            handledEvent,
            new AgentEvent.StatusChanged(state.Id, now, state.Status, AgentStatus.WrapUp, StatusChangeReasons.CallEnded),
            new AgentEvent.WrapUpStarted(state.Id, now, now + policy.WrapUpDuration));
    }

    /// <summary>A timer left from an earlier wrap-up fires before the current one is due, so it changes nothing.</summary>
    private static AgentDecision WrapUpTimerElapsed(AgentState state, DateTimeOffset now) =>
        state.Status == AgentStatus.WrapUp && now >= state.WrapUpEndsAt
            ? EndWrapUp(state, now, StatusChangeReasons.WrapUpElapsed)
            : Unchanged(state);

    private static AgentDecision EndWrapUp(AgentState state, DateTimeOffset now, string reason) =>
        state.Status == AgentStatus.WrapUp
            ? Changed(state, LeaveWork(state, now, state.AfterCall, reason))
            : Unchanged(state);

    /// <summary>
    /// A wish can be made at any time while logged in; it is used when the next (or current) offer
    /// or call is over. Logging out after the call is the wish of an agent on a call (as LogOut
    /// during a call defers); without a call there is nothing to wait for, and LogOut says it.
    /// </summary>
    private static AgentDecision SetAfterCall(AgentState state, AgentCommand.SetAfterCall command, DateTimeOffset now)
    {
        var next = command.Next;
        if (next is null)
        {
            return Refused(state, Outcome.Invalid("next", "the state after the call is required"));
        }

        if (next.Status == AgentStatus.NotReady && string.IsNullOrWhiteSpace(next.Reason))
        {
            return Refused(state, Outcome.Invalid("next.reason", "a not-ready reason is required"));
        }

        if (!state.IsLoggedIn)
        {
            return NotLoggedIn(state);
        }

        if (next.Status == AgentStatus.LoggedOut && state.Status != AgentStatus.OnCall)
        {
            return Refused(state, Outcome.Conflict("next", $"logging out after the call needs a call, and the agent is {state.Status}: use LogOut"));
        }

        return ChooseAfterCall(state, next, now);
    }

    /// <summary>
    /// A ringing offer is given up so the call can be queued again; on a call, the logout waits
    /// until the call and its wrap-up are over (the agent cannot be torn from a customer).
    /// </summary>
    private static AgentDecision LogOut(AgentState state, DateTimeOffset now)
    {
        switch (state.Status)
        {
            case AgentStatus.LoggedOut:
                return Unchanged(state);
            case AgentStatus.OnCall:
                return ChooseAfterCall(state, AfterCall.LoggedOut, now);
            case AgentStatus.Reserved when state.CurrentOffer is { } offer:
                return Changed(state,
                    [new AgentEvent.OfferAbandonedByLogout(state.Id, now, offer),
                     .. LeaveWork(state, now, AfterCall.LoggedOut, StatusChangeReasons.LoggedOut)]);
            default:
                // A wish made while idle belongs to this session and ends with it.
                return Changed(state, LeaveWork(state, now, AfterCall.LoggedOut, StatusChangeReasons.LoggedOut));
        }
    }

    private static AgentDecision ChooseAfterCall(AgentState state, AfterCall next, DateTimeOffset now) =>
        state.AfterCall == next
            ? Unchanged(state)
            : Changed(state, new AgentEvent.AfterCallChanged(state.Id, now, next));

    /// <summary>
    /// The end of an offer, a call or a wrap-up: moves the agent to <paramref name="target"/> and
    /// resets a used after-call wish. For NotReady the status reason is the not-ready reason.
    /// </summary>
    private static AgentEvent[] LeaveWork(
        AgentState state, DateTimeOffset now, AfterCall target, string reason, bool keepsIdlePosition = false)
    {
        var statusReason = target.Status switch
        {
            AgentStatus.NotReady => target.Reason!,
            AgentStatus.LoggedOut => StatusChangeReasons.LoggedOut,
            _ => reason,
        };
        var changed = new AgentEvent.StatusChanged(
            state.Id, now, state.Status, target.Status, statusReason,
            keepsIdlePosition && target.Status == AgentStatus.Available);

        return state.AfterCall == AfterCall.Available
            ? [changed]
            : [changed, new AgentEvent.AfterCallChanged(state.Id, now, AfterCall.Available)];
    }

    private static CallAssignment? RingingOffer(AgentState state, long epoch) =>
        state.Status == AgentStatus.Reserved && state.CurrentOffer is { } offer && offer.Epoch == epoch ? offer : null;

    private static Outcome StaleAnswer(AgentState state, long epoch) => state.CurrentOffer is { } offer
        ? Outcome.Conflict("epoch", $"offer {epoch} is stale; the ringing offer is {offer.Epoch}")
        : Outcome.Conflict("epoch", $"offer {epoch} is not ringing; agent '{state.Id}' is {state.Status}");

    private static AgentDecision NotLoggedIn(AgentState state) =>
        Refused(state, Outcome.Conflict("agent", $"agent '{state.Id}' is not logged in"));

    private static AgentDecision Unchanged(AgentState state) => new(Outcome.Unchanged, state, []);

    private static AgentDecision Refused(AgentState state, Outcome outcome) => new(outcome, state, []);

    private static AgentDecision Changed(AgentState state, params AgentEvent[] events)
    {
        // A loop, not Replay: this runs for every command, and the enumerator and delegate add up.
        var next = state;
        foreach (var @event in events)
        {
            next = Apply(next, @event);
        }

        return new(Outcome.Ok, next, events);
    }
}
