using Microsoft.Extensions.Configuration.Json;
using Microsoft.Extensions.Configuration.Memory;

namespace CallCenter.Routing.Host.Configuration;

/// <summary>
/// The JSON files the server's settings come from: <c>appsettings.json</c> in the application's own
/// folder (its content root, so the file is found whatever the working directory), and over it the
/// file named with <c>--config FILE</c>. Each top-level section of that file (<c>Routing</c>,
/// <c>Edge</c>, <c>Kestrel</c>, ...) replaces the shipped file's section whole: settings merge
/// list items by position, so the shipped queues, skills and profiles would otherwise leak into
/// the named file's.
/// </summary>
public static class ConfigurationFiles
{
    public const string Option = "--config";
    private const string ShippedFile = "appsettings.json";

    /// <summary>The arguments without <c>--config FILE</c> (or <c>--config=FILE</c>), and that file as given.</summary>
    public static (string[] Settings, string? File) TakeConfigOption(string[] args)
    {
        var rest = new List<string>(args.Length);
        string? file = null;
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == Option)
            {
                if (i + 1 >= args.Length || args[i + 1].StartsWith("--", StringComparison.Ordinal))
                {
                    throw new ServerStartException($"{Option} needs a file: {Option} FILE (a JSON file like appsettings.json, relative to the working directory)");
                }

                file = args[++i];
            }
            else if (args[i].StartsWith(Option + "=", StringComparison.Ordinal))
            {
                file = args[i][(Option.Length + 1)..];
            }
            else
            {
                rest.Add(args[i]);
            }
        }

        return (rest.ToArray(), file);
    }

    /// <summary>
    /// Puts the file named with <c>--config</c> (relative to the working directory) over the
    /// shipped settings, and returns the full paths of the JSON files the settings are read from.
    /// </summary>
    public static IReadOnlyList<string> Use(ConfigurationManager configuration, string? file)
    {
        IConfigurationBuilder builder = configuration;
        if (file is null)
        {
            return FilesRead(builder.Sources);
        }

        var path = Path.GetFullPath(file);
        if (!File.Exists(path))
        {
            throw new ServerStartException($"the configuration file {path} (given with {Option}) does not exist");
        }

        var named = new JsonConfigurationSource { Path = path, Optional = false };
        named.ResolveFileProvider();
        HashSet<string> sections;
        using (var read = (ConfigurationRoot)new ConfigurationBuilder().Add(named).Build())
        {
            sections = read.GetChildren().Select(section => section.Key).ToHashSet(StringComparer.OrdinalIgnoreCase);
        }

        var shipped = FilesRead(builder.Sources);
        var sources = builder.Sources;
        var last = -1;
        for (var i = 0; i < sources.Count; i++)
        {
            if (sources[i] is not JsonConfigurationSource json)
            {
                continue;
            }

            last = i;
            if (json.Path == ShippedFile)
            {
                sources[i] = new MemoryConfigurationSource { InitialData = Without(json, sections) };
            }
        }

        sources.Insert(last + 1, named);
        return [.. shipped, path];
    }

    /// <summary>The shipped file's settings, less the sections the named file replaces.</summary>
    private static List<KeyValuePair<string, string?>> Without(JsonConfigurationSource shipped, HashSet<string> sections)
    {
        // A copy that does not watch the file: the replaced source is read once, at start.
        var once = new JsonConfigurationSource { Path = shipped.Path!, Optional = shipped.Optional, FileProvider = shipped.FileProvider };
        using var read = (ConfigurationRoot)new ConfigurationBuilder().Add(once).Build();
        return read.AsEnumerable()
            .Where(pair => pair.Value is not null && !sections.Contains(pair.Key.Split(ConfigurationPath.KeyDelimiter)[0]))
            .ToList();
    }

    /// <summary>The JSON files among the sources that exist, as full paths.</summary>
    private static List<string> FilesRead(IList<IConfigurationSource> sources) =>
        sources.OfType<JsonConfigurationSource>()
            .Select(json => json.Path is null ? null : json.FileProvider?.GetFileInfo(json.Path))
            .Where(info => info is { Exists: true, PhysicalPath: not null })
            .Select(info => info!.PhysicalPath!)
            .ToList();

    /// <summary>Where the shipped settings would be, for a message when no file was read.</summary>
    public static string ShippedPath(IHostEnvironment environment) => Path.Combine(environment.ContentRootPath, ShippedFile);
}
