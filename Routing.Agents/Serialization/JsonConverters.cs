using System.Linq.Expressions;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using Akka.Actor;
using AkkaSerialization = Akka.Serialization.Serialization;

namespace CallCenter.Routing.Agents.Serialization;

/// <summary>
/// An actor reference as its path with address, the way Akka's own serializers write one, so a
/// subscriber or a reply-to inside a message reaches the same actor here and on another node.
/// </summary>
internal sealed class ActorRefConverter(ExtendedActorSystem system) : JsonConverter<IActorRef>
{
    public override IActorRef? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var path = reader.GetString();
        return string.IsNullOrEmpty(path) ? ActorRefs.NoSender : system.Provider.ResolveActorRef(path);
    }

    public override void Write(Utf8JsonWriter writer, IActorRef value, JsonSerializerOptions options) =>
        writer.WriteStringValue(AkkaSerialization.SerializedActorPath(value));
}

/// <summary>
/// Typed ids (a type of ours whose only public property is a string <c>Value</c>, made from that
/// string) as the plain string, also as dictionary keys.
/// </summary>
internal sealed class TypedIdConverterFactory : JsonConverterFactory
{
    public override bool CanConvert(Type typeToConvert) => ValueOf(typeToConvert) is not null;

    public override JsonConverter CreateConverter(Type typeToConvert, JsonSerializerOptions options)
    {
        var (constructor, value) = ValueOf(typeToConvert)!.Value;
        return (JsonConverter)Activator.CreateInstance(typeof(TypedIdConverter<>).MakeGenericType(typeToConvert), constructor, value)!;
    }

    private static (ConstructorInfo Constructor, PropertyInfo Value)? ValueOf(Type type)
    {
        if (!MessageTypes.IsOurs(type) || type.IsAbstract)
        {
            return null;
        }

        var properties = type.GetProperties(BindingFlags.Public | BindingFlags.Instance);
        return properties is [{ Name: "Value", CanRead: true } value] && value.PropertyType == typeof(string)
            && type.GetConstructor([typeof(string)]) is { } constructor
            ? (constructor, value)
            : null;
    }
}

internal sealed class TypedIdConverter<TId> : JsonConverter<TId>
{
    private readonly Func<string?, TId> _create;
    private readonly Func<TId, string?> _value;

    public TypedIdConverter(ConstructorInfo constructor, PropertyInfo value)
    {
        var text = Expression.Parameter(typeof(string));
        _create = Expression.Lambda<Func<string?, TId>>(Expression.New(constructor, text), text).Compile();
        var id = Expression.Parameter(typeof(TId));
        _value = Expression.Lambda<Func<TId, string?>>(Expression.Property(id, value), id).Compile();
    }

    // An id struct left at its default (no value yet, as a new call's queue) comes back as the default.
    public override TId Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.Null ? default! : _create(reader.GetString());

    public override void Write(Utf8JsonWriter writer, TId value, JsonSerializerOptions options)
    {
        if (_value(value) is { } text)
        {
            writer.WriteStringValue(text);
        }
        else
        {
            writer.WriteNullValue();
        }
    }

    public override TId ReadAsPropertyName(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        _create(reader.GetString());

    public override void WriteAsPropertyName(Utf8JsonWriter writer, TId value, JsonSerializerOptions options) =>
        writer.WritePropertyName(_value(value) ?? throw new JsonException($"a {typeof(TId).Name} without a value cannot be a key"));
}

/// <summary>
/// A field declared <see cref="object"/> (a message held inside another) as its type's name and its
/// value; only types of ours, named as the serializer's manifests name them.
/// </summary>
internal sealed class MessageInObjectConverter : JsonConverter<object>
{
    private const string TypeProperty = "$type";
    private const string ValueProperty = "value";

    public override object? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        Expect(reader.TokenType == JsonTokenType.StartObject, "an object");
        reader.Read();
        Expect(reader.TokenType == JsonTokenType.PropertyName && reader.ValueTextEquals(TypeProperty), $"'{TypeProperty}' first");
        reader.Read();
        var name = reader.GetString() ?? "";
        var type = MessageTypes.Find(name) ?? throw new JsonException($"'{name}' is not a type of the CallCenter assemblies");
        reader.Read();
        Expect(reader.TokenType == JsonTokenType.PropertyName && reader.ValueTextEquals(ValueProperty), $"'{ValueProperty}' after '{TypeProperty}'");
        reader.Read();
        var value = JsonSerializer.Deserialize(ref reader, type, options);
        reader.Read();
        Expect(reader.TokenType == JsonTokenType.EndObject, "the end of the object");
        return value;
    }

    public override void Write(Utf8JsonWriter writer, object value, JsonSerializerOptions options)
    {
        var type = value.GetType();
        if (!MessageTypes.IsOurs(type))
        {
            throw new JsonException($"only types of the CallCenter assemblies can travel in a field declared object, not {type}");
        }

        writer.WriteStartObject();
        writer.WriteString(TypeProperty, MessageTypes.NameOf(type));
        writer.WritePropertyName(ValueProperty);
        JsonSerializer.Serialize(writer, value, type, options);
        writer.WriteEndObject();
    }

    private static void Expect(bool condition, string what)
    {
        if (!condition)
        {
            throw new JsonException($"a message held in a field declared object is written as {{\"{TypeProperty}\": ..., \"{ValueProperty}\": ...}}; expected {what}");
        }
    }
}
