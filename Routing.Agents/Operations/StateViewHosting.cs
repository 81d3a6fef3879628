using Akka.Hosting;

namespace CallCenter.Routing.Agents.Operations;

/// <summary>Registers the operators' view with Akka.Hosting, so the edge can ask for it by type.</summary>
public static class StateViewHosting
{
    public static AkkaConfigurationBuilder WithRoutingStateView(this AkkaConfigurationBuilder builder) =>
        builder.WithActors((system, registry) =>
            registry.Register<StateViewActor>(system.ActorOf(StateViewActor.Props(), "state-view")));
}
