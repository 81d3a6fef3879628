using System.Runtime.CompilerServices;

namespace CallCenter.Routing.Queueing;

/// <summary>
/// Erlang B and Erlang C for one pool of identical agents (M/M/c, first come first served):
/// the closed forms behind estimated wait time and staffing, and the figures a correct router
/// must reproduce on Poisson traffic. Everything derives from the Erlang B recursion, whose
/// every step stays within [0, 1], so pools of a hundred thousand agents cost a loop, never
/// an overflow; no factorial or power of the load is ever formed.
/// </summary>
public static class ErlangC
{
    /// <summary>
    /// Probability that an arrival finds all <paramref name="agents"/> busy when nobody may wait
    /// (Erlang B). The building block for Erlang C.
    /// </summary>
    public static double ErlangB(int agents, double offeredLoad)
    {
        QueueingArguments.RequireAgents(agents);
        QueueingArguments.RequireLoad(offeredLoad);
        return Blocking(agents, offeredLoad);
    }

    /// <summary>
    /// Probability that a call has to wait at all, C(c, A). An overloaded pool (A ≥ c) has no
    /// steady state and every call waits, hence 1.
    /// </summary>
    public static double ProbabilityOfWaiting(int agents, double offeredLoad)
    {
        QueueingArguments.RequireAgents(agents);
        QueueingArguments.RequireLoad(offeredLoad);
        return Waiting(agents, offeredLoad);
    }

    /// <summary>
    /// Share of calls answered within <paramref name="thresholdSeconds"/>, the figure most
    /// service targets are written in. 0 for an overloaded pool, whose queue grows without bound.
    /// </summary>
    public static double ServiceLevel(int agents, double offeredLoad, double handleTimeSeconds, double thresholdSeconds)
    {
        QueueingArguments.RequireAgents(agents);
        QueueingArguments.RequireLoad(offeredLoad);
        QueueingArguments.RequireHandleTime(handleTimeSeconds);
        QueueingArguments.RequireThreshold(thresholdSeconds);
        return ServiceLevelGivenWaiting(agents, offeredLoad, handleTimeSeconds, thresholdSeconds, Waiting(agents, offeredLoad));
    }

    /// <summary>
    /// Mean wait over all calls, answered at once or not (ASA). Infinite for an overloaded pool.
    /// </summary>
    public static double AverageSpeedOfAnswer(int agents, double offeredLoad, double handleTimeSeconds)
    {
        QueueingArguments.RequireAgents(agents);
        QueueingArguments.RequireLoad(offeredLoad);
        QueueingArguments.RequireHandleTime(handleTimeSeconds);
        return AverageSpeedOfAnswerGivenWaiting(agents, offeredLoad, handleTimeSeconds, Waiting(agents, offeredLoad));
    }

    /// <summary>
    /// Mean wait of those calls that do wait, AHT / (c − A): what a caller who hears the queue
    /// announcement can expect. Infinite for an overloaded pool.
    /// </summary>
    public static double MeanWaitOfWaitingCalls(int agents, double offeredLoad, double handleTimeSeconds)
    {
        QueueingArguments.RequireAgents(agents);
        QueueingArguments.RequireLoad(offeredLoad);
        QueueingArguments.RequireHandleTime(handleTimeSeconds);
        return offeredLoad >= agents ? double.PositiveInfinity : handleTimeSeconds / (agents - offeredLoad);
    }

    /// <summary>Erlang B without argument checks, for callers that have checked already.</summary>
    internal static double Blocking(int agents, double offeredLoad)
    {
        if (double.IsPositiveInfinity(offeredLoad))
        {
            // The recursion would divide infinity by infinity; the limit is certain blocking.
            return 1.0;
        }

        var blocking = 1.0;
        for (var pool = 1; pool <= agents; pool++)
        {
            blocking = NextBlocking(blocking, pool, offeredLoad);
        }

        return blocking;
    }

    /// <summary>
    /// One step of the recursion, B(c − 1) to B(c); lets a staffing search add one agent at a
    /// time and get bit for bit the value a fresh recursion would give.
    /// </summary>
    internal static double NextBlocking(double previousBlocking, int agents, double offeredLoad) =>
        offeredLoad * previousBlocking / (agents + offeredLoad * previousBlocking);

    /// <summary>Erlang C without argument checks.</summary>
    internal static double Waiting(int agents, double offeredLoad) =>
        WaitingGivenBlocking(agents, offeredLoad, Blocking(agents, offeredLoad));

    /// <summary>C(c, A) from B(c, A); the denominator stays positive whenever A &lt; c.</summary>
    internal static double WaitingGivenBlocking(int agents, double offeredLoad, double blocking) =>
        offeredLoad >= agents
            ? 1.0
            : agents * blocking / (agents - offeredLoad * (1.0 - blocking));

    internal static double ServiceLevelGivenWaiting(
        int agents, double offeredLoad, double handleTimeSeconds, double thresholdSeconds, double waiting) =>
        offeredLoad >= agents
            ? 0.0
            : 1.0 - waiting * Math.Exp(-(agents - offeredLoad) * thresholdSeconds / handleTimeSeconds);

    internal static double AverageSpeedOfAnswerGivenWaiting(
        int agents, double offeredLoad, double handleTimeSeconds, double waiting) =>
        offeredLoad >= agents
            ? double.PositiveInfinity
            : waiting * handleTimeSeconds / (agents - offeredLoad);
}

/// <summary>
/// The argument checks every queueing formula shares, so the same input is refused the same
/// way everywhere, always naming the parameter at fault.
/// </summary>
internal static class QueueingArguments
{
    public static void RequireAgents(int agents, [CallerArgumentExpression(nameof(agents))] string? name = null)
    {
        if (agents < 1)
        {
            throw new ArgumentOutOfRangeException(name, agents, "A pool needs at least one agent.");
        }
    }

    /// <summary>Infinity is allowed: it is simply an overloaded pool.</summary>
    public static void RequireLoad(double offeredLoad, [CallerArgumentExpression(nameof(offeredLoad))] string? name = null)
    {
        if (double.IsNaN(offeredLoad) || offeredLoad < 0)
        {
            throw new ArgumentOutOfRangeException(name, offeredLoad, "Offered load must be zero or more erlangs.");
        }
    }

    public static void RequireHandleTime(double handleTimeSeconds, [CallerArgumentExpression(nameof(handleTimeSeconds))] string? name = null)
    {
        if (!double.IsFinite(handleTimeSeconds) || handleTimeSeconds <= 0)
        {
            throw new ArgumentOutOfRangeException(name, handleTimeSeconds, "Handle time must be a positive, finite number of seconds.");
        }
    }

    /// <summary>Infinity is allowed: every call is answered eventually.</summary>
    public static void RequireThreshold(double thresholdSeconds, [CallerArgumentExpression(nameof(thresholdSeconds))] string? name = null)
    {
        if (double.IsNaN(thresholdSeconds) || thresholdSeconds < 0)
        {
            throw new ArgumentOutOfRangeException(name, thresholdSeconds, "A wait threshold must be zero or more seconds.");
        }
    }

    public static void RequireRate(double ratePerSecond, [CallerArgumentExpression(nameof(ratePerSecond))] string? name = null)
    {
        if (!double.IsFinite(ratePerSecond) || ratePerSecond < 0)
        {
            throw new ArgumentOutOfRangeException(name, ratePerSecond, "An arrival rate must be a finite number of calls per second, zero or more.");
        }
    }
}
