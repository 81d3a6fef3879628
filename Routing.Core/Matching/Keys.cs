using CallCenter.Routing.Configuration;

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

    /// <summary>The first part of the key, in the order <see cref="CompareTo"/> reads them, in which the two keys differ.</summary>
    public DecidingFactor FirstDifference(PriorityKey other) =>
        Band != other.Band ? DecidingFactor.Band
        : Primary != other.Primary ? DecidingFactor.Wait
        : Tie != other.Tie ? DecidingFactor.QueuePriority
        : DecidingFactor.ArrivalOrder;
}

/// <summary>Which part of an order put the chosen candidate before the next one.</summary>
public enum DecidingFactor
{
    /// <summary>There was no other candidate.</summary>
    OnlyCandidate,

    /// <summary>Calls: the chosen call waited for this agent by name (preferred or backup), which comes before any other call.</summary>
    ByName,

    /// <summary>Calls: emergency, then overdue, then the tier's band.</summary>
    Band,

    /// <summary>Calls: waited longer, head starts included (overdue calls: became overdue sooner).</summary>
    Wait,

    /// <summary>Calls: the priority of the queue that placed the call.</summary>
    QueuePriority,

    /// <summary>Calls: equal in all else, the one that reached the server first.</summary>
    ArrivalOrder,

    /// <summary>Agents: the higher total level in the required skills (<see cref="AgentSelection.BestProficiency"/>).</summary>
    Proficiency,

    /// <summary>Agents: fewer calls handled today (<see cref="AgentSelection.FewestCallsToday"/>).</summary>
    CallsToday,

    /// <summary>Agents: idle longer.</summary>
    IdleTime,

    /// <summary>Agents: equal in all else, the one that logged in first.</summary>
    LoginOrder,
}

/// <summary>An idle agent's place in a selection order: smaller is chosen first.</summary>
internal readonly record struct AgentRank(long Primary, long Secondary, int Sequence) : IComparable<AgentRank>
{
    /// <summary>The one place where a strategy turns an agent's figures into its rank.</summary>
    public static AgentRank For(AgentSelection selection, long idleSinceTicks, int callsHandledToday, int score, int sequence) =>
        selection switch
        {
            AgentSelection.FewestCallsToday => new(callsHandledToday, idleSinceTicks, sequence),
            AgentSelection.BestProficiency => new(-score, idleSinceTicks, sequence),
            _ => new(idleSinceTicks, 0, sequence),
        };

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

    /// <summary>The first part of the rank in which the two differ, named as <paramref name="selection"/> means it.</summary>
    public DecidingFactor FirstDifference(AgentRank other, AgentSelection selection) =>
        Primary != other.Primary
            ? selection switch
            {
                AgentSelection.FewestCallsToday => DecidingFactor.CallsToday,
                AgentSelection.BestProficiency => DecidingFactor.Proficiency,
                _ => DecidingFactor.IdleTime,
            }
            : Secondary != other.Secondary ? DecidingFactor.IdleTime : DecidingFactor.LoginOrder;
}
