using CallCenter.Routing.Agents.Domain;
using CallCenter.Routing.Host.Configuration;
using CallCenter.Routing.Host.InteractionLog;

namespace CallCenter.Routing.Host.Edge;

/// <summary>What the edge administers of one routing domain: its configuration changes, its agents' stored profiles, and the changes' administrator.</summary>
public sealed class DomainAdmin(string domain, ConfigurationJournal journal, AgentProfiles profiles, Func<ConfigurationAdmin> admin)
{
    private readonly Lazy<ConfigurationAdmin> _admin = new(admin);

    public string Domain => domain;

    public ConfigurationJournal Journal => journal;

    public AgentProfiles Profiles => profiles;

    /// <summary>Made at its first use: it reaches the domain through the actor system, which starts after the journals are read.</summary>
    public ConfigurationAdmin Admin => _admin.Value;

    /// <summary>Reads the domain's configuration changes again (some made on another node): the profiles and the version follow them.</summary>
    public Task<EffectiveConfiguration> CatchUpAsync(CancellationToken cancellation) => CatchUpAsync(journal, profiles, cancellation);

    /// <summary>Reads the changes <paramref name="journal"/> holds; <paramref name="profiles"/> and the journal's version follow them.</summary>
    public static async Task<EffectiveConfiguration> CatchUpAsync(ConfigurationJournal journal, AgentProfiles profiles, CancellationToken cancellation)
    {
        var effective = await journal.LoadAsync(cancellation);
        profiles.Restore(effective.Routing.Skills, effective.ProfileChanges);
        return effective;
    }
}

/// <summary>
/// The run-time administration of every routing domain, each on its own: a change to one domain's
/// queues, skills or profiles is recorded under that domain and reaches that domain alone. The
/// profiles of <c>Edge:AgentProfiles</c> are the default domain's.
/// </summary>
public sealed class DomainAdministration
{
    private readonly Dictionary<string, DomainAdmin> _domains;

    public DomainAdministration(RoutingDomains domains, LogDatabase database, IServiceProvider services, EdgeSettings edge, TimeProvider clock)
    {
        _domains = domains.Ids.ToDictionary(id => id, id =>
        {
            var routing = domains[id].Routing;
            var journal = new ConfigurationJournal(database, routing, id);
            var profiles = new AgentProfiles(routing, id == DomainEvents.DefaultDomain ? edge.AgentProfiles : []);
            return new DomainAdmin(id, journal, profiles, () => new ConfigurationAdmin(
                services.GetRequiredService<DomainClient>(), id, profiles, journal, clock));
        });
    }

    public DomainAdmin this[string domain] => _domains[domain];

    public DomainAdmin Default => _domains[DomainEvents.DefaultDomain];

    public IReadOnlyCollection<DomainAdmin> All => _domains.Values;
}
