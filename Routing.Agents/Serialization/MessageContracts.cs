using System.Reflection;
using System.Reflection.Emit;
using System.Runtime.CompilerServices;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace CallCenter.Routing.Agents.Serialization;

/// <summary>
/// Fits System.Text.Json's contract of each of our types to plain immutable C# as the routing code
/// writes it, so that Routing.Core needs no attribute:
/// <list type="bullet">
/// <item>an abstract type or interface of ours is polymorphic: its concrete types are listed, each
/// under its full name;</item>
/// <item>a property set only inside its assembly (<c>internal init</c>) or by its constructor alone
/// (a get-only auto-property) is set on reading too; a computed one is not written;</item>
/// <item>a type with no public constructor to build it by (a private one, or several) starts
/// uninitialized and is filled property by property; a singleton (no state, a static
/// <c>Instance</c>) comes back as that instance.</item>
/// </list>
/// Runs once per type and options; the setters it makes are compiled, so a message costs no reflection.
/// </summary>
internal sealed class MessageContracts(MessageInObjectConverter messageInObject)
{
    private const string Discriminator = "$type";

    public void Apply(JsonTypeInfo info)
    {
        var type = info.Type;
        if (info.Kind != JsonTypeInfoKind.Object || !MessageTypes.IsOurs(type))
        {
            return;
        }

        if (type.IsAbstract || type.IsInterface)
        {
            // Only its concrete types are ever written or read; what matters here is which they are.
            ListConcreteTypes(info);
            return;
        }

        foreach (var property in info.Properties.ToList())
        {
            CompleteProperty(info, property);
        }

        if (info.CreateObject is null && info.ConstructorAttributeProvider is null)
        {
            info.CreateObject = FactoryFor(type, info);
        }
    }

    private static void ListConcreteTypes(JsonTypeInfo info)
    {
        var derived = MessageTypes.ConcreteTypesAssignableTo(info.Type);
        if (derived.Count == 0)
        {
            return;
        }

        var polymorphism = new JsonPolymorphismOptions
        {
            TypeDiscriminatorPropertyName = Discriminator,
            UnknownDerivedTypeHandling = JsonUnknownDerivedTypeHandling.FailSerialization,
        };
        foreach (var type in derived)
        {
            polymorphism.DerivedTypes.Add(new JsonDerivedType(type, type.FullName!));
        }

        info.PolymorphismOptions = polymorphism;
    }

    private void CompleteProperty(JsonTypeInfo info, JsonPropertyInfo property)
    {
        if (property.AttributeProvider is not PropertyInfo member)
        {
            return;
        }

        if (property.PropertyType == typeof(object))
        {
            property.CustomConverter = messageInObject;
        }

        if (property.Set is not null)
        {
            return;
        }

        if (SetterFor(member) is { } setter)
        {
            property.Set = setter;
        }
        else if (!IsConstructorParameter(info, member.Name))
        {
            // Computed from the others (IsLoggedIn, ServiceLevel, ...): nothing to carry.
            info.Properties.Remove(property);
        }
    }

    private static bool IsConstructorParameter(JsonTypeInfo info, string name) =>
        info.ConstructorAttributeProvider is ConstructorInfo constructor
        && constructor.GetParameters().Any(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// Sets the property through its own setter, whatever its visibility, or, for a get-only
    /// auto-property, its backing field; null when it has neither (it is computed).
    /// </summary>
    private static Action<object, object?>? SetterFor(PropertyInfo property)
    {
        var owner = property.DeclaringType!;
        var setter = property.GetSetMethod(nonPublic: true);
        var field = setter is null
            ? owner.GetField($"<{property.Name}>k__BackingField", BindingFlags.Instance | BindingFlags.NonPublic)
            : null;
        if (setter is null && field is null)
        {
            return null;
        }

        // IL rather than an expression tree: only IL may store into a readonly backing field.
        var method = new DynamicMethod($"Set{owner.Name}{property.Name}", null, [typeof(object), typeof(object)], typeof(MessageContracts).Module, skipVisibility: true);
        var il = method.GetILGenerator();
        il.Emit(OpCodes.Ldarg_0);
        il.Emit(owner.IsValueType ? OpCodes.Unbox : OpCodes.Castclass, owner);
        il.Emit(OpCodes.Ldarg_1);
        il.Emit(OpCodes.Unbox_Any, property.PropertyType);
        if (setter is not null)
        {
            il.Emit(owner.IsValueType ? OpCodes.Call : OpCodes.Callvirt, setter);
        }
        else
        {
            il.Emit(OpCodes.Stfld, field!);
        }

        il.Emit(OpCodes.Ret);
        return method.CreateDelegate<Action<object, object?>>();
    }

    /// <summary>For a type System.Text.Json finds no constructor of: its shared instance, or a blank one to fill.</summary>
    private static Func<object> FactoryFor(Type type, JsonTypeInfo info)
    {
        if (info.Properties.Count == 0 && SharedInstance(type) is { } instance)
        {
            return () => instance;
        }

        return () => RuntimeHelpers.GetUninitializedObject(type);
    }

    private static object? SharedInstance(Type type)
    {
        const BindingFlags Static = BindingFlags.Public | BindingFlags.Static;
        var value = type.GetProperty("Instance", Static)?.GetValue(null) ?? type.GetField("Instance", Static)?.GetValue(null);
        return value?.GetType() == type ? value : null;
    }
}
