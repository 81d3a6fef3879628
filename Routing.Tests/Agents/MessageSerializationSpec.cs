using System.Collections;
using System.Reflection;
using System.Runtime.Serialization;
using System.Text;
using Akka.Actor;
using Akka.Serialization;
using CallCenter.Routing.Agents.AgentActors;
using CallCenter.Routing.Agents.Calls;
using CallCenter.Routing.Agents.Dispatching;
using CallCenter.Routing.Agents.Domain;
using CallCenter.Routing.Agents.Operations;
using CallCenter.Routing.Agents.Queues;
using CallCenter.Routing.Agents.Serialization;
using CallCenter.Routing.Host.InteractionLog;
using CallCenter.Routing.Lifecycle;
using CallCenter.Routing.Matching;
using CallCenter.Routing.Model;
using CallCenter.Routing.Operations;
using CallCenter.Routing.Statistics;

namespace CallCenter.Routing.Tests.Agents;

/// <summary>
/// Every message that may cross a cluster goes through the routing serializer and comes back the
/// same: through the serializer Akka finds for it, as a remote node would read it (by the manifest).
/// </summary>
public sealed class MessageSerializationSpec : ActorSpec
{
    private static readonly AgentId Alice = new("alice");

    private static IEnumerable<TestCaseData> Messages() =>
        RoutingMessageCatalogue.All().Select(m => new TestCaseData(m.Make).SetName($"Comes back the same from serialization: {m.Name}"));

    [TestCaseSource(nameof(Messages))]
    public void A_message_comes_back_the_same_from_the_routing_serializer(Func<IActorRef, object> make)
    {
        var message = make(TestActor);
        var serializer = Sys.Serialization.FindSerializerFor(message);
        Assert.That(serializer, Is.InstanceOf<RoutingMessageSerializer>(), $"the serializer of {message.GetType()}");

        var bytes = serializer.ToBinary(message);
        var back = Sys.Serialization.Deserialize(bytes, serializer.Identifier, Akka.Serialization.Serialization.ManifestFor(serializer, message));

        var json = Encoding.UTF8.GetString(bytes);
        Assert.That(back.GetType(), Is.EqualTo(message.GetType()), json);
        Assert.That(SameValue(message, back), $"field by field, lists item by item: {json}");
        if (!HoldsCollections(message))
        {
            // Records holding a list compare it by reference: those are compared above, and as written below.
            Assert.That(back, Is.EqualTo(message), json);
        }

        Assert.That(Encoding.UTF8.GetString(serializer.ToBinary(back)), Is.EqualTo(json), "written again");
    }

    [Test]
    public void Every_message_type_bound_to_the_routing_serializer_is_among_the_cases()
    {
        var covered = RoutingMessageCatalogue.All().Select(m => m.Make(TestActor).GetType()).ToHashSet();

        Assert.That(BoundConcreteTypes().Where(t => !covered.Contains(t)), Is.Empty);
    }

    [Test]
    public void Every_kind_of_a_polymorphic_field_is_carried_by_some_case()
    {
        Type[] polymorphic = [typeof(RoutingEvent), typeof(OfferTrace), typeof(QueueFact), typeof(StateChange), typeof(CallEvent), typeof(AgentEvent), typeof(LogRecord)];
        var carried = new HashSet<Type>();
        foreach (var (_, make) in RoutingMessageCatalogue.All())
        {
            CollectTypes(make(TestActor), carried);
        }

        var kinds = polymorphic.SelectMany(p => p.Assembly.GetTypes().Where(t => !t.IsAbstract && p.IsAssignableFrom(t)));
        Assert.That(kinds.Where(k => !carried.Contains(k)), Is.Empty);
    }

    [Test]
    public void Every_type_bound_by_the_routing_serialization_goes_to_the_routing_serializer()
    {
        var serializers = BoundConcreteTypes().Select(t => (Type: t, Serializer: Sys.Serialization.FindSerializerForType(t).GetType()));

        Assert.That(serializers.Where(s => s.Serializer != typeof(RoutingMessageSerializer)).Select(s => $"{s.Type} goes to {s.Serializer}"), Is.Empty);
        Assert.That(BoundConcreteTypes(), Has.Count.GreaterThan(100), "the bound types were found");
    }

    [Test]
    public void Every_public_record_of_the_protocols_is_bound_to_the_routing_serializer()
    {
        Type[] protocols = [typeof(AgentProtocol), typeof(CallProtocol), typeof(QueueProtocol), typeof(Dispatch), typeof(StateViewProtocol), typeof(DomainProtocol), typeof(InteractionLogActor)];
        // The parts of a restore, and the log's answers that carry its commit (a task, on its node only), are no messages of their own.
        Type[] notMessages =
        [
            typeof(Dispatch.RestoredAgent), typeof(Dispatch.LoggedOutBackup), typeof(Dispatch.RestoredWaitingCall),
            typeof(InteractionLogActor.BarrierReached), typeof(DomainProtocol.Committing),
        ];
        var records = protocols.SelectMany(p => p.GetNestedTypes(BindingFlags.Public)).Where(t => t.IsClass && !t.IsAbstract).Except(notMessages).Append(typeof(CommandResult));

        Assert.That(records.Where(t => Sys.Serialization.FindSerializerForType(t) is not RoutingMessageSerializer), Is.Empty);
    }

    [Test]
    public void An_actor_reference_inside_a_message_comes_back_as_the_same_actor()
    {
        var softphone = CreateTestProbe("softphone");

        var back = RoundTrip(new AgentProtocol.Subscribe(Alice, softphone.Ref));

        Assert.That(back.Subscriber, Is.EqualTo(softphone.Ref));
        back.Subscriber.Tell("ring", TestActor);
        softphone.ExpectMsg("ring");
    }

    [Test]
    public void A_singleton_comes_back_as_its_one_instance()
    {
        Assert.That(RoundTrip(DomainProtocol.WhenReady.Instance), Is.SameAs(DomainProtocol.WhenReady.Instance));
        Assert.That(RoundTrip(StateViewProtocol.GetSnapshot.Instance), Is.SameAs(StateViewProtocol.GetSnapshot.Instance));
    }

    [Test]
    public void Ids_travel_as_plain_strings_also_as_dictionary_keys()
    {
        var json = Encoding.UTF8.GetString(Serializer.ToBinary(RoutingMessageCatalogue.Shapes()));

        Assert.That(json, Does.Contain("\"WaitingByQueue\":{\"main\":3,\"spill\":0}"));
        Assert.That(json, Does.Contain("\"alice\":\"OnCall\"").And.Contain("\"bob\":\"NotReady\""), "an immutable dictionary keyed by agents");
        Assert.That(json, Does.Contain("\"Unset\":null"));
    }

    [Test]
    public void Messages_between_actors_are_copies_made_by_the_routing_serializer()
    {
        var sent = new Dispatch.AgentAway(Alice);

        TestActor.Tell(sent);

        var received = ExpectMsg<Dispatch.AgentAway>();
        Assert.That(received, Is.EqualTo(sent).And.Not.SameAs(sent), "serialize-messages is on");
    }

    [TestCase("System.IO.FileInfo, System.IO.FileSystem", TestName = "A manifest outside the CallCenter assemblies is refused")]
    [TestCase("CallCenter.Routing.Lifecycle.AgentState, System.Private.CoreLib", TestName = "A manifest naming an assembly not ours is refused")]
    [TestCase("CallCenter.Routing.Agents.Domain.DomainSettings, Routing.Agents", TestName = "A manifest naming a type of ours that is no message is refused")]
    [TestCase("CallCenter.Routing.Agents.Domain.NoSuchMessage, Routing.Agents", TestName = "A manifest naming no type is refused")]
    [TestCase("CallCenter.Routing.Agents.Domain.CommandResult", TestName = "A manifest without its assembly is refused")]
    public void A_manifest_naming_anything_but_a_routing_message_is_refused(string manifest)
    {
        var refused = Assert.Throws<SerializationException>(() => Serializer.FromBinary("{}"u8.ToArray(), manifest));

        Assert.That(refused!.Message, Does.Contain(manifest));
    }

    [Test]
    public void A_message_that_cannot_be_read_is_a_serialization_failure_which_remoting_drops()
    {
        var manifest = Serializer.Manifest(new Dispatch.AgentAway(Alice));

        Assert.Throws<SerializationException>(() => Serializer.FromBinary("{\"Agent\":"u8.ToArray(), manifest));
        Assert.Throws<SerializationException>(() => Serializer.FromBinary("{\"Agent\":{\"Value\":1}}"u8.ToArray(), manifest));
    }

    [Test]
    public void A_type_outside_the_CallCenter_assemblies_is_not_written()
    {
        Assert.Throws<SerializationException>(() => Serializer.ToBinary(new Uri("http://example.com/")));
    }

    private RoutingMessageSerializer Serializer => (RoutingMessageSerializer)Sys.Serialization.FindSerializerForType(typeof(CommandResult));

    private T RoundTrip<T>(T message)
        where T : notnull
    {
        var serializer = Sys.Serialization.FindSerializerFor(message);
        Assert.That(serializer, Is.InstanceOf<RoutingMessageSerializer>());
        return (T)Sys.Serialization.Deserialize(serializer.ToBinary(message), serializer.Identifier, Akka.Serialization.Serialization.ManifestFor(serializer, message));
    }

    /// <summary>The concrete types of the routing assemblies that the routing serialization binds.</summary>
    private static List<Type> BoundConcreteTypes() =>
        new[] { typeof(AgentState).Assembly, typeof(IRoutingMessage).Assembly, typeof(LogRecord).Assembly }
            .SelectMany(a => a.GetTypes())
            .Where(t => !t.IsAbstract && !t.IsInterface && RoutingSerialization.BoundTypes.Any(b => b.IsAssignableFrom(t)))
            .ToList();

    /// <summary>
    /// Equality that looks into lists and dictionaries (a record holding one compares it by
    /// reference), property by property through the routing types.
    /// </summary>
    private static bool SameValue(object? expected, object? actual)
    {
        if (expected is null || actual is null)
        {
            return expected is null && actual is null;
        }

        if (expected is string || expected is IActorRef)
        {
            return expected.Equals(actual);
        }

        if (expected is IDictionary expectedMap && actual is IDictionary actualMap)
        {
            return expectedMap.Count == actualMap.Count
                && expectedMap.Keys.Cast<object>().All(k => actualMap.Contains(k) && SameValue(expectedMap[k], actualMap[k]));
        }

        if (expected is IEnumerable expectedItems && actual is IEnumerable actualItems)
        {
            var left = expectedItems.Cast<object?>().ToList();
            var right = actualItems.Cast<object?>().ToList();
            return left.Count == right.Count && left.Zip(right).All(pair => SameValue(pair.First, pair.Second));
        }

        var type = expected.GetType();
        if (type != actual.GetType())
        {
            return false;
        }

        return !IsRoutingType(type)
            ? expected.Equals(actual)
            : ReadableProperties(type).All(p => SameValue(p.GetValue(expected), p.GetValue(actual)));
    }

    private static bool HoldsCollections(object? value) => value switch
    {
        null or string or IActorRef => false,
        IEnumerable => true,
        _ => IsRoutingType(value.GetType()) && ReadableProperties(value.GetType()).Any(p => HoldsCollections(p.GetValue(value))),
    };

    private static void CollectTypes(object? value, HashSet<Type> types)
    {
        switch (value)
        {
            case null or string or IActorRef:
                return;
            case IEnumerable items:
                foreach (var item in items)
                {
                    CollectTypes(item, types);
                }

                return;
        }

        if (IsRoutingType(value.GetType()))
        {
            types.Add(value.GetType());
            foreach (var property in ReadableProperties(value.GetType()))
            {
                CollectTypes(property.GetValue(value), types);
            }
        }
    }

    private static bool IsRoutingType(Type type) => type.Namespace?.StartsWith("CallCenter.", StringComparison.Ordinal) == true;

    private static IEnumerable<PropertyInfo> ReadableProperties(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanRead && p.GetIndexParameters().Length == 0);
}
