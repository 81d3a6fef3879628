namespace CallCenter.Routing.Admission;

/// <summary>
/// When the server counts as overloaded (routing lags past <see cref="Target"/> for a whole
/// <see cref="Interval"/>), and how fast the share of new calls it admits falls while the lag
/// grows (<see cref="Decrease"/>, a factor per probe) and comes back once it keeps up
/// (<see cref="Increase"/>, added per probe).
/// </summary>
public sealed record OverloadSettings(TimeSpan Target, TimeSpan Interval, double Decrease = 0.5, double Increase = 0.01);

/// <summary>
/// Admission of new calls under overload. The server measures how long it takes to answer (a
/// probe through the routing domain and the interaction log, every fraction of a second) and
/// feeds each lag here. A lag above the target for a whole interval means work arrives faster
/// than it is done: the line, and what the server owes it, would grow until it fails everyone.
/// The share of new calls admitted is then halved at each probe whose lag is no shorter than at
/// the last cut, held while the lag falls (the server may be catching up at that share) but
/// halved again if the lag is still above the target an interval after the cut, and grows back
/// a little at each probe under the target: it settles near the share the server can
/// serve, where refusing all or nothing would swing between a flood and a drought. Refused calls are told so
/// at once (the gateway plays busy or routes them elsewhere); calls already accepted are served.
/// A short burst (a collection, a spike of arrivals) never sheds: only a standing lag does.
/// Immutable; time is given, never read.
/// </summary>
public sealed record OverloadGate(OverloadSettings Settings)
{
    /// <summary>When the lag rose above the target (the first slow probe's start plus the target) and has stayed there since; null while it is under.</summary>
    public DateTimeOffset? AboveSince { get; private init; }

    /// <summary>The share of new calls admitted, from 0 to 1.</summary>
    public double AdmittedShare { get; private init; } = 1;

    /// <summary>When the share was last cut in this spell of overload, and the lag then; null before the first cut.</summary>
    public (DateTimeOffset At, TimeSpan Lag)? LastCut { get; private init; }

    /// <summary>Some new calls are refused.</summary>
    public bool Shedding => AdmittedShare < 1;

    /// <summary>The gate after one measured lag of routing at <paramref name="now"/>.</summary>
    public OverloadGate Observe(TimeSpan lag, DateTimeOffset now)
    {
        if (lag <= Settings.Target)
        {
            return AboveSince is null && AdmittedShare >= 1
                ? this
                : this with { AboveSince = null, LastCut = null, AdmittedShare = Math.Min(1, AdmittedShare + Settings.Increase) };
        }

        // A probe that took this long was overdue from the moment it passed the target: the lag
        // has been above the target since then, not only since its answer came.
        var since = AboveSince ?? now - lag + Settings.Target;
        var overloaded = now - since >= Settings.Interval;
        if (!overloaded)
        {
            return this with { AboveSince = since };
        }

        if (LastCut is { } cut && lag < cut.Lag && now - cut.At < Settings.Interval)
        {
            // Falling since the last cut: the server may be catching up at this share. Not for
            // longer than an interval: a lag that stands above the target is a queue that stays.
            return this with { AboveSince = since };
        }

        return this with { AboveSince = since, LastCut = (now, lag), AdmittedShare = AdmittedShare * Settings.Decrease };
    }

    /// <summary>
    /// Whether the next new call is admitted, given the credit left by the calls before it: each
    /// call adds the admitted share, and a call is admitted when the credit reaches one, so
    /// exactly that share of calls is admitted, evenly spread.
    /// </summary>
    public (bool Admitted, double Credit) Admit(double credit)
    {
        // A share such as 0.3 summed ten times falls short of 3 by rounding; the tolerance keeps the count exact.
        var next = credit + AdmittedShare;
        return next >= 1 - 1e-9 ? (true, Math.Max(0, next - 1)) : (false, next);
    }
}
