using Akka.Hosting;

namespace CallCenter.Routing.Agents.Operations;

/// <summary>Registers the operators' view with Akka.Hosting, so the domains on this node can hand it the edge's requests.</summary>
public static class StateViewHosting
{
    public static AkkaConfigurationBuilder WithRoutingStateView(this AkkaConfigurationBuilder builder) =>
        builder.WithActors((system, registry) =>
            registry.Register<StateViewActor>(system.ActorOf(StateViewActor.Props(), "state-view")));
}
