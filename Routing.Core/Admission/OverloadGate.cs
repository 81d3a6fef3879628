namespace CallCenter.Routing.Admission;

/// <summary>When the server counts as overloaded: routing lags past <see cref="Target"/> for a whole <see cref="Interval"/>.</summary>
public sealed record OverloadSettings(TimeSpan Target, TimeSpan Interval)
{
    public static readonly OverloadSettings Default = new(TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(2));
}

/// <summary>
/// Admission of new calls under overload. The server measures how long routing takes to answer
/// (a probe through the routing domain, every fraction of a second) and feeds each lag here. A
/// lag above the target for a whole interval means work arrives faster than it is done: the
/// line, and the announcements owed to it, would grow until the server fails everyone. New
/// arrivals are then refused (the gateway can play busy or route the call elsewhere) while
/// calls already accepted are served; the first lag under the target admits arrivals again.
/// A short burst (a collection, a spike of arrivals) never sheds: only a standing lag does.
/// Immutable; time is given, never read.
/// </summary>
public sealed record OverloadGate(OverloadSettings Settings)
{
    /// <summary>When the lag rose above the target and has stayed there since; null while it is under.</summary>
    public DateTimeOffset? AboveSince { get; private init; }

    /// <summary>New arrivals are refused.</summary>
    public bool Shedding { get; private init; }

    /// <summary>The gate after one measured lag of routing at <paramref name="now"/>.</summary>
    public OverloadGate Observe(TimeSpan lag, DateTimeOffset now)
    {
        if (lag <= Settings.Target)
        {
            return AboveSince is null && !Shedding ? this : this with { AboveSince = null, Shedding = false };
        }

        var since = AboveSince ?? now;
        return this with { AboveSince = since, Shedding = Shedding || now - since >= Settings.Interval };
    }
}
