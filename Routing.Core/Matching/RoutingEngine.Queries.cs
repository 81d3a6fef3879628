using CallCenter.Routing.Model;

namespace CallCenter.Routing.Matching;

/// <summary>Where a waiting call stands: its 1-based place in its queue and the expected wait.</summary>
public readonly record struct WaitEstimate(QueueId Queue, int Position, TimeSpan? EstimatedWait);

/// <summary>A queue as an operator sees it at one moment.</summary>
public sealed record QueueView(
    QueueId Queue, bool IsOpen, int Waiting, TimeSpan LongestWait, int AgentsStaffed, int AgentsIdle, TimeSpan HandleTime);

public sealed partial class RoutingEngine
{
    /// <summary>
    /// Position and estimated wait of a waiting call. With every suitable agent busy, the
    /// call at position k waits for k of the N staffed agents' calls to end: k·AHT/N, the
    /// M/M/N mean. With an idle suitable agent the wait is zero; with none staffed, unknown.
    /// </summary>
    public WaitEstimate? GetWaitEstimate(CallId callId)
    {
        return _calls.TryGetValue(callId, out var call) && call.Phase == CallPhase.Waiting ? EstimateFor(call) : null;
    }

    private static WaitEstimate EstimateFor(CallEntry call)
    {
        var queue = call.Queue;
        var position = queue.Order.CountBefore(call.Key) + 1;
        var group = call.Bucket.Group;
        TimeSpan? estimate = group.Staffed == 0
            ? null
            : group.Idle.Count > 0 && call.Target is null
                ? TimeSpan.Zero
                : TimeSpan.FromSeconds(position * queue.HandleTimeSeconds / group.Staffed);
        return new WaitEstimate(queue.Id, position, estimate);
    }

    public bool IsWaiting(CallId callId) => _calls.TryGetValue(callId, out var call) && call.Phase == CallPhase.Waiting;

    /// <summary>The agent a call is ringing at, with the offer's epoch.</summary>
    public (AgentId Agent, long Epoch)? GetOffer(CallId callId) =>
        _calls.TryGetValue(callId, out var call) && call.OfferedTo is { } agent ? (agent.Id, call.OfferEpoch) : null;

    /// <summary>The call ringing at an agent, with the offer's epoch.</summary>
    public (CallId Call, long Epoch)? RingingAt(AgentId agentId) =>
        _agents.TryGetValue(agentId, out var agent) && agent.Offer is { } call ? (call.Id, call.OfferEpoch) : null;

    public bool IsIdle(AgentId agentId) => _agents.TryGetValue(agentId, out var agent) && agent.Presence == AgentPresence.Idle;

    /// <summary>
    /// A queue's figures now. Agents are counted for the queue's full requirement. Reading
    /// the longest wait walks the queue: this is an operator query, not a routing decision.
    /// </summary>
    public QueueView? GetQueue(QueueId queueId, DateTimeOffset now)
    {
        if (!_queues.TryGetValue(queueId, out var queue))
        {
            return null;
        }

        var oldest = long.MaxValue;
        foreach (var entry in queue.Order.InOrder())
        {
            oldest = Math.Min(oldest, entry.Value.ArrivedTicks);
        }

        var group = queue.BaseBucket.Group;
        return new QueueView(
            queue.Id,
            queue.Config.IsOpenAt(now),
            queue.Order.Count,
            oldest == long.MaxValue ? TimeSpan.Zero : TimeSpan.FromTicks(Math.Max(0, now.UtcTicks - oldest)),
            group.Staffed,
            group.Idle.Count,
            TimeSpan.FromSeconds(queue.HandleTimeSeconds));
    }
}
