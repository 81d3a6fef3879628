namespace CallCenter.Routing.Queueing;

/// <summary>
/// How many agents a pool needs to meet a service target under Erlang C. The search starts
/// at the smallest pool with a steady state, ⌊A⌋ + 1, and adds one agent at a time, extending
/// the Erlang B recursion by one step per agent: the answer lies a few multiples of √A above
/// A, so even loads of many thousand erlangs cost little more than one recursion.
/// </summary>
public static class Staffing
{
    /// <summary>Beyond this the request is almost surely a unit mistake, not a contact center.</summary>
    public const int MaximumAgents = 1_000_000;

    /// <summary>
    /// Smallest pool that answers at least <paramref name="targetServiceLevel"/> of calls within
    /// <paramref name="thresholdSeconds"/> (e.g. 80 % in 20 s). The target must lie strictly
    /// between 0 and 1: 0 needs no agents and 1 can never be met.
    /// </summary>
    /// <exception cref="InvalidOperationException">More than <see cref="MaximumAgents"/> would be needed.</exception>
    public static int AgentsForServiceLevel(
        double arrivalRatePerSecond, double handleTimeSeconds, double thresholdSeconds, double targetServiceLevel)
    {
        QueueingArguments.RequireRate(arrivalRatePerSecond);
        QueueingArguments.RequireHandleTime(handleTimeSeconds);
        QueueingArguments.RequireThreshold(thresholdSeconds);
        if (!(targetServiceLevel > 0.0 && targetServiceLevel < 1.0))
        {
            throw new ArgumentOutOfRangeException(
                nameof(targetServiceLevel), targetServiceLevel, "A service level target must lie strictly between 0 and 1.");
        }

        return SmallestPool(
            arrivalRatePerSecond * handleTimeSeconds,
            (agents, load, waiting) =>
                ErlangC.ServiceLevelGivenWaiting(agents, load, handleTimeSeconds, thresholdSeconds, waiting) >= targetServiceLevel);
    }

    /// <summary>
    /// Smallest pool whose average speed of answer is at most <paramref name="targetAsaSeconds"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">More than <see cref="MaximumAgents"/> would be needed.</exception>
    public static int AgentsForAverageSpeedOfAnswer(double arrivalRatePerSecond, double handleTimeSeconds, double targetAsaSeconds)
    {
        QueueingArguments.RequireRate(arrivalRatePerSecond);
        QueueingArguments.RequireHandleTime(handleTimeSeconds);
        if (double.IsNaN(targetAsaSeconds) || targetAsaSeconds <= 0.0)
        {
            throw new ArgumentOutOfRangeException(
                nameof(targetAsaSeconds), targetAsaSeconds, "An average speed of answer target must be a positive number of seconds.");
        }

        return SmallestPool(
            arrivalRatePerSecond * handleTimeSeconds,
            (agents, load, waiting) =>
                ErlangC.AverageSpeedOfAnswerGivenWaiting(agents, load, handleTimeSeconds, waiting) <= targetAsaSeconds);
    }

    /// <summary>
    /// Walks up from ⌊A⌋ + 1 until <paramref name="meetsTarget"/> holds. Both service level and
    /// speed of answer improve with every agent added, so the first pool that meets the
    /// target is the smallest.
    /// </summary>
    private static int SmallestPool(double offeredLoad, Func<int, double, double, bool> meetsTarget)
    {
        if (offeredLoad >= MaximumAgents)
        {
            throw TooManyAgents(offeredLoad);
        }

        var agents = (int)Math.Floor(offeredLoad) + 1;
        var blocking = ErlangC.Blocking(agents, offeredLoad);
        while (true)
        {
            var waiting = ErlangC.WaitingGivenBlocking(agents, offeredLoad, blocking);
            if (meetsTarget(agents, offeredLoad, waiting))
            {
                return agents;
            }

            if (agents >= MaximumAgents)
            {
                throw TooManyAgents(offeredLoad);
            }

            agents++;
            blocking = ErlangC.NextBlocking(blocking, agents, offeredLoad);
        }
    }

    private static InvalidOperationException TooManyAgents(double offeredLoad) =>
        new($"An offered load of {offeredLoad:G6} erlangs needs more than {MaximumAgents:N0} agents to meet the target.");
}
