using System.Collections.Concurrent;
using System.Runtime.Serialization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Akka.Actor;
using Akka.Serialization;

namespace CallCenter.Routing.Agents.Serialization;

/// <summary>
/// Writes the routing messages as JSON (System.Text.Json) with a manifest naming the message's type.
/// Only types of the CallCenter assemblies that are bound to this serializer are read back: any other
/// manifest is refused with a <see cref="SerializationException"/>, which Akka's remoting logs and
/// drops without tearing down the connection. See <see cref="MessageContracts"/> for how plain
/// records, typed ids, polymorphic fields and actor references are written.
/// </summary>
public sealed class RoutingMessageSerializer : SerializerWithStringManifest
{
    /// <summary>
    /// Written beside every message this serializer wrote, so a node knows to read it with this one:
    /// fixed for good (a change breaks the wire between versions), and above 100, away from the
    /// identifiers Akka and its modules take.
    /// </summary>
    public const int SerializerId = 7301;

    private readonly JsonSerializerOptions _options;
    private readonly ConcurrentDictionary<Type, string> _manifests = new();
    private readonly ConcurrentDictionary<string, Type> _types = new(StringComparer.Ordinal);

    public RoutingMessageSerializer(ExtendedActorSystem system)
        : base(system)
    {
        var messageInObject = new MessageInObjectConverter();
        _options = new JsonSerializerOptions
        {
            TypeInfoResolver = new DefaultJsonTypeInfoResolver { Modifiers = { new MessageContracts(messageInObject).Apply } },
            Converters = { new ActorRefConverter(system), new TypedIdConverterFactory(), new JsonStringEnumConverter() },
            NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,

            // Read by another node, never embedded in a page: names and text as they are, shorter.
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        };
        _options.MakeReadOnly();
    }

    public override int Identifier => SerializerId;

    public override string Manifest(object o) => ManifestOf(o.GetType());

    public override byte[] ToBinary(object obj)
    {
        var type = obj.GetType();
        ManifestOf(type);
        return JsonSerializer.SerializeToUtf8Bytes(obj, _options.GetTypeInfo(type));
    }

    public override object FromBinary(byte[] bytes, string manifest)
    {
        var typeInfo = _options.GetTypeInfo(TypeOf(manifest));
        try
        {
            return JsonSerializer.Deserialize(bytes, typeInfo) ?? throw new SerializationException($"a {manifest} was written as null");
        }
        catch (JsonException e)
        {
            // A message this version cannot read (a peer of another version, say) is dropped, not the connection.
            throw new SerializationException($"a {manifest} could not be read: {e.Message}", e);
        }
    }

    private string ManifestOf(Type type) => _manifests.GetOrAdd(type, static t => MessageTypes.IsOurs(t)
        ? MessageTypes.NameOf(t)
        : throw new SerializationException($"the routing serializer writes only types of the CallCenter assemblies, not {t}; bind {t} to another serializer"));

    private Type TypeOf(string manifest)
    {
        if (_types.TryGetValue(manifest, out var known))
        {
            return known;
        }

        var type = MessageTypes.Find(manifest)
            ?? throw new SerializationException($"the routing serializer reads only types of the CallCenter assemblies; '{manifest}' is not one of them");
        if (system.Serialization.FindSerializerForType(type).Identifier != Identifier)
        {
            throw new SerializationException($"'{manifest}' is not a message bound to the routing serializer");
        }

        return _types.GetOrAdd(manifest, type);
    }
}
