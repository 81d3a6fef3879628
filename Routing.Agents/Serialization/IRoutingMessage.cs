namespace CallCenter.Routing.Agents.Serialization;

/// <summary>
/// A message that may cross the cluster: Akka binds every type that carries this marker to the
/// <see cref="RoutingMessageSerializer"/>. Routing.Agents and Routing.Host mark their own messages
/// with it, so a new message declares in its own line that it can travel; Routing.Core knows nothing
/// of Akka, so its types that are sent on their own are bound by name in <see cref="RoutingSerialization"/>.
/// </summary>
public interface IRoutingMessage;
