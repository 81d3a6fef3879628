using CallCenter.Routing.Agents.AgentActors;

namespace CallCenter.Routing.Agents.Domain;

/// <summary>How the actors of a routing domain behave, beyond the routing rules themselves.</summary>
public sealed record DomainSettings
{
    /// <summary>The domain's id, which marks what its actors publish.</summary>
    public string Domain { get; init; } = DomainEvents.DefaultDomain;

    public AgentSettings Agents { get; init; } = new();

    /// <summary>How often a waiting caller is told its position and estimated wait.</summary>
    public TimeSpan AnnouncementInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long an ended call's final state is kept to answer repeated events idempotently (its actor stops at the end).</summary>
    public TimeSpan EndedCallRetention { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>How long a transfer may look for its target before it fails (a consultative one stays with the first agent).</summary>
    public TimeSpan TransferTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How long a domain whose journal cannot be read waits before it tries again.</summary>
    public TimeSpan RecoveryRetryDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// After a recovery, the actors of the calls that came back only waiting are started this many at
    /// a time between other messages; 0 starts each only when a message comes for its call.
    /// </summary>
    public int RecoveredCallsStartedAtOnce { get; init; } = 500;

    /// <summary>A scheduled callback not offered this long after its time is reported late.</summary>
    public TimeSpan CallbackLateAfter { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>These settings for the domain <paramref name="domain"/>: its actors mark what they publish with it.</summary>
    public DomainSettings For(string domain) => this with { Domain = domain, Agents = Agents with { Domain = domain } };
}
