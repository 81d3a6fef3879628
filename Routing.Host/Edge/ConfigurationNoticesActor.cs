using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Event;
using Akka.Hosting;
using CallCenter.Routing.Agents.Serialization;

namespace CallCenter.Routing.Host.Edge;

/// <summary>
/// Keeps every node's administration of the domains (stored agent profiles, the configuration's
/// version) current with a change made on another node: the node that recorded a change tells the
/// others through the cluster, and each reads the domain's changes again from the configuration
/// journal, the one record of them. A change made meanwhile on a node not yet told still takes the
/// right version: each change first reads the journal (<see cref="ConfigurationAdmin"/>).
/// </summary>
public sealed class ConfigurationNoticesActor : ReceiveActor
{
    /// <summary>The topic of the changes in the cluster's publish-subscribe.</summary>
    public const string Topic = "configuration-changes";

    private readonly ILoggingAdapter _log = Context.GetLogger();

    public ConfigurationNoticesActor(DomainAdministration administration)
    {
        Receive<ConfigurationChanged>(changed =>
        {
            var domain = administration[changed.Domain];
            if (changed.Version > domain.Journal.Version)
            {
                domain.CatchUpAsync(CancellationToken.None).PipeTo(Self, failure: e => new CatchUpFailed(changed.Domain, e));
            }
        });
        Receive<CatchUpFailed>(m => _log.Warning("Routing domain {0}: a configuration change made on another node cannot be read yet ({1}); it is read at the next change", m.Domain, m.Error.Message));
        Receive<SubscribeAck>(_ => { });
        Receive<Status.Success>(_ => { });
    }

    public static Props Props(DomainAdministration administration) => Akka.Actor.Props.Create(() => new ConfigurationNoticesActor(administration));

    protected override void PreStart()
    {
        if (InCluster(Context.System))
        {
            DistributedPubSub.Get(Context.System).Mediator.Tell(new Subscribe(Topic, Self));
        }
    }

    /// <summary>Tells every node (this one too, which changes nothing) that the domain's configuration reached <paramref name="version"/>.</summary>
    public static void Publish(ActorSystem system, string domain, long version)
    {
        if (InCluster(system))
        {
            DistributedPubSub.Get(system).Mediator.Tell(new Publish(Topic, new ConfigurationChanged(domain, version)));
        }
    }

    /// <summary>A node of a cluster (an actor system run in virtual time is none).</summary>
    private static bool InCluster(ActorSystem system) => ((ExtendedActorSystem)system).Provider is Akka.Cluster.IClusterActorRefProvider;

    /// <summary>The domain's configuration changes now reach <paramref name="Version"/>.</summary>
    public sealed record ConfigurationChanged(string Domain, long Version) : IRoutingMessage;

    private sealed record CatchUpFailed(string Domain, Exception Error);
}

/// <summary>Starts the actor that keeps this node's administration current with the other nodes'.</summary>
public static class ConfigurationNoticesHosting
{
    public static AkkaConfigurationBuilder WithConfigurationNotices(this AkkaConfigurationBuilder builder) =>
        builder.WithActors((system, registry, resolver) =>
            registry.Register<ConfigurationNoticesActor>(
                system.ActorOf(ConfigurationNoticesActor.Props(resolver.GetService<DomainAdministration>()), "configuration-notices")));
}
