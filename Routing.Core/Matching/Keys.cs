namespace CallCenter.Routing.Matching;

/// <summary>
/// A waiting call's place in line: smaller goes first. Band 0 is emergencies, band 1 calls
/// past their maximum wait (ordered by when they became overdue), then the tier bands (or
/// one band when aging folds the tier into the time). Ties go by the queue's priority
/// (<see cref="Tie"/> is its negation), then by the order the calls reached the server.
/// </summary>
public readonly record struct PriorityKey(int Band, long Primary, int Tie, long Sequence) : IComparable<PriorityKey>
{
    public const int EmergencyBand = 0;
    public const int OverdueBand = 1;
    public const int FirstTierBand = 2;

    public int CompareTo(PriorityKey other)
    {
        var order = Band.CompareTo(other.Band);
        if (order != 0)
        {
            return order;
        }

        order = Primary.CompareTo(other.Primary);
        if (order != 0)
        {
            return order;
        }

        order = Tie.CompareTo(other.Tie);
        return order != 0 ? order : Sequence.CompareTo(other.Sequence);
    }
}

/// <summary>An idle agent's place in a selection order: smaller is chosen first.</summary>
internal readonly record struct AgentRank(long Primary, long Secondary, int Sequence) : IComparable<AgentRank>
{
    public int CompareTo(AgentRank other)
    {
        var order = Primary.CompareTo(other.Primary);
        if (order != 0)
        {
            return order;
        }

        order = Secondary.CompareTo(other.Secondary);
        return order != 0 ? order : Sequence.CompareTo(other.Sequence);
    }
}
