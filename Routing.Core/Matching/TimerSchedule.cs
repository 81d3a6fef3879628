namespace CallCenter.Routing.Matching;

/// <summary>
/// The engine's due actions, earliest first. Most timers are "a fixed time after the
/// call arrived (or entered its queue)", so timers of one kind and one length fall due
/// in the order they were set: each such lane is a plain FIFO (O(1), sequential memory),
/// and only the lanes' heads sit in a small heap. A timer set out of order (a call that
/// rang before it waited, a transfer keeping an old arrival) goes to a general heap.
/// Ties fall to the timer set first, so the order is deterministic.
/// </summary>
internal sealed class TimerSchedule
{
    private readonly Dictionary<(TimerKind Kind, long Length), Lane> _lanes = [];
    private readonly PriorityQueue<Lane, (long Due, long Order)> _laneHeads = new();
    private readonly PriorityQueue<TimerEntry, (long Due, long Order)> _outOfOrder = new();
    private long _nextOrder;

    public int Count { get; private set; }

    /// <summary>Adds a timer due at <paramref name="due"/>, <paramref name="length"/> after its start.</summary>
    public void Add(TimerEntry entry, long due, long length)
    {
        Count++;
        var order = _nextOrder++;
        var key = (entry.Kind, length);
        if (!_lanes.TryGetValue(key, out var lane))
        {
            lane = new Lane();
            _lanes[key] = lane;
        }

        if (lane.Items.Count == 0)
        {
            lane.Items.Enqueue((entry, due, order));
            _laneHeads.Enqueue(lane, (due, order));
        }
        else if (due >= lane.LastDue)
        {
            lane.Items.Enqueue((entry, due, order));
        }
        else
        {
            _outOfOrder.Enqueue(entry, (due, order));
            return;
        }

        lane.LastDue = due;
    }

    public bool TryPeekDue(out long due)
    {
        var found = TryPeek(out _, out var priority, out _);
        due = priority.Due;
        return found;
    }

    /// <summary>Takes the earliest timer if it is due by <paramref name="now"/>.</summary>
    public bool TryTakeDue(long now, out TimerEntry entry, out long due)
    {
        if (!TryPeek(out entry, out var priority, out var fromLane) || priority.Due > now)
        {
            due = 0;
            return false;
        }

        due = priority.Due;
        Count--;
        if (fromLane is null)
        {
            _outOfOrder.Dequeue();
            return true;
        }

        _laneHeads.Dequeue();
        fromLane.Items.Dequeue();
        if (fromLane.Items.TryPeek(out var next))
        {
            _laneHeads.Enqueue(fromLane, (next.Due, next.Order));
        }

        return true;
    }

    private bool TryPeek(out TimerEntry entry, out (long Due, long Order) priority, out Lane? lane)
    {
        var hasLane = _laneHeads.TryPeek(out lane, out var lanePriority);
        var hasOther = _outOfOrder.TryPeek(out var other, out var otherPriority);
        if (hasLane && (!hasOther || lanePriority.CompareTo(otherPriority) < 0))
        {
            entry = lane!.Items.Peek().Entry;
            priority = lanePriority;
            return true;
        }

        lane = null;
        entry = other;
        priority = otherPriority;
        return hasOther;
    }

    private sealed class Lane
    {
        public Queue<(TimerEntry Entry, long Due, long Order)> Items { get; } = new();
        public long LastDue { get; set; } = long.MinValue;
    }
}
