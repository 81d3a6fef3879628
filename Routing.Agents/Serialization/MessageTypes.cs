using System.Collections.Concurrent;
using System.Reflection;
using CallCenter.Routing.Lifecycle;

namespace CallCenter.Routing.Agents.Serialization;

/// <summary>
/// The types the routing serializer may write and read, and the names they travel under: types of
/// the namespace <c>CallCenter.</c> in the routing core's assembly or in an assembly built on it.
/// A name from anywhere else is refused before any type is looked up, so a peer cannot make a node
/// build an object of its choosing.
/// </summary>
internal static class MessageTypes
{
    public const string Namespace = "CallCenter.";

    private static readonly Assembly Core = typeof(AgentState).Assembly;
    private static readonly string CoreName = Core.GetName().Name!;
    private static readonly ConcurrentDictionary<Assembly, bool> Assemblies = new();

    /// <summary>A non-generic type of ours, not one the compiler made up.</summary>
    public static bool IsOurs(Type type) =>
        type.FullName is { } name
        && name.StartsWith(Namespace, StringComparison.Ordinal)
        && !name.Contains('<')
        && !type.ContainsGenericParameters
        && IsOurs(type.Assembly);

    /// <summary>
    /// The name a type travels under: its full name and its assembly's, without version, as Akka's own
    /// manifests are (so <c>FromBinary(bytes, type)</c> finds it too).
    /// </summary>
    public static string NameOf(Type type) => $"{type.FullName}, {type.Assembly.GetName().Name}";

    /// <summary>The type of ours a name stands for; null for any other name, loading nothing.</summary>
    public static Type? Find(string name)
    {
        var separator = name.LastIndexOf(", ", StringComparison.Ordinal);
        if (separator <= 0 || !name.StartsWith(Namespace, StringComparison.Ordinal) || name.Contains('['))
        {
            return null;
        }

        var typeName = name[..separator];
        var assemblyName = name[(separator + 2)..];

        // Only assemblies already loaded: a name never makes this process load one.
        foreach (var assembly in AppDomain.CurrentDomain.GetAssemblies())
        {
            if (assembly.GetName().Name == assemblyName && IsOurs(assembly))
            {
                return assembly.GetType(typeName, throwOnError: false) is { } type && IsOurs(type) ? type : null;
            }
        }

        return null;
    }

    /// <summary>Our concrete types that can stand where <paramref name="baseType"/> is declared, in the assemblies loaded now.</summary>
    public static IReadOnlyList<Type> ConcreteTypesAssignableTo(Type baseType) =>
        AppDomain.CurrentDomain.GetAssemblies()
            .Where(IsOurs)
            .SelectMany(LoadableTypes)
            .Where(t => !t.IsAbstract && !t.IsInterface && t != baseType && baseType.IsAssignableFrom(t) && IsOurs(t))
            .OrderBy(t => t.FullName, StringComparer.Ordinal)
            .ToList();

    /// <summary>The routing core's assembly and every assembly that references it.</summary>
    private static bool IsOurs(Assembly assembly) =>
        Assemblies.GetOrAdd(assembly, a => a == Core || (!a.IsDynamic && a.GetReferencedAssemblies().Any(r => r.Name == CoreName)));

    private static IEnumerable<Type> LoadableTypes(Assembly assembly)
    {
        try
        {
            return assembly.GetTypes();
        }
        catch (ReflectionTypeLoadException e)
        {
            return e.Types.OfType<Type>();
        }
    }
}
