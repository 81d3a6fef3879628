using System.Collections.Concurrent;

namespace CallCenter.Routing.Host.Edge;

/// <summary>
/// One shared instance of each queue and tier name seen on the wire. A call keeps its queue's and
/// tier's names for its whole life (and its final state for the retention after), so without this
/// every call would hold its own copies of "general" and "Standard", and the collector would
/// promote them with it. Bounded: names past the bound are used as given.
/// </summary>
public sealed class NameTable(int capacity = 4_096)
{
    private readonly ConcurrentDictionary<string, string> _names = new(StringComparer.Ordinal);

    public string Shared(string name)
    {
        if (_names.TryGetValue(name, out var shared))
        {
            return shared;
        }

        return _names.Count < capacity ? _names.GetOrAdd(name, name) : name;
    }
}
