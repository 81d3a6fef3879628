using System.Globalization;

namespace CallCenter.Routing.Benchmarks.Load;

/// <summary>The <c>--name value</c> and <c>--flag</c> options of a command line.</summary>
internal sealed class CommandOptions(IReadOnlyList<string> args)
{
    public string? Text(string name)
    {
        for (var i = 0; i < args.Count - 1; i++)
        {
            if (args[i] == name)
            {
                return args[i + 1];
            }
        }

        return null;
    }

    public double Number(string name, double fallback) =>
        Text(name) is { } text ? double.Parse(text, CultureInfo.InvariantCulture) : fallback;

    public int Count(string name, int fallback) => (int)Number(name, fallback);

    public bool Flag(string name) => args.Contains(name);

    /// <summary>The options that set the server's configuration (<c>--Edge:...=value</c>, <c>--Routing:...=value</c>), as given.</summary>
    public IEnumerable<string> ServerSettings() =>
        args.Where(a => (a.StartsWith("--Edge:", StringComparison.Ordinal) || a.StartsWith("--Routing:", StringComparison.Ordinal)) && a.Contains('='));
}
