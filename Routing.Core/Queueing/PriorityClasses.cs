namespace CallCenter.Routing.Queueing;

/// <summary>
/// Mean waits when calls of several priority classes share one pool and a free agent always
/// takes the oldest call of the highest class waiting, never interrupting a call in progress
/// (Cobham's non-preemptive M/M/c formula). It tells how much a VIP lane buys the VIPs and
/// what it costs everyone else. Class 0 in every list is the highest priority.
/// </summary>
public static class PriorityClasses
{
    /// <summary>
    /// Mean wait of each class, in the order given. A class whose cumulative load
    /// (its own plus that of every class above it) reaches the pool's capacity is starved,
    /// so its wait is infinite, while the classes above it still have a finite wait.
    /// </summary>
    public static double[] MeanWaits(int agents, double handleTimeSeconds, IReadOnlyList<double> arrivalRatesPerSecond)
    {
        RequireArguments(agents, handleTimeSeconds, arrivalRatesPerSecond);

        var totalLoad = TotalRate(arrivalRatesPerSecond) * handleTimeSeconds;
        var capacityPerSecond = agents / handleTimeSeconds;

        // W0: the chance of finding every agent busy times the mean time until the first of
        // them frees up. An overloaded pool keeps every agent busy (C = 1), and the classes
        // above the starved ones still see exactly this residual.
        var residualWait = ErlangC.Waiting(agents, totalLoad) / capacityPerSecond;

        var waits = new double[arrivalRatesPerSecond.Count];
        var rateUpToClass = 0.0;
        var occupancyAbove = 0.0;
        for (var priority = 0; priority < waits.Length; priority++)
        {
            // Summed in the same order as the total, so the last class starves exactly when
            // the pool as a whole is overloaded.
            rateUpToClass += arrivalRatesPerSecond[priority];
            var loadUpToClass = rateUpToClass * handleTimeSeconds;
            var occupancyUpToClass = loadUpToClass / agents;
            waits[priority] = loadUpToClass >= agents
                ? double.PositiveInfinity
                : residualWait / ((1.0 - occupancyAbove) * (1.0 - occupancyUpToClass));
            occupancyAbove = occupancyUpToClass;
        }

        return waits;
    }

    /// <summary>
    /// Probability that a call of the highest class waits longer than
    /// <paramref name="thresholdSeconds"/>: C · exp(−(cμ − λ₁)·t). The top class is the one
    /// whose service level a priority lane promises, so it gets an exact distribution, not
    /// just a mean. 1 when the top class alone saturates the pool.
    /// </summary>
    public static double TopClassWaitExceeds(
        int agents, double handleTimeSeconds, IReadOnlyList<double> arrivalRatesPerSecond, double thresholdSeconds)
    {
        RequireArguments(agents, handleTimeSeconds, arrivalRatesPerSecond);
        QueueingArguments.RequireThreshold(thresholdSeconds);

        var capacityPerSecond = agents / handleTimeSeconds;
        var topRate = arrivalRatesPerSecond[0];
        if (topRate * handleTimeSeconds >= agents)
        {
            return 1.0;
        }

        var waiting = ErlangC.Waiting(agents, TotalRate(arrivalRatesPerSecond) * handleTimeSeconds);
        return waiting * Math.Exp(-(capacityPerSecond - topRate) * thresholdSeconds);
    }

    private static void RequireArguments(int agents, double handleTimeSeconds, IReadOnlyList<double> arrivalRatesPerSecond)
    {
        ArgumentNullException.ThrowIfNull(arrivalRatesPerSecond);
        QueueingArguments.RequireAgents(agents);
        QueueingArguments.RequireHandleTime(handleTimeSeconds);
        if (arrivalRatesPerSecond.Count == 0)
        {
            throw new ArgumentOutOfRangeException(
                nameof(arrivalRatesPerSecond), arrivalRatesPerSecond.Count, "At least one priority class is needed.");
        }

        foreach (var rate in arrivalRatesPerSecond)
        {
            QueueingArguments.RequireRate(rate, nameof(arrivalRatesPerSecond));
        }
    }

    private static double TotalRate(IReadOnlyList<double> arrivalRatesPerSecond)
    {
        var total = 0.0;
        foreach (var rate in arrivalRatesPerSecond)
        {
            total += rate;
        }

        return total;
    }
}
