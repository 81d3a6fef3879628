using Akka.Actor;
using Akka.Event;

namespace CallCenter.Routing.Agents.Domain;

/// <summary>
/// An event of a routing domain's actors as the node's event stream carries it, marked with the
/// domain it happened in: several domains may run on one node, and the log and the operators' view
/// keep them apart. Subscribers subscribe to the closed type they follow, such as
/// <c>DomainEvent&lt;CallEvent&gt;</c>. It stays on its node: nothing sends it to another.
/// </summary>
public sealed record DomainEvent<T>(string Domain, T Event) : INoSerializationVerificationNeeded;

public static class DomainEvents
{
    /// <summary>The domain of a single-centre setup, and of every message that names none.</summary>
    public const string DefaultDomain = "default";

    /// <summary>Publishes <paramref name="e"/> as an event of <paramref name="domain"/>, under its static type <typeparamref name="T"/>.</summary>
    public static void Publish<T>(this EventStream stream, string domain, T e) => stream.Publish(new DomainEvent<T>(domain, e));
}
