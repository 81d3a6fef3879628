using Akka.Hosting;

namespace CallCenter.Routing.Host.InteractionLog;

/// <summary>Registers the actor that feeds the interaction log.</summary>
public static class InteractionLogActorHosting
{
    public static AkkaConfigurationBuilder WithInteractionLog(this AkkaConfigurationBuilder builder) =>
        builder.WithActors((system, registry, resolver) => registry.Register<InteractionLogActor>(system.ActorOf(
            InteractionLogActor.Props(resolver.GetService<InteractionLogWriter>(), DateTimeOffset.UtcNow), "interaction-log")));
}
