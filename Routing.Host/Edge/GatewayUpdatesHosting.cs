using Akka.Hosting;

namespace CallCenter.Routing.Host.Edge;

/// <summary>Registers the actor that carries call updates to the gateways.</summary>
public static class GatewayUpdatesHosting
{
    public static AkkaConfigurationBuilder WithGatewayUpdates(this AkkaConfigurationBuilder builder) =>
        builder.WithActors((system, registry, resolver) =>
            registry.Register<GatewayUpdatesActor>(system.ActorOf(GatewayUpdatesActor.Props(resolver.GetService<GatewayRegistry>()), GatewayUpdatesActor.Name)));
}
