using Akka.Actor;
using CallCenter.Routing.Agents.Domain;

namespace CallCenter.Routing.Tests.Agents;

/// <summary>Hands a probe the events of a domain's actors (as published under <c>DomainEvent&lt;T&gt;</c>) as the plain events.</summary>
internal static class DomainEventProbes
{
    /// <summary>
    /// Subscribes at once: events published after this call reach <paramref name="target"/> in order.
    /// Only events of type <typeparamref name="TOnly"/>, of domain <paramref name="domain"/>, are passed on.
    /// </summary>
    public static void FollowDomainEvents<T, TOnly>(this ActorSystem system, IActorRef target, string domain = DomainEvents.DefaultDomain)
        where TOnly : T
    {
        var unwrap = system.ActorOf(Props.Create(() => new Unwrap<T>(target, domain, typeof(TOnly))));
        system.EventStream.Subscribe(unwrap, typeof(DomainEvent<T>));
    }

    public static void FollowDomainEvents<T>(this ActorSystem system, IActorRef target, string domain = DomainEvents.DefaultDomain) =>
        system.FollowDomainEvents<T, T>(target, domain);

    private sealed class Unwrap<T> : ReceiveActor
    {
        public Unwrap(IActorRef target, string domain, Type only) =>
            Receive<DomainEvent<T>>(e =>
            {
                if (e.Domain == domain && only.IsInstanceOfType(e.Event))
                {
                    target.Tell(e.Event);
                }
            });
    }
}
