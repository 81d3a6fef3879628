using Akka.Actor;
using Akka.Cluster.Hosting;
using Akka.Cluster.Sharding;
using Akka.Event;
using Akka.Hosting;
using CallCenter.Routing.Agents.Calls;
using CallCenter.Routing.Configuration;

namespace CallCenter.Routing.Agents.Domain;

/// <summary>
/// Which routing domain a message is for, and its shard: every domain is a shard of its own, so the
/// cluster places whole domains on nodes and one domain's work never crosses the network. A message
/// that names no domain is for the default domain; one for another comes in a <see cref="ShardingEnvelope"/>,
/// which the shard region (and <see cref="LocalRoutingDomains"/>) opens itself.
/// </summary>
public sealed class RoutingDomainExtractor(string defaultDomain) : IMessageExtractor
{
    public string DefaultDomain { get; } = defaultDomain;

    public string EntityId(object message) => DefaultDomain;

    public object EntityMessage(object message) => message;

    [Obsolete("Akka's older form; the shard follows from the entity id")]
    public string ShardId(object message) => EntityId(message);

    public string ShardId(string entityId, object? messageHint = null) => entityId;
}

/// <summary>The routing domains as entities of a shard region, one per domain, spread over the cluster's nodes.</summary>
public static class RoutingDomainSharding
{
    public const string TypeName = "routing-domain";

    /// <summary>
    /// Starts the shard region of the routing domains and registers it as the
    /// <see cref="RoutingDomainActor"/>: whoever asks for the domain by type gets the region, and the
    /// region takes each message to its domain wherever that runs. <paramref name="domainProps"/>
    /// gives a domain's actor from its id.
    /// </summary>
    /// <param name="domains">The domains kept running: once the node is up, it asks the region to start each every <paramref name="wakeInterval"/>, so a domain whose node was lost starts again on a survivor without waiting for a message.</param>
    public static AkkaConfigurationBuilder WithShardedRoutingDomains(
        this AkkaConfigurationBuilder builder, Func<string, Props> domainProps, string defaultDomain, IReadOnlyList<string> domains, TimeSpan wakeInterval) =>
        builder.AddHocon(CompactMailbox.Configuration, HoconAddMode.Append).AddStartup((system, registry) =>
        {
            var cluster = Akka.Cluster.Cluster.Get(system);
            cluster.RegisterOnMemberUp(() =>
            {
                system.Log.Info("Cluster node up: {0}", cluster.SelfAddress);
                var region = registry.Get<RoutingDomainActor>();
                // Starting a running domain is answered and changes nothing; the region keeps the
                // message while the domain's shard has no home yet (its node being removed).
                system.Scheduler.Advanced.ScheduleRepeatedly(TimeSpan.Zero, wakeInterval, () =>
                {
                    foreach (var domain in domains)
                    {
                        region.Tell(new ShardRegion.StartEntity(domain), ActorRefs.Nobody);
                    }
                });
            });
        }).WithShardRegion<RoutingDomainActor>(
            TypeName,
            domainProps,
            new RoutingDomainExtractor(defaultDomain),
            new ShardOptions
            {
                // The shards' homes are agreed in memory among the nodes: nothing on disk, and the
                // domains' own state is in the interaction log.
                StateStoreMode = StateStoreMode.DData,
                // A quiet domain still has timers to keep (callbacks, wrap-ups): it is never stopped for idling.
                ShouldPassivateIdleEntities = false,
                // Moved to another node, a domain first lets what it logged commit.
                HandOffStopMessage = DomainProtocol.HandOff.Instance,
            });

    /// <summary>
    /// The routing domains as children of one local actor, found by the same extractor as the shard
    /// region's, for an actor system that is no cluster: one run in virtual time (a test scheduler
    /// drives no cluster's gossip). Registered as the <see cref="RoutingDomainActor"/> like the region.
    /// </summary>
    public static AkkaConfigurationBuilder WithLocalRoutingDomains(
        this AkkaConfigurationBuilder builder, Func<string, Props> domainProps, string defaultDomain) =>
        builder.AddHocon(CompactMailbox.Configuration, HoconAddMode.Append).WithActors((system, registry) =>
            registry.Register<RoutingDomainActor>(system.ActorOf(
                LocalRoutingDomains.Props(domainProps, new RoutingDomainExtractor(defaultDomain)), "routing")));
}

/// <summary>A domain per entity id of <see cref="RoutingDomainExtractor"/>, as children, started by their first message.</summary>
public sealed class LocalRoutingDomains : ReceiveActor
{
    private readonly Func<string, Props> _domainProps;
    private readonly IMessageExtractor _extractor;

    public LocalRoutingDomains(Func<string, Props> domainProps, IMessageExtractor extractor)
    {
        _domainProps = domainProps;
        _extractor = extractor;
        ReceiveAny(Deliver);
    }

    public static Props Props(Func<string, Props> domainProps, IMessageExtractor extractor) =>
        Akka.Actor.Props.Create(() => new LocalRoutingDomains(domainProps, extractor));

    private void Deliver(object message)
    {
        var (id, payload) = message is ShardingEnvelope envelope
            ? (envelope.EntityId, envelope.Message)
            : (_extractor.EntityId(message), _extractor.EntityMessage(message));
        if (id is null || payload is null)
        {
            Unhandled(message);
            return;
        }

        // Child names are path elements: the id is escaped, as the shard region escapes its entities'.
        var name = Uri.EscapeDataString(id);
        var domain = Context.Child(name);
        if (domain.IsNobody())
        {
            domain = Context.ActorOf(_domainProps(id), name);
        }

        domain.Forward(payload);
    }
}
