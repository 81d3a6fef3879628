using CallCenter.Routing.Configuration;
using CallCenter.Routing.Lifecycle;
using CallCenter.Routing.Model;

namespace CallCenter.Routing.Matching;

/// <summary>
/// The matching index of one routing domain, and every matching decision made in it.
/// Deterministic: the same commands at the same times give the same decisions. It reads no
/// clock (time comes in as <c>now</c>), does no I/O, and is used by one thread at a time.
/// Its indexes are mutable for speed; what it decides comes out as immutable events.
///
/// Cost: a call arriving looks at the head of one idle-agent order; an agent becoming free
/// looks at the head of each bucket it is eligible for; both then pay O(log n) to update
/// the ordered sets. Nothing scans the waiting calls or the agents.
/// </summary>
public sealed partial class RoutingEngine
{
    private RoutingConfiguration _config;
    private readonly Dictionary<TierId, int> _tierRanks = [];
    private readonly TierId[] _tierIds;
    private readonly long[] _agingHeadStartTicks;
    private readonly long?[] _maximumWaitTicks;
    private RoutingCatalog _catalog;
    private readonly Dictionary<QueueId, QueueRuntime> _queues = [];
    private readonly Dictionary<AgentId, AgentEntry> _agents = [];
    private readonly Dictionary<CallId, CallEntry> _calls = [];
    private readonly Dictionary<string, RequirementGroup> _groups = new(StringComparer.Ordinal);
    private readonly TimerSchedule _timers = new();
    private long _nextCallSequence;
    private long _nextEpoch;
    private int _nextAgentSequence;
    private long _nowTicks = long.MinValue;

    /// <summary>Restored calls past their queue's maximum wait, in the order they were restored, until <see cref="RestoreDone"/>.</summary>
    private List<CallEntry>? _exitsAtRestore;

    /// <param name="firstEpoch">
    /// The epoch of the engine's first offer. A restarted domain starts above every epoch an earlier
    /// run could have given, so an answer to an offer made before the restart never matches one made after.
    /// </param>
    public RoutingEngine(RoutingConfiguration configuration, long firstEpoch = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(firstEpoch, 1);
        _nextEpoch = firstEpoch - 1;
        _config = configuration.EnsureValid();
        var tiers = _config.Tiers;
        _agingHeadStartTicks = new long[tiers.Count];
        _maximumWaitTicks = new long?[tiers.Count];
        _tierIds = [.. tiers.Select(t => t.Id)];
        for (var rank = 0; rank < tiers.Count; rank++)
        {
            _tierRanks[tiers[rank].Id] = rank;
            _agingHeadStartTicks[rank] = tiers[rank].AgingHeadStart.Ticks;
            _maximumWaitTicks[rank] = tiers[rank].MaximumWait?.Ticks;
        }

        _catalog = new RoutingCatalog(_config);
        foreach (var queue in _config.Queues)
        {
            _queues[queue.Id] = NewQueueRuntime(queue, previous: null);
        }
    }

    /// <summary>
    /// Whether a running engine on <paramref name="current"/> can take <paramref name="next"/>: a valid
    /// configuration that keeps the tiers, the anti-starvation rule, every skill and every queue.
    /// Pure, so a change can be checked before it is recorded.
    /// </summary>
    public static Outcome CheckReconfiguration(RoutingConfiguration current, RoutingConfiguration next)
    {
        if (next.Validate() is [var first, ..])
        {
            return Outcome.Invalid(first.Field, first.Message);
        }

        if (!next.Tiers.SequenceEqual(current.Tiers) || next.AntiStarvation != current.AntiStarvation)
        {
            return Outcome.Conflict("tiers", "the tier ladder and the anti-starvation rule change only with a restart");
        }

        if (current.Skills.FirstOrDefault(s => !next.Skills.Contains(s)) is { Value: not null } dropped)
        {
            return Outcome.Conflict("skills", $"skill '{dropped}' cannot be removed while the server runs");
        }

        if (current.Queues.FirstOrDefault(q => next.Queues.All(n => n.Id != q.Id)) is { } removed)
        {
            return Outcome.Conflict("queues", $"queue '{removed.Id}' cannot be removed while the server runs");
        }

        return Outcome.Ok;
    }

    /// <summary>
    /// Takes a changed configuration: new queues and skills, and queues whose settings changed.
    /// The change applies to calls that arrive from now on. Calls already waiting keep the queue
    /// settings they arrived under (requirements, relaxation, limits), and keep their place in
    /// one line with the calls that come after; agents and offers are untouched. Tiers and the
    /// anti-starvation rule order the calls already waiting, and queues and skills may be in use,
    /// so those are refused: they change with a restart.
    /// </summary>
    public Outcome Reconfigure(RoutingConfiguration next)
    {
        if (CheckReconfiguration(_config, next) is { Code: not OutcomeCode.Ok } refused)
        {
            return refused;
        }

        foreach (var queue in next.Queues)
        {
            var previous = _queues.GetValueOrDefault(queue.Id);
            if (previous is null || previous.Config != queue)
            {
                _queues[queue.Id] = NewQueueRuntime(queue, previous);
            }
        }

        _config = next;
        _catalog = new RoutingCatalog(next);
        return Outcome.Ok;
    }

    private QueueRuntime NewQueueRuntime(QueueConfig queue, QueueRuntime? previous)
    {
        var steps = new SkillRequirement[queue.Relaxation.Count + 1][];
        steps[0] = [.. queue.RequiredSkills];
        for (var s = 0; s < queue.Relaxation.Count; s++)
        {
            steps[s + 1] = [.. queue.Relaxation[s].RequiredSkills];
        }

        var runtime = new QueueRuntime
        {
            Config = queue,
            StepRequirements = steps,
            HandleTimeSeconds = previous?.HandleTimeSeconds ?? queue.ExpectedHandleTime.TotalSeconds,
            Order = previous?.Order ?? new(),
        };
        runtime.BaseBucket = BucketFor(runtime, 0, [], string.Empty);
        return runtime;
    }

    public RoutingConfiguration Configuration => _config;

    public int WaitingCount => _calls.Count;

    /// <summary>When the engine next has something to do by itself; the shell sets a timer for it.</summary>
    public DateTimeOffset? NextDueTime =>
        _timers.TryPeekDue(out var due) ? new DateTimeOffset(Math.Max(due, 0), TimeSpan.Zero) : null;

    // ---- agents ------------------------------------------------------------------------

    /// <summary>
    /// Registers a logged-in agent; it takes no calls until it is made available. The backup it names
    /// (or none) is the one its calls go to while it is away, and is kept after it logs out.
    /// </summary>
    public Outcome LogIn(AgentProfile profile)
    {
        if (string.IsNullOrWhiteSpace(profile.Id.Value))
        {
            return Outcome.Invalid("agentId", "must not be empty");
        }

        if (_agents.ContainsKey(profile.Id))
        {
            return Outcome.AlreadyExists("agentId", $"agent '{profile.Id}' is already logged in");
        }

        var skills = new Dictionary<SkillId, int>();
        for (var i = 0; i < profile.Skills.Count; i++)
        {
            var skill = profile.Skills[i];
            if (!_catalog.HasSkill(skill.Skill))
            {
                return Outcome.NotFound($"skills[{i}].skill", $"unknown skill '{skill.Skill}'");
            }

            if (!Proficiency.IsValid(skill.Level))
            {
                return Outcome.Invalid($"skills[{i}].level", $"must be between {Proficiency.Minimum} and {Proficiency.Maximum}");
            }

            if (!skills.TryAdd(skill.Skill, skill.Level))
            {
                return Outcome.Invalid($"skills[{i}].skill", $"skill '{skill.Skill}' is listed twice");
            }
        }

        var agent = new AgentEntry
        {
            Id = profile.Id,
            Sequence = _nextAgentSequence++,
            Skills = skills,
            Backup = profile.Backup,
        };
        foreach (var group in _groups.Values)
        {
            if (group.Score(skills) is { } score)
            {
                agent.Eligible.Add((group, score));
            }
        }

        _agents[profile.Id] = agent;
        SetBackup(profile.Id, profile.Backup);
        return Outcome.Ok;
    }

    /// <summary>
    /// The backup named at the last login of an agent not logged in now: calls for the agent go to it
    /// as they did before the agent logged out. A restarted domain tells the engine those of the agents
    /// logged out at the stop, which the engine that stopped kept from their logins.
    /// </summary>
    public Outcome RememberBackup(AgentId agentId, AgentId? backup)
    {
        if (string.IsNullOrWhiteSpace(agentId.Value))
        {
            return Outcome.Invalid("agentId", "must not be empty");
        }

        if (_agents.ContainsKey(agentId))
        {
            return Outcome.Conflict("agentId", $"agent '{agentId}' is logged in: its backup is the one it logged in with");
        }

        SetBackup(agentId, backup);
        return Outcome.Ok;
    }

    private void SetBackup(AgentId agentId, AgentId? backup)
    {
        if (backup is { } named)
        {
            _backups[agentId] = named;
        }
        else
        {
            _backups.Remove(agentId);
        }
    }

    /// <summary>
    /// The agent is free: it is offered the best call it may take (its personal calls first,
    /// then the best head across every bucket it is eligible for), or waits in the idle orders.
    /// </summary>
    public RoutingResult AgentAvailable(AgentId agentId, AgentFairness fairness, DateTimeOffset now)
    {
        var events = AdvanceTo(now);
        if (!_agents.TryGetValue(agentId, out var agent))
        {
            return new RoutingResult(Outcome.NotFound("agentId", $"agent '{agentId}' is not logged in"), events);
        }

        if (agent.Offer is not null)
        {
            return new RoutingResult(Outcome.Conflict("agentId", $"agent '{agentId}' has an offer ringing"), events);
        }

        if (agent.Presence == AgentPresence.Idle)
        {
            return new RoutingResult(Outcome.Unchanged, events);
        }

        SetPresence(agent, AgentPresence.Busy);
        agent.IdleSinceTicks = fairness.IdleSince.UtcTicks;
        agent.CallsHandledToday = fairness.CallsHandledToday;
        if (FindWorkFor(agent) is { } work)
        {
            Take(work.Call);
            MakeOffer(work.Call, agent, work.Rule, work.Trace, events);
        }
        else
        {
            SetPresence(agent, AgentPresence.Idle);
        }

        return Done(events);
    }

    /// <summary>The agent is staffed but cannot take a call now (talking, wrapping up).</summary>
    public Outcome AgentBusy(AgentId agentId)
    {
        if (!_agents.TryGetValue(agentId, out var agent))
        {
            return Outcome.NotFound("agentId", $"agent '{agentId}' is not logged in");
        }

        SetPresence(agent, AgentPresence.Busy);
        return Outcome.Ok;
    }

    /// <summary>The agent went not ready: calls waiting for it by name go to anyone suitable.</summary>
    public RoutingResult AgentAway(AgentId agentId, DateTimeOffset now)
    {
        var events = AdvanceTo(now);
        if (!_agents.TryGetValue(agentId, out var agent))
        {
            return new RoutingResult(Outcome.NotFound("agentId", $"agent '{agentId}' is not logged in"), events);
        }

        SetPresence(agent, AgentPresence.Away);
        ReleasePersonalCalls(agent, events);
        return Done(events);
    }

    /// <summary>
    /// The agent logged out. A call ringing at it goes back to its place in line; calls
    /// waiting for it by name go to anyone suitable.
    /// </summary>
    public RoutingResult LogOut(AgentId agentId, DateTimeOffset now)
    {
        var events = AdvanceTo(now);
        if (!_agents.TryGetValue(agentId, out var agent))
        {
            return new RoutingResult(Outcome.NotFound("agentId", $"agent '{agentId}' is not logged in"), events);
        }

        SetPresence(agent, AgentPresence.Away);
        if (agent.Offer is { } ringing)
        {
            ReturnToLine(ringing, agent, events, OfferReturnReason.AgentLoggedOut);
        }

        ReleasePersonalCalls(agent, events);
        _agents.Remove(agentId);
        return Done(events);
    }

    // ---- calls ---------------------------------------------------------------------------

    /// <summary>A call asks to be routed: it is offered at once, queued, moved on, or refused.</summary>
    public RoutingResult CallArrived(CallRequest request, DateTimeOffset now)
    {
        var events = AdvanceTo(now);
        if (ValidateArrival(request) is { } refusal)
        {
            return new RoutingResult(refusal, events);
        }

        var queue = _queues[request.Queue];
        var tierRank = _tierRanks[request.Tier];
        var extras = Canonical(request.ExtraSkills);
        var arrived = (request.ArrivedAt ?? now).UtcTicks;
        var call = new CallEntry
        {
            Id = request.Id,
            TierRank = tierRank,
            Emergency = request.Emergency,
            ArrivedTicks = Math.Min(arrived, now.UtcTicks),
            Sequence = _nextCallSequence++,
            ExtraSkills = extras,
            ExtrasKey = KeyOf(extras),
            Queue = queue,
            Bucket = null!,
            FirstSeenTicks = now.UtcTicks,
        };

        var destination = Admit(call.Id, queue, now, events);
        if (destination is null)
        {
            return Done(events);
        }

        var nowTicks = now.UtcTicks;
        call.Key = InitialKey(call, destination.Config, nowTicks);
        _calls[call.Id] = call;
        EnterQueue(call, destination, nowTicks);
        ChooseTarget(call, request.PreferredAgent, nowTicks);
        RouteWaitingCall(call, events, announce: true);
        if (call.Phase == CallPhase.Waiting && call.Target is { } target)
        {
            // Told, so the call's journal holds it: whether a call waits for an agent, and which, depends on who was there.
            events.Add(new HeldForAgent(call.Id, now, target.Id, call.TargetRule));
        }

        return Done(events);
    }

    /// <summary>
    /// Takes back a call that waited when the server stopped, at the place it had: its key comes from
    /// its arrival and the queue that first placed it, its queue's timers count from when it entered
    /// that queue, it waits for the agent it was held for (if any) until the time counted from when its
    /// routing began, and those who declined it are not offered it again. It is not admitted again (it
    /// was). Restored in the order the calls first reached the engine, ties between equal keys fall as
    /// they did. A call past its queue's maximum wait moves on at <see cref="RestoreDone"/>, once every
    /// call is back in the queues it may go to.
    /// </summary>
    public RoutingResult RestoreWaitingCall(RestoredCall restored, DateTimeOffset now)
    {
        var events = AdvanceTo(now);
        var request = restored.Request;
        if (ValidateArrival(request) is { } refusal)
        {
            return new RoutingResult(refusal, events);
        }

        var queue = _queues[request.Queue];
        var placedBy = restored.PlacedBy is { } placed && _queues.TryGetValue(placed, out var first) ? first : queue;
        var extras = Canonical(request.ExtraSkills);
        var nowTicks = now.UtcTicks;
        var call = new CallEntry
        {
            Id = request.Id,
            TierRank = _tierRanks[request.Tier],
            Emergency = request.Emergency,
            ArrivedTicks = Math.Min((request.ArrivedAt ?? now).UtcTicks, nowTicks),
            Sequence = _nextCallSequence++,
            ExtraSkills = extras,
            ExtrasKey = KeyOf(extras),
            Queue = queue,
            Bucket = null!,
            FirstSeenTicks = nowTicks,
        };

        call.Key = InitialKey(call, placedBy.Config, nowTicks);
        _calls[call.Id] = call;
        EnterQueue(call, queue, Math.Min(restored.QueueEnteredAt.UtcTicks, nowTicks));
        call.QueueExitDone = restored.QueueExitDone;
        call.DeclinedBy = restored.DeclinedBy.Count > 0 ? [.. restored.DeclinedBy] : null;
        if (restored.HeldFor is { } heldFor)
        {
            HoldFor(call, heldFor, restored.HeldForBackup ? MatchRule.BackupAgent : MatchRule.PreferredAgent,
                Math.Min(restored.RoutedSince.UtcTicks, nowTicks));
        }

        RouteWaitingCall(call, events, announce: false);
        if (!call.QueueExitDone && IsPastMaximumWait(call))
        {
            // Not by its timer, which is due already: at the restore, as a call back from ringing moves on.
            call.QueueExitDone = true;
            (_exitsAtRestore ??= []).Add(call);
        }

        return Done(events);
    }

    /// <summary>
    /// Ends a restore: the restored calls past their queue's maximum wait (it fell due while they rang at
    /// the stop, or while the server was down) move on now, in the order they were restored, as the
    /// engine that stopped moved its calls back from ringing: each one finds the queue it goes to as
    /// full as it was, with every restored call in it.
    /// </summary>
    public RoutingResult RestoreDone(DateTimeOffset now)
    {
        var events = AdvanceTo(now);
        if (_exitsAtRestore is { } exits)
        {
            _exitsAtRestore = null;
            foreach (var call in exits)
            {
                call.QueueExitDone = false;
                ExitIfPastMaximumWait(call, events);
            }
        }

        return Done(events);
    }

    /// <summary>The agent took the call: the engine's part is done and it forgets the call.</summary>
    public Outcome OfferAccepted(CallId callId, long epoch)
    {
        if (CheckOffer(callId, epoch, out var call) is { } refusal)
        {
            return refusal;
        }

        call.OfferedTo!.Offer = null;
        Forget(call);
        return Outcome.Ok;
    }

    /// <summary>
    /// The offer ended unanswered, for <paramref name="reason"/>: the call goes back to its own place
    /// in line (never to the back) and, when the reason counts as a decline (rejected, rung out, the
    /// softphone lost), is not offered to that agent again. The agent stays out of the idle orders
    /// until its state machine says it is available. An offer that bounced (it reached the agent after
    /// the agent had gone not ready) or was void is not held against the agent.
    /// </summary>
    public RoutingResult OfferDeclined(CallId callId, long epoch, DateTimeOffset now, OfferReturnReason reason = OfferReturnReason.Declined)
    {
        var events = AdvanceTo(now);
        if (CheckOffer(callId, epoch, out var call) is { } refusal)
        {
            return new RoutingResult(refusal, events);
        }

        ReturnToLine(call, call.OfferedTo!, events, reason);
        return Done(events);
    }

    /// <summary>
    /// The caller hung up (or the call was taken away) while waiting or ringing. A ringing
    /// agent is left busy; its state machine makes it available again.
    /// </summary>
    public RoutingResult CallRemoved(CallId callId, DateTimeOffset now)
    {
        var events = AdvanceTo(now);
        if (!_calls.TryGetValue(callId, out var call))
        {
            return new RoutingResult(Outcome.NotFound("callId", $"call '{callId}' is not waiting or ringing"), events);
        }

        if (call.Phase == CallPhase.Waiting)
        {
            Take(call);
        }
        else if (call.OfferedTo is { } agent)
        {
            agent.Offer = null;
        }

        Forget(call);
        return Done(events);
    }

    /// <summary>Feeds a finished call's handle time into the queue's estimate (smoothed).</summary>
    public Outcome RecordHandleTime(QueueId queueId, TimeSpan handleTime)
    {
        if (!_queues.TryGetValue(queueId, out var queue))
        {
            return Outcome.NotFound("queueId", $"unknown queue '{queueId}'");
        }

        if (handleTime <= TimeSpan.Zero)
        {
            return Outcome.Invalid("handleTime", "must be positive");
        }

        const double weight = 0.05;
        queue.HandleTimeSeconds += weight * (handleTime.TotalSeconds - queue.HandleTimeSeconds);
        return Outcome.Ok;
    }

    /// <summary>Carries out everything due by <paramref name="now"/>: relaxation, overflow, promotion, preference expiry, long-wait marks.</summary>
    public IReadOnlyList<RoutingEvent> Advance(DateTimeOffset now) => AdvanceTo(now);

    private List<RoutingEvent> AdvanceTo(DateTimeOffset now)
    {
        var nowTicks = now.UtcTicks;
        if (nowTicks > _nowTicks)
        {
            _nowTicks = nowTicks;
        }

        var events = new List<RoutingEvent>();
        RunDueTimers(events);
        return events;
    }

    /// <summary>
    /// Ends a command: timers set during it that are already due (a call back in line after
    /// ringing past a mark) take effect before the engine answers.
    /// </summary>
    private RoutingResult Done(List<RoutingEvent> events)
    {
        RunDueTimers(events);
        return new RoutingResult(Outcome.Ok, events);
    }

    private void RunDueTimers(List<RoutingEvent> events)
    {
        while (_timers.TryTakeDue(_nowTicks, out var timer, out var due))
        {
            var call = timer.Call;
            if (call.Phase == CallPhase.Gone)
            {
                continue;
            }

            var at = new DateTimeOffset(due, TimeSpan.Zero);
            switch (timer.Kind)
            {
                case TimerKind.LongWait:
                    events.Add(new LongWaitCrossed(call.Id, at, _config.Tiers[call.TierRank].Id,
                        _config.Tiers[call.TierRank].LongWaitThresholds[timer.Index]));
                    break;
                case TimerKind.Promotion:
                    Promote(call, at, events);
                    break;
                case TimerKind.PreferenceExpiry:
                    ExpirePreference(call, at, events);
                    break;
                case TimerKind.Relaxation when timer.QueueGeneration == call.QueueGeneration:
                    Relax(call, timer.Index, at, events);
                    break;
                case TimerKind.QueueMaximumWait when timer.QueueGeneration == call.QueueGeneration:
                    ExitOnMaximumWait(call, at, events);
                    break;
            }
        }
    }
}
