using System.Globalization;
using Akka.Cluster.Hosting;
using Akka.Cluster.Hosting.SBR;
using Akka.Discovery.KubernetesApi;
using Akka.Hosting;
using Akka.Management;
using Akka.Management.Cluster.Bootstrap;
using Akka.Remote.Hosting;

namespace CallCenter.Routing.Host.Cluster;

/// <summary>Makes the actor system a node of the routing cluster.</summary>
public static class ClusterHosting
{
    /// <summary>
    /// Remoting on the configured address, Akka.Cluster with the split-brain resolver keeping the
    /// majority, and the way the node finds the others: the configured seeds, Kubernetes discovery,
    /// or none, and then it forms a cluster by itself at once.
    /// </summary>
    public static AkkaConfigurationBuilder WithRoutingCluster(this AkkaConfigurationBuilder akka, ClusterSettings settings, string systemName)
    {
        var seeds = settings.SeedAddresses(systemName);
        akka.WithRemoting(settings.Hostname, settings.Port, settings.PublicAddress)
            .WithClustering(new ClusterOptions
            {
                SeedNodes = seeds.Count > 0 ? [.. seeds] : null,
                SplitBrainResolver = new KeepMajorityOption(),
            })
            .AddHocon(
                $"""
                 akka.cluster.failure-detector.acceptable-heartbeat-pause = {Milliseconds(settings.AcceptableHeartbeatPauseSeconds)}
                 akka.cluster.split-brain-resolver.stable-after = {Milliseconds(settings.StableAfterSeconds)}
                 akka.cluster.down-removal-margin = {Milliseconds(settings.DownRemovalMarginSeconds)}
                 akka.cluster.log-info = off
                 # An operator's snapshot of a busy domain on another node is one message of a few MB
                 # (about 160 bytes a call): far over remoting's default frame of 128 kB.
                 akka.remote.dot-netty.tcp.maximum-frame-size = {MaximumFrameBytes}b
                 """,
                HoconAddMode.Prepend);

        if (settings.Discovery == ClusterDiscovery.Kubernetes)
        {
            akka.WithAkkaManagement(port: settings.ManagementPort)
                .WithClusterBootstrap(serviceName: settings.ServiceName, portName: "management", requiredContactPoints: settings.RequiredContactPoints)
                .WithKubernetesDiscovery($"app={settings.ServiceName}");
        }
        else if (seeds.Count == 0)
        {
            // A node alone: it joins itself, so its cluster is up at once.
            akka.AddStartup((system, _) =>
            {
                var cluster = Akka.Cluster.Cluster.Get(system);
                cluster.Join(cluster.SelfAddress);
            });
        }

        return akka;
    }

    /// <summary>The largest message between nodes: a snapshot of 100,000 waiting calls fits twice over.</summary>
    public const int MaximumFrameBytes = 32 * 1024 * 1024;

    private static string Milliseconds(double seconds) =>
        Math.Round(seconds * 1000).ToString(CultureInfo.InvariantCulture) + "ms";
}
