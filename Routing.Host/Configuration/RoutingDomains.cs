using System.Text.RegularExpressions;
using CallCenter.Routing.Agents.Domain;
using CallCenter.Routing.Configuration;

namespace CallCenter.Routing.Host.Configuration;

/// <summary>A routing domain as configured: its id, its routing rules and its timers.</summary>
public sealed record RoutingDomain(string Id, RoutingConfiguration Routing, DomainSettings Settings);

/// <summary>
/// The routing domains a server serves, the same on every node: the default domain, whose settings are
/// the "Routing" section's own, and one for each entry of "Routing:Domains" (a contact centre, a
/// tenant, a region's hotline), each with its own tiers, skills, queues and "Timing" (the default
/// domain's timers, with what the entry's "Timing" changes).
/// </summary>
public sealed partial class RoutingDomains
{
    private readonly Dictionary<string, RoutingDomain> _domains;

    public RoutingDomains(IReadOnlyList<RoutingDomain> domains)
    {
        _domains = domains.ToDictionary(d => d.Id);
        Ids = domains.Select(d => d.Id).ToList();
        Default = _domains[DomainEvents.DefaultDomain];
    }

    public RoutingDomain Default { get; }

    /// <summary>Every domain's id, the default domain's first.</summary>
    public IReadOnlyList<string> Ids { get; }

    public RoutingDomain this[string id] => _domains[id];

    /// <summary>The domain a client names; an empty id names the default domain.</summary>
    public bool TryGet(string id, out RoutingDomain domain) =>
        _domains.TryGetValue(id.Length == 0 ? DomainEvents.DefaultDomain : id, out domain!);

    /// <summary>Reads and checks every domain's settings; the first problems found stop the start, naming their paths.</summary>
    /// <param name="requireQueues">Says why a domain without queues (and without AllowNoQueues) cannot start.</param>
    public static RoutingDomains Load(IConfiguration configuration, RoutingSettings settings, Action<string, RoutingSettings> requireQueues)
    {
        var errors = new List<ConfigurationError>();
        var domains = new List<RoutingDomain>();
        var defaultTiming = TimingSettings.Load(configuration);
        requireQueues("Routing", settings);
        domains.Add(new RoutingDomain(DomainEvents.DefaultDomain, settings.ToConfiguration().EnsureValid(), defaultTiming.ToDomainSettings()));
        foreach (var (id, own) in settings.Domains.OrderBy(d => d.Key, StringComparer.Ordinal))
        {
            var path = $"Routing:Domains:{id}";
            if (!DomainId().IsMatch(id) || id == DomainEvents.DefaultDomain)
            {
                errors.Add(new ConfigurationError(path,
                    $"a domain id is 1 to 64 lower-case letters, digits and '-', starting with a letter or digit, and not '{DomainEvents.DefaultDomain}' (the section's own settings)"));
                continue;
            }

            if (own.Domains.Count > 0)
            {
                errors.Add(new ConfigurationError($"{path}:Domains", "a domain has no domains of its own"));
                continue;
            }

            requireQueues(path, own);
            var timing = TimingSettings.Load(configuration);
            configuration.GetSection($"{path}:Timing").Bind(timing);
            var routing = own.ToConfiguration();
            var routingErrors = routing.Validate();
            errors.AddRange(routingErrors.Select(e => e with { Field = $"{path}:{e.Field}" }));
            try
            {
                var domainSettings = timing.ToDomainSettings($"{path}:Timing").For(id);
                if (routingErrors.Count == 0)
                {
                    domains.Add(new RoutingDomain(id, routing, domainSettings));
                }
            }
            catch (InvalidConfigurationException invalid)
            {
                errors.AddRange(invalid.Errors);
            }
        }

        return errors.Count == 0 ? new RoutingDomains(domains) : throw new InvalidConfigurationException(errors);
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,63}$")]
    private static partial Regex DomainId();
}
