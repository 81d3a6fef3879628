using Akka.Configuration;
using Akka.Hosting;
using CallCenter.Routing.Configuration;
using CallCenter.Routing.Lifecycle;
using CallCenter.Routing.Model;
using CallCenter.Routing.Operations;

namespace CallCenter.Routing.Agents.Serialization;

/// <summary>
/// Binds the messages that may cross the cluster to the <see cref="RoutingMessageSerializer"/>: every
/// <see cref="IRoutingMessage"/> (the protocols of Routing.Agents and the messages of Routing.Host),
/// and the types of Routing.Core that are sent on their own, as a message, an event or a reply. The
/// core knows nothing of Akka, so those are named here rather than marked; a type carried inside a
/// message needs no binding, the serializer writes it as part of the message.
/// </summary>
public static class RoutingSerialization
{
    public const string SerializerName = "callcenter-routing";

    /// <summary>The types of Routing.Core sent on their own (with everything derived from them).</summary>
    public static IReadOnlyList<Type> CoreMessageTypes { get; } =
    [
        typeof(AgentState),
        typeof(AgentEvent),
        typeof(CallState),
        typeof(CallEvent),
        typeof(DispositionRecorded),
        typeof(RoutingConfiguration),
        typeof(StateSnapshot),
        typeof(StateChange),
        typeof(Outcome),
    ];

    /// <summary>Every type bound to the serializer; a type derived from one of them is bound with it.</summary>
    public static IReadOnlyList<Type> BoundTypes { get; } = [typeof(IRoutingMessage), .. CoreMessageTypes];

    /// <summary>
    /// The serializer and its bindings as HOCON: what <see cref="WithRoutingSerialization"/> adds to an
    /// actor system, and what an actor system built without Akka.Hosting (a test's) takes as a fallback.
    /// </summary>
    public static Config Configuration { get; } = ConfigurationFactory.ParseString($$"""
        akka.actor {
          serializers {
            {{SerializerName}} = "{{MessageTypes.NameOf(typeof(RoutingMessageSerializer))}}"
          }
          serialization-bindings {
        {{string.Join("\n", BoundTypes.Select(t => $"    \"{MessageTypes.NameOf(t)}\" = {SerializerName}"))}}
          }
        }
        """);

    /// <summary>Messages that may cross the cluster go through the <see cref="RoutingMessageSerializer"/>.</summary>
    public static AkkaConfigurationBuilder WithRoutingSerialization(this AkkaConfigurationBuilder builder) =>
        builder.AddHocon(Configuration, HoconAddMode.Append);
}
