using CallCenter.Routing.Configuration;
using CallCenter.Routing.Host.Cluster;
using Microsoft.Extensions.Configuration;

namespace CallCenter.Routing.Tests.Host;

/// <summary>The cluster's settings: nothing set is a node alone on loopback; a setting out of range stops the start, naming its key.</summary>
public sealed class ClusterSettingsTests
{
    private static IConfiguration With(params (string Key, string Value)[] settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>($"Routing:Cluster:{s.Key}", s.Value))).Build();

    [Test]
    public void With_nothing_set_the_node_is_alone_on_a_free_loopback_port()
    {
        var settings = ClusterSettings.Load(With());

        Assert.That((settings.Hostname, settings.Port, settings.Seeds, settings.Discovery), Is.EqualTo(("127.0.0.1", 0, new List<string>(), ClusterDiscovery.None)));
        Assert.That(settings.SeedAddresses("callcenter"), Is.Empty);
    }

    [Test]
    public void Seeds_become_the_addresses_of_the_actor_system_on_those_nodes()
    {
        var settings = ClusterSettings.Load(With(("Port", "4053"), ("Seeds:0", "node1:4053"), ("Seeds:1", " 10.0.0.2:4054 ")));

        Assert.That(settings.SeedAddresses("callcenter"), Is.EqualTo(new[] { "akka.tcp://callcenter@node1:4053", "akka.tcp://callcenter@10.0.0.2:4054" }));
        Assert.That(settings.PublicAddress, Is.EqualTo("127.0.0.1"));
    }

    [TestCase("Seeds:0", "node1", "Routing:Cluster:Seeds:0", "'node1' is not host:port")]
    [TestCase("Seeds:0", "node1:99999", "Routing:Cluster:Seeds:0", "'node1:99999' is not host:port")]
    [TestCase("Port", "70000", "Routing:Cluster:Port", "must be a port number (0 for a free one)")]
    [TestCase("Hostname", " ", "Routing:Cluster:Hostname", "must name an address")]
    [TestCase("StableAfterSeconds", "0", "Routing:Cluster:StableAfterSeconds", "must be at least 0.5")]
    [TestCase("DownRemovalMarginSeconds", "-1", "Routing:Cluster:DownRemovalMarginSeconds", "must be at least 0")]
    public void A_setting_out_of_range_is_refused_by_its_key(string key, string value, string field, string message)
    {
        var error = Assert.Throws<InvalidConfigurationException>(() => ClusterSettings.Load(With((key, value))));

        Assert.That(error!.Errors, Is.EqualTo(new[] { new ConfigurationError(field, message) }));
    }

    [Test]
    public void Kubernetes_discovery_is_named_as_the_deployment_files_name_it()
    {
        var settings = ClusterSettings.Load(With(("Discovery", "kubernetes"), ("Hostname", "10.1.2.3"), ("Port", "4053")));

        Assert.That((settings.Discovery, settings.ServiceName, settings.ManagementPort, settings.RequiredContactPoints),
            Is.EqualTo((ClusterDiscovery.Kubernetes, "callcenter", 8558, 3)));
    }

    [Test]
    public void Seeds_and_Kubernetes_discovery_do_not_go_together()
    {
        var error = Assert.Throws<InvalidConfigurationException>(() => ClusterSettings.Load(With(("Discovery", "Kubernetes"), ("Seeds:0", "node1:4053"))));

        Assert.That(error!.Errors.Select(e => e.Field), Is.EqualTo(new[] { "Routing:Cluster:Seeds" }));
    }
}
