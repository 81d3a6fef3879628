namespace CallCenter.Routing.Agents.Domain;

/// <summary>
/// The key under which a node registers the actor that answers <see cref="DomainProtocol.WhenDurable"/>
/// (its interaction log) in Akka.Hosting's registry: a domain asks the log of whatever node it runs on.
/// </summary>
public sealed class DomainDurability
{
    private DomainDurability()
    {
    }
}
