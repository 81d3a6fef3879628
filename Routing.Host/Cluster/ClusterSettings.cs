using CallCenter.Routing.Configuration;
using CallCenter.Routing.Host.Configuration;

namespace CallCenter.Routing.Host.Cluster;

/// <summary>How nodes find one another.</summary>
public enum ClusterDiscovery
{
    /// <summary>The seed nodes are configured (<see cref="ClusterSettings.Seeds"/>), or the node forms a cluster alone.</summary>
    None,

    /// <summary>The pods labelled <c>app=ServiceName</c> find one another through the Kubernetes API (Akka.Management's bootstrap).</summary>
    Kubernetes,
}

/// <summary>
/// The <c>Routing:Cluster</c> section: where this node listens for the other nodes and how it finds
/// them. With nothing configured the node forms a cluster of one on a free loopback port.
/// </summary>
public sealed class ClusterSettings
{
    public const string Section = "Routing:Cluster";

    /// <summary>The address the node binds, and the one other nodes reach it at unless <see cref="PublicHostname"/> says otherwise.</summary>
    public string Hostname { get; set; } = "127.0.0.1";

    /// <summary>The port for the other nodes; 0 takes a free one (a node alone needs no fixed port).</summary>
    public int Port { get; set; }

    /// <summary>The address other nodes reach this one at, when it differs from the bound one (a container's or pod's address).</summary>
    public string? PublicHostname { get; set; }

    /// <summary>Seed nodes as <c>host:port</c>; none (and no discovery) means the node forms a cluster by itself.</summary>
    public List<string> Seeds { get; set; } = [];

    public ClusterDiscovery Discovery { get; set; } = ClusterDiscovery.None;

    /// <summary>With Kubernetes discovery: the pods' label <c>app</c> and the name the bootstrap looks for.</summary>
    public string ServiceName { get; set; } = "callcenter";

    /// <summary>Akka.Management's HTTP port (the bootstrap's contact point), with Kubernetes discovery.</summary>
    public int ManagementPort { get; set; } = 8558;

    /// <summary>With Kubernetes discovery: how many pods must be found before a new cluster is formed.</summary>
    public int RequiredContactPoints { get; set; } = 3;

    /// <summary>How long a node may miss heartbeats before it is taken as unreachable.</summary>
    public double AcceptableHeartbeatPauseSeconds { get; set; } = 2;

    /// <summary>How long the membership must be unchanged before the split-brain resolver downs the unreachable side.</summary>
    public double StableAfterSeconds { get; set; } = 2;

    /// <summary>
    /// How long after a node is downed before its domains start elsewhere: the time it has to
    /// notice it is cut off and stop serving them (it stops at the resolver's decision on its side).
    /// </summary>
    public double DownRemovalMarginSeconds { get; set; } = 1;

    /// <summary>The address the other nodes reach this one at: <see cref="PublicHostname"/>, else <see cref="Hostname"/>.</summary>
    public string PublicAddress => string.IsNullOrWhiteSpace(PublicHostname) ? Hostname : PublicHostname!;

    public static ClusterSettings Load(IConfiguration configuration)
    {
        var settings = SettingsBinding.Read<ClusterSettings>(configuration, Section);
        var errors = settings.Errors().ToList();
        return errors.Count == 0 ? settings : throw new InvalidConfigurationException(errors);
    }

    /// <summary>The seed nodes as Akka addresses of the actor system <paramref name="systemName"/>.</summary>
    public IReadOnlyList<string> SeedAddresses(string systemName) =>
        Seeds.Select(seed => $"akka.tcp://{systemName}@{seed.Trim()}").ToList();

    private IEnumerable<ConfigurationError> Errors()
    {
        if (string.IsNullOrWhiteSpace(Hostname))
        {
            yield return new ConfigurationError($"{Section}:Hostname", "must name an address");
        }

        if (Port is < 0 or > 65535)
        {
            yield return new ConfigurationError($"{Section}:Port", "must be a port number (0 for a free one)");
        }

        for (var i = 0; i < Seeds.Count; i++)
        {
            var parts = Seeds[i].Trim().Split(':');
            if (parts.Length != 2 || parts[0].Length == 0 || !int.TryParse(parts[1], out var port) || port is < 1 or > 65535)
            {
                yield return new ConfigurationError($"{Section}:Seeds:{i}", $"'{Seeds[i]}' is not host:port");
            }
        }

        if (Discovery == ClusterDiscovery.Kubernetes && Seeds.Count > 0)
        {
            yield return new ConfigurationError($"{Section}:Seeds", "must be empty with Kubernetes discovery: the nodes find one another");
        }

        foreach (var (name, value, least) in new[]
                 {
                     ("AcceptableHeartbeatPauseSeconds", AcceptableHeartbeatPauseSeconds, 0.5), ("StableAfterSeconds", StableAfterSeconds, 0.5),
                     ("DownRemovalMarginSeconds", DownRemovalMarginSeconds, 0.0),
                 })
        {
            if (!(value >= least))
            {
                yield return new ConfigurationError($"{Section}:{name}", $"must be at least {least}");
            }
        }
    }
}
