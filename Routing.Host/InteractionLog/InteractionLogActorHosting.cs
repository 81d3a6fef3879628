using Akka.Hosting;
using CallCenter.Routing.Agents.Domain;

namespace CallCenter.Routing.Host.InteractionLog;

/// <summary>Registers the actor that feeds the interaction log.</summary>
public static class InteractionLogActorHosting
{
    public static AkkaConfigurationBuilder WithInteractionLog(this AkkaConfigurationBuilder builder) =>
        builder.WithActors((system, registry, resolver) =>
        {
            var log = system.ActorOf(InteractionLogActor.Props(resolver.GetService<InteractionLogWriter>(), DateTimeOffset.UtcNow), "interaction-log");
            registry.Register<InteractionLogActor>(log);
            // The domains running on this node log here, so they ask this log when their edge waits for a commit.
            registry.Register<DomainDurability>(log);
        });
}
