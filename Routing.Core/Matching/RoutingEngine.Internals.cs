using CallCenter.Routing.Configuration;
using CallCenter.Routing.Lifecycle;
using CallCenter.Routing.Model;

namespace CallCenter.Routing.Matching;

public sealed partial class RoutingEngine
{
    private readonly Dictionary<AgentId, AgentId> _backups = [];

    private DateTimeOffset Now => new(_nowTicks, TimeSpan.Zero);

    private Outcome? ValidateArrival(CallRequest request)
    {
        if (_catalog.Validate(request) is { } problem)
        {
            return problem;
        }

        return _calls.ContainsKey(request.Id)
            ? Outcome.AlreadyExists("callId", $"call '{request.Id}' is already being routed")
            : null;
    }

    /// <summary>
    /// The queue that will hold the call: <paramref name="first"/> or where its overflow chain
    /// leads. Null when a queue on the way refuses it (closed or full with no overflow).
    /// </summary>
    private QueueRuntime? Admit(CallId callId, QueueRuntime first, DateTimeOffset now, List<RoutingEvent> events)
    {
        var current = first;
        for (var hops = 0; hops <= _queues.Count; hops++)
        {
            QueueExitReason reason;
            if (!current.Config.IsOpenAt(now))
            {
                reason = QueueExitReason.Closed;
            }
            else if (current.Config.MaximumSize is { } maximum && current.Order.Count >= maximum)
            {
                reason = QueueExitReason.Full;
            }
            else
            {
                return current;
            }

            var action = ExitAction(current.Config, reason);
            if (action != QueueExitAction.Overflow)
            {
                events.Add(new CallRefused(callId, now, current.Id, reason, action == QueueExitAction.OfferCallback));
                return null;
            }

            var next = _queues[current.Config.OverflowQueue!.Value];
            events.Add(new CallOverflowed(callId, now, current.Id, next.Id, reason));
            current = next;
        }

        // Unreachable with a validated configuration (overflow chains have no cycles).
        events.Add(new CallRefused(callId, now, current.Id, QueueExitReason.Full, false));
        return null;
    }

    private static QueueExitAction ExitAction(QueueConfig config, QueueExitReason reason) => reason switch
    {
        QueueExitReason.Closed => config.WhenClosed,
        QueueExitReason.Full => config.WhenFull,
        _ => config.WhenMaximumWait,
    };

    /// <summary>The call's key in the queue it is first placed in; it keeps it across overflows and transfers.</summary>
    private PriorityKey InitialKey(CallEntry call, QueueConfig queue, long nowTicks)
    {
        call.Tie = -queue.Priority;
        if (call.Emergency)
        {
            return new(PriorityKey.EmergencyBand, call.ArrivedTicks, call.Tie, call.Sequence);
        }

        if (_config.AntiStarvation == AntiStarvationMode.MaximumWait
            && call.ArrivedTicks + _maximumWaitTicks[call.TierRank]!.Value <= nowTicks)
        {
            call.Overdue = true;
            return OverdueKey(call);
        }

        // The queue's head start orders calls across queues; the overdue band ignores it, so the maximum wait still bounds every call.
        var waitedSince = call.ArrivedTicks - queue.HeadStart.Ticks;
        return _config.AntiStarvation == AntiStarvationMode.Aging
            ? new(PriorityKey.FirstTierBand, waitedSince - _agingHeadStartTicks[call.TierRank], call.Tie, call.Sequence)
            : new(PriorityKey.FirstTierBand + call.TierRank, waitedSince, call.Tie, call.Sequence);
    }

    private PriorityKey OverdueKey(CallEntry call) =>
        new(PriorityKey.OverdueBand, call.ArrivedTicks + _maximumWaitTicks[call.TierRank]!.Value, call.Tie, call.Sequence);

    private void Schedule(CallEntry call, TimerKind kind, int index, long startTicks, long lengthTicks) =>
        _timers.Add(new TimerEntry(call, kind, index, call.QueueGeneration), startTicks + lengthTicks, lengthTicks);

    /// <summary>
    /// Sets the timers of a call that has to wait. A call offered at once never needs them,
    /// so they are set when it first joins a line: the call's own (they count from its
    /// arrival and follow it from queue to queue), its queue's (they count from when it
    /// entered the queue), and the wait for its preferred agent.
    /// </summary>
    private void EnsureTimers(CallEntry call)
    {
        if (!call.CallTimersSet)
        {
            call.CallTimersSet = true;
            var tier = _config.Tiers[call.TierRank];
            for (var i = 0; i < tier.LongWaitThresholds.Count; i++)
            {
                // Marks crossed before this engine saw the call (a transfer) were raised where it was then.
                var length = tier.LongWaitThresholds[i].Ticks;
                if (call.ArrivedTicks + length > call.FirstSeenTicks)
                {
                    Schedule(call, TimerKind.LongWait, i, call.ArrivedTicks, length);
                }
            }

            if (_config.AntiStarvation == AntiStarvationMode.MaximumWait && !call.Emergency && !call.Overdue)
            {
                Schedule(call, TimerKind.Promotion, 0, call.ArrivedTicks, _maximumWaitTicks[call.TierRank]!.Value);
            }
        }

        if (!call.QueueTimersSet)
        {
            call.QueueTimersSet = true;
            var config = call.Queue.Config;
            for (var s = 0; s < config.Relaxation.Count; s++)
            {
                Schedule(call, TimerKind.Relaxation, s, call.QueueEnteredTicks, config.Relaxation[s].After.Ticks);
            }

            if (config.WhenMaximumWait != QueueExitAction.None && config.MaximumWait is { } maximumWait)
            {
                Schedule(call, TimerKind.QueueMaximumWait, 0, call.QueueEnteredTicks, maximumWait.Ticks);
            }
        }

        if (call.Target is not null && !call.PreferenceTimerSet)
        {
            call.PreferenceTimerSet = true;
            Schedule(call, TimerKind.PreferenceExpiry, 0, call.TargetUntilTicks - call.TargetLengthTicks, call.TargetLengthTicks);
        }
    }

    /// <summary>Places the call in a queue at its first step; its queue timers count from now.</summary>
    private void EnterQueue(CallEntry call, QueueRuntime queue, long nowTicks)
    {
        call.Queue = queue;
        call.QueueGeneration++;
        call.QueueEnteredTicks = nowTicks;
        call.QueueTimersSet = false;
        call.RelaxationStep = 0;
        call.QueueExitDone = false;
        call.Bucket = BucketFor(queue, 0, call);
    }

    /// <summary>Reserves the call for its preferred agent, or failing that the backup, for the queue's time.</summary>
    private void ChooseTarget(CallEntry call, AgentId? preferred, long nowTicks)
    {
        if (preferred is { } preferredId && !HoldFor(call, preferredId, MatchRule.PreferredAgent, nowTicks)
            && _backups.TryGetValue(preferredId, out var backupId))
        {
            HoldFor(call, backupId, MatchRule.BackupAgent, nowTicks);
        }
    }

    /// <summary>
    /// Reserves the call for the agent, if it is staffed and may take it, for the queue's preferred-agent
    /// time counted from <paramref name="sinceTicks"/>. False when it is not reserved.
    /// </summary>
    private bool HoldFor(CallEntry call, AgentId agentId, MatchRule rule, long sinceTicks)
    {
        var timeout = call.Queue.Config.PreferredAgentTimeout;
        if (timeout <= TimeSpan.Zero || !IsPresentAndEligible(agentId, call.Bucket.Group, out var target))
        {
            return false;
        }

        call.Target = target;
        call.TargetRule = rule;
        call.TargetUntilTicks = sinceTicks + timeout.Ticks;
        call.TargetLengthTicks = timeout.Ticks;
        return true;
    }

    private bool IsPresentAndEligible(AgentId id, RequirementGroup group, out AgentEntry agent)
    {
        return _agents.TryGetValue(id, out agent!) && agent.IsStaffed && agent.ScoreIn(group) is not null;
    }

    /// <summary>Offers a call that is in no line to the best agent for it, or puts it in line.</summary>
    private void RouteWaitingCall(CallEntry call, List<RoutingEvent> events, bool announce)
    {
        var group = call.Bucket.Group;
        if (call.Target is { } target)
        {
            if (target.Presence == AgentPresence.Idle && !call.WasDeclinedBy(target))
            {
                MakeOffer(call, target, call.TargetRule, new AgentChosen(1, group.Selection, target.StandingIn(group), null), events);
                return;
            }
        }
        else if (group.Idle.TryFindFirst(static (candidate, c) => !c.WasDeclinedBy(candidate), call, out var key, out var idle))
        {
            // The runner-up is the next in the same order: the one this call would have taken without the winner.
            AgentStanding? runnerUp = group.Idle.TryFindNext(key, static (candidate, c) => !c.WasDeclinedBy(candidate), call, out _, out var next) ? next.StandingIn(group) : null;
            MakeOffer(call, idle, MatchRule.AgentSelection, new AgentChosen(group.Idle.Count, group.Selection, idle.StandingIn(group), runnerUp), events);
            return;
        }

        Insert(call);
        if (announce)
        {
            var estimate = EstimateFor(call);
            events.Add(new CallQueued(call.Id, Now, call.Queue.Id, estimate.Position, estimate.EstimatedWait));
        }
    }

    private void Insert(CallEntry call)
    {
        EnsureTimers(call);
        call.Phase = CallPhase.Waiting;
        if (call.Target is { } target)
        {
            (target.Personal ??= new RankedSet<PriorityKey, CallEntry>()).Add(call.Key, call);
        }
        else
        {
            call.Bucket.Calls.Add(call.Key, call);
        }

        call.Queue.Order.Add(call.Key, call);
    }

    /// <summary>Takes a waiting call out of every line it is in.</summary>
    private static void Take(CallEntry call)
    {
        if (call.Target is { Personal: { } personal })
        {
            personal.Remove(call.Key);
        }
        else
        {
            call.Bucket.Calls.Remove(call.Key);
        }

        call.Queue.Order.Remove(call.Key);
    }

    private void MakeOffer(CallEntry call, AgentEntry agent, MatchRule rule, OfferTrace trace, List<RoutingEvent> events)
    {
        SetPresence(agent, AgentPresence.Busy);
        call.Phase = CallPhase.Offered;
        call.OfferedTo = agent;
        call.OfferEpoch = ++_nextEpoch;
        agent.Offer = call;
        events.Add(new CallOffered(call.Id, Now, agent.Id, call.Queue.Id, call.OfferEpoch, rule,
            call.RelaxationStep, TimeSpan.FromTicks(_nowTicks - call.ArrivedTicks), trace));
    }

    /// <summary>
    /// The call a freed agent takes, and its trace: the agent's own calls first (those waiting for it
    /// by name), else the best head across the buckets it is eligible for. The runner-up is the call
    /// the agent would have taken without the winner.
    /// </summary>
    private (CallEntry Call, MatchRule Rule, CallChosen Trace)? FindWorkFor(AgentEntry agent)
    {
        if (agent.Personal is { Count: > 0 } personal
            && personal.TryFindFirst(static (c, a) => !c.WasDeclinedBy(a), agent, out var mineKey, out var mine))
        {
            // Without this call, the next one waiting for the agent by name; failing that, the best of its lines.
            if (personal.TryFindNext(mineKey, static (c, a) => !c.WasDeclinedBy(a), agent, out _, out var nextMine))
            {
                return (mine, mine.TargetRule, new CallChosen(personal.Count, StandingOf(mine), StandingOf(nextMine), ByName: true, RunnerUpByName: true));
            }

            var others = BestInLines(agent);
            CallStanding? other = others.Best is { } best ? StandingOf(best) : null;
            return (mine, mine.TargetRule, new CallChosen(personal.Count + others.Considered, StandingOf(mine), other, ByName: true));
        }

        var lines = BestInLines(agent);
        return lines.Best is null
            ? null
            : (lines.Best, MatchRule.AgentSelection,
                new CallChosen(lines.Considered, StandingOf(lines.Best), lines.RunnerUp is { } next ? StandingOf(next) : null));
    }

    /// <summary>The best and second-best calls an agent may take from the lines it serves, and how many wait there.</summary>
    private readonly record struct LineChoice(CallEntry? Best, CallEntry? RunnerUp, int Considered);

    /// <summary>
    /// The best head across the buckets the agent is eligible for. The runner-up is the better of the
    /// second-best head and the call after the winner in its own bucket. Tracking it costs a comparison
    /// per bucket and one walk down the winner's bucket, over the path the winner's removal walks next;
    /// the call found there is read only when it beats the second-best head.
    /// </summary>
    private static LineChoice BestInLines(AgentEntry agent)
    {
        CallEntry? best = null;
        CallEntry? second = null;
        Bucket? bestBucket = null;
        var bestKey = default(PriorityKey);
        var secondKey = default(PriorityKey);
        var considered = 0;
        foreach (var (group, _) in agent.Eligible)
        {
            foreach (var bucket in group.Buckets)
            {
                if (bucket.Calls.Count == 0
                    || !bucket.Calls.TryFindFirst(static (c, a) => !c.WasDeclinedBy(a), agent, out var key, out var call))
                {
                    continue;
                }

                considered += bucket.Calls.Count;
                if (best is null || key.CompareTo(bestKey) < 0)
                {
                    (second, secondKey) = (best, bestKey);
                    (best, bestKey, bestBucket) = (call, key, bucket);
                }
                else if (second is null || key.CompareTo(secondKey) < 0)
                {
                    (second, secondKey) = (call, key);
                }
            }
        }

        // Only a call of the winner's bucket that beats the second-best head is read: usually none is.
        if (best is not null
            && bestBucket!.Calls.TryFindNext(bestKey, second is null ? null : secondKey, static (c, a) => !c.WasDeclinedBy(a), agent, out _, out var next))
        {
            second = next;
        }

        return new LineChoice(best, second, considered);
    }

    private CallStanding StandingOf(CallEntry call) => new(call.Id, call.Queue.Id, _tierIds[call.TierRank], call.Key);

    private static void SetPresence(AgentEntry agent, AgentPresence presence)
    {
        var old = agent.Presence;
        if (old == presence)
        {
            return;
        }

        foreach (var (group, score) in agent.Eligible)
        {
            if (old == AgentPresence.Idle)
            {
                group.Idle.Remove(agent.RankIn(group.Selection, score));
            }
            else if (presence == AgentPresence.Idle)
            {
                group.Idle.Add(agent.RankIn(group.Selection, score), agent);
            }

            if (old == AgentPresence.Away)
            {
                group.Staffed++;
            }
            else if (presence == AgentPresence.Away)
            {
                group.Staffed--;
            }
        }

        agent.Presence = presence;
    }

    private void ReleasePersonalCalls(AgentEntry agent, List<RoutingEvent> events)
    {
        if (agent.Personal is not { Count: > 0 } personal)
        {
            return;
        }

        var calls = personal.InOrder().Select(entry => entry.Value).ToList();
        foreach (var call in calls)
        {
            Take(call);
            call.Target = null;
            events.Add(new PreferenceExpired(call.Id, Now, agent.Id));
            RouteWaitingCall(call, events, announce: false);
        }
    }

    private void ReturnToLine(CallEntry call, AgentEntry agent, List<RoutingEvent> events, OfferReturnReason reason)
    {
        events.Add(new OfferReturned(call.Id, Now, agent.Id, call.OfferEpoch, reason));
        agent.Offer = null;
        call.OfferedTo = null;
        if (reason.CountsAsDecline())
        {
            (call.DeclinedBy ??= []).Add(agent.Id);
        }

        if (call.Target == agent)
        {
            call.Target = null;
        }

        RouteWaitingCall(call, events, announce: true);

        // A maximum wait that fell due while the call was ringing is acted on now.
        ExitIfPastMaximumWait(call, events);
    }

    /// <summary>
    /// Acts now on a maximum wait that fell due while the engine could not act on it (the call rang,
    /// or it was restored after a restart): the queue time it starts in the next queue counts from now.
    /// </summary>
    private void ExitIfPastMaximumWait(CallEntry call, List<RoutingEvent> events)
    {
        if (!call.QueueExitDone && IsPastMaximumWait(call))
        {
            ExitOnMaximumWait(call, Now, events);
        }
    }

    private bool IsPastMaximumWait(CallEntry call)
    {
        var config = call.Queue.Config;
        return call.Phase == CallPhase.Waiting && config.WhenMaximumWait != QueueExitAction.None
            && config.MaximumWait is { } maximumWait && _nowTicks - call.QueueEnteredTicks >= maximumWait.Ticks;
    }

    private void Forget(CallEntry call)
    {
        call.Phase = CallPhase.Gone;
        call.OfferedTo = null;
        _calls.Remove(call.Id);
    }

    private Outcome? CheckOffer(CallId callId, long epoch, out CallEntry call)
    {
        if (!_calls.TryGetValue(callId, out call!))
        {
            return Outcome.NotFound("callId", $"call '{callId}' is not waiting or ringing");
        }

        if (call.Phase != CallPhase.Offered)
        {
            return Outcome.Conflict("epoch", $"call '{callId}' has no offer ringing");
        }

        return epoch == call.OfferEpoch
            ? null
            : Outcome.Conflict("epoch", $"offer {epoch} of call '{callId}' is stale; the current offer is {call.OfferEpoch}");
    }

    // ---- timer actions --------------------------------------------------------------------

    private void Promote(CallEntry call, DateTimeOffset at, List<RoutingEvent> events)
    {
        if (call.Overdue)
        {
            return;
        }

        var waiting = call.Phase == CallPhase.Waiting;
        if (waiting)
        {
            Take(call);
        }

        call.Overdue = true;
        call.Key = OverdueKey(call);
        if (waiting)
        {
            Insert(call);
        }

        events.Add(new CallPromoted(call.Id, at, _config.Tiers[call.TierRank].Id));
    }

    private void ExpirePreference(CallEntry call, DateTimeOffset at, List<RoutingEvent> events)
    {
        if (call.Target is not { } target)
        {
            return;
        }

        events.Add(new PreferenceExpired(call.Id, at, target.Id));
        if (call.Phase != CallPhase.Waiting)
        {
            call.Target = null;
            return;
        }

        Take(call);
        call.Target = null;
        RouteWaitingCall(call, events, announce: false);
    }

    private void Relax(CallEntry call, int index, DateTimeOffset at, List<RoutingEvent> events)
    {
        var step = index + 1;
        if (call.RelaxationStep >= step)
        {
            return;
        }

        events.Add(new RequirementRelaxed(call.Id, at, call.Queue.Id, step));
        var waiting = call.Phase == CallPhase.Waiting;
        if (waiting)
        {
            Take(call);
        }

        call.RelaxationStep = step;
        call.Bucket = BucketFor(call.Queue, step, call);
        if (waiting)
        {
            RouteWaitingCall(call, events, announce: false);
        }
    }

    private void ExitOnMaximumWait(CallEntry call, DateTimeOffset at, List<RoutingEvent> events)
    {
        if (call.QueueExitDone || call.Phase != CallPhase.Waiting)
        {
            return;
        }

        call.QueueExitDone = true;
        var config = call.Queue.Config;
        if (config.WhenMaximumWait == QueueExitAction.OfferCallback)
        {
            events.Add(new CallbackOffered(call.Id, at, call.Queue.Id));
            return;
        }

        // Overflow: the call moves only if a queue down the chain takes it; otherwise it keeps its place,
        // and says so, for its journal: after a restart it is not tried again.
        var attempt = new List<RoutingEvent>
        {
            new CallOverflowed(call.Id, at, call.Queue.Id, config.OverflowQueue!.Value, QueueExitReason.MaximumWait),
        };
        var destination = Admit(call.Id, _queues[config.OverflowQueue.Value], at, attempt);
        if (destination is null)
        {
            var refused = (CallRefused)attempt[^1];
            events.Add(new OverflowRefused(call.Id, at, call.Queue.Id, refused.Queue, refused.Reason));
            return;
        }

        Take(call);
        call.Target = null;
        events.AddRange(attempt);
        EnterQueue(call, destination, at.UtcTicks);
        RouteWaitingCall(call, events, announce: true);
    }

    // ---- buckets and groups ---------------------------------------------------------------

    private Bucket BucketFor(QueueRuntime queue, int step, CallEntry call) =>
        BucketFor(queue, step, call.ExtraSkills, call.ExtrasKey);

    private Bucket BucketFor(QueueRuntime queue, int step, SkillRequirement[] extraSkills, string extrasKey)
    {
        if (queue.Buckets.TryGetValue((step, extrasKey), out var bucket))
        {
            return bucket;
        }

        var requirement = Canonical([.. queue.StepRequirements[step], .. extraSkills]);
        bucket = new Bucket { Queue = queue, Group = GroupFor(requirement, queue.Config.AgentSelection) };
        bucket.Group.Buckets.Add(bucket);
        queue.Buckets[(step, extrasKey)] = bucket;
        return bucket;
    }

    /// <summary>
    /// The group for a requirement and strategy. A new group looks at every agent once;
    /// requirements are few (queues, steps, extra-skill sets), so this is rare.
    /// </summary>
    private RequirementGroup GroupFor(SkillRequirement[] requirement, AgentSelection selection)
    {
        var key = KeyOf(requirement) + "#" + selection;
        if (_groups.TryGetValue(key, out var group))
        {
            return group;
        }

        group = new RequirementGroup { Requirement = requirement, Selection = selection };
        foreach (var agent in _agents.Values)
        {
            if (group.Score(agent.Skills) is not { } score)
            {
                continue;
            }

            agent.Eligible.Add((group, score));
            if (agent.IsStaffed)
            {
                group.Staffed++;
            }

            if (agent.Presence == AgentPresence.Idle)
            {
                group.Idle.Add(agent.RankIn(selection, score), agent);
            }
        }

        _groups[key] = group;
        return group;
    }

    /// <summary>One requirement per skill (the highest level wins), ordered by skill.</summary>
    private static SkillRequirement[] Canonical(IReadOnlyList<SkillRequirement> requirements)
    {
        if (requirements.Count == 0)
        {
            return [];
        }

        var levels = new SortedDictionary<string, SkillRequirement>(StringComparer.Ordinal);
        foreach (var requirement in requirements)
        {
            if (!levels.TryGetValue(requirement.Skill.Value, out var existing) || existing.MinimumLevel < requirement.MinimumLevel)
            {
                levels[requirement.Skill.Value] = requirement;
            }
        }

        return [.. levels.Values];
    }

    private static string KeyOf(SkillRequirement[] requirement) =>
        requirement.Length == 0 ? string.Empty : string.Join("|", requirement.Select(r => $"{r.Skill.Value}:{r.MinimumLevel}"));
}
