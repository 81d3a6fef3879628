using System.Collections;
using System.Reflection;

namespace CallCenter.Routing.Host.Configuration;

/// <summary>
/// Reads a settings section so that no value is lost without a word. The standard binder throws for
/// a value it cannot convert, but inside a list it skips the element instead: a queue whose
/// agent selection is misspelt would simply not exist. Here every list and dictionary is checked
/// against the entries the configuration has, and the first entry that could not be read stops the
/// start, naming its path and why.
/// </summary>
public static class SettingsBinding
{
    public static T Read<T>(IConfiguration configuration, string section) where T : class, new()
    {
        var values = configuration.GetSection(section);
        T settings;
        try
        {
            settings = values.Get<T>() ?? new T();
        }
        catch (InvalidOperationException error)
        {
            throw Unreadable(error);
        }

        CheckEntries(settings, values);
        return settings;
    }

    private static void CheckEntries(object settings, IConfigurationSection section)
    {
        foreach (var property in settings.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetIndexParameters().Length > 0 || property.PropertyType == typeof(string))
            {
                continue;
            }

            var child = section.GetSection(property.Name);
            switch (property.GetValue(settings))
            {
                case IDictionary dictionary when ElementType(property.PropertyType, 1) is { } valueType:
                    CheckCount(dictionary.Count, child, valueType);
                    foreach (var entry in child.GetChildren())
                    {
                        if (dictionary[entry.Key] is { } value && IsSettings(valueType))
                        {
                            CheckEntries(value, entry);
                        }
                    }

                    break;
                case IList list when ElementType(property.PropertyType, 0) is { } elementType:
                    CheckCount(list.Count, child, elementType);
                    var entries = child.GetChildren().ToList();
                    for (var i = 0; i < list.Count && i < entries.Count; i++)
                    {
                        if (list[i] is { } element && IsSettings(elementType))
                        {
                            CheckEntries(element, entries[i]);
                        }
                    }

                    break;
                case { } nested when IsSettings(property.PropertyType) && child.Exists():
                    CheckEntries(nested, child);
                    break;
            }
        }
    }

    /// <summary>Fewer elements than entries: the binder skipped some. Reading each on its own says which and why.</summary>
    private static void CheckCount(int read, IConfigurationSection section, Type elementType)
    {
        var entries = section.GetChildren().ToList();
        if (read >= entries.Count)
        {
            return;
        }

        foreach (var entry in entries)
        {
            try
            {
                if (entry.Get(elementType) is null && entry.Value is null && !entry.GetChildren().Any())
                {
                    throw new ServerStartException($"The setting '{entry.Path}' is empty. Fix it in the configuration file.");
                }
            }
            catch (InvalidOperationException error)
            {
                throw Unreadable(error);
            }
        }

        throw new ServerStartException(
            $"Only {read} of the {entries.Count} entries of '{section.Path}' could be read. Check them in the configuration file.");
    }

    private static ServerStartException Unreadable(InvalidOperationException error)
    {
        // The binder's message names the value, its path and the type wanted; the innermost says why.
        var cause = error;
        while (cause.InnerException is InvalidOperationException inner)
        {
            cause = inner;
        }

        return new ServerStartException($"{cause.Message} Fix the setting in the configuration file.", error);
    }

    private static Type? ElementType(Type collection, int argument) =>
        collection.IsGenericType && collection.GetGenericArguments().Length > argument ? collection.GetGenericArguments()[argument] : null;

    /// <summary>A class of settings (recursed into), as opposed to a value such as a number, a text or an enumeration.</summary>
    private static bool IsSettings(Type type) =>
        type.IsClass && type != typeof(string) && !typeof(IEnumerable).IsAssignableFrom(type) && type.Namespace?.StartsWith("CallCenter", StringComparison.Ordinal) == true;
}
