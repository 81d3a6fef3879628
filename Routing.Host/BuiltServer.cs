using System.Diagnostics;
using System.Reflection;

namespace CallCenter.Routing.Host;

/// <summary>
/// Where the built server is, for programs that run it as a process of their own (the tests
/// that kill it, the load generator): Routing.Host.dll in the server project's own output, built
/// with the caller's configuration and framework.
/// </summary>
public static class BuiltServer
{
    /// <summary>The path of Routing.Host.dll, or why it cannot be found.</summary>
    public static (string? Path, string Problem) Locate(Assembly caller)
    {
        var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(System.IO.Path.DirectorySeparatorChar));
        var root = output;
        while (root is not null && !File.Exists(System.IO.Path.Combine(root.FullName, "CallCenter.sln")))
        {
            root = root.Parent;
        }

        if (root is null)
        {
            return (null, $"CallCenter.sln not found above {output.FullName}: cannot find the server to start");
        }

        var configuration = caller.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";
        var host = System.IO.Path.Combine(root.FullName, "Routing.Host", "bin", configuration, output.Name, "Routing.Host.dll");
        return File.Exists(host)
            ? (host, "")
            : (null, $"the server is not built: {host} does not exist (build the solution first: dotnet build CallCenter.sln -c {configuration})");
    }

    /// <summary>The dotnet host the SDK names, else the running one when it is dotnet, else the one on the PATH.</summary>
    public static string DotnetHost()
    {
        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } named && File.Exists(named))
        {
            return named;
        }

        return Environment.ProcessPath is { } current && System.IO.Path.GetFileNameWithoutExtension(current) == "dotnet" ? current : "dotnet";
    }

    /// <summary>
    /// How to start the server at <paramref name="host"/> on its endpoints and database (none: its
    /// own PostgreSQL), its output redirected.
    /// </summary>
    public static ProcessStartInfo StartInfo(string host, LoopbackEndpoints endpoints, string? connectionString, params IEnumerable<string> settings)
    {
        var start = new ProcessStartInfo(DotnetHost())
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = System.IO.Path.GetDirectoryName(host)!,
        };
        foreach (var argument in (string[])
                 [
                     host,
                     .. endpoints.Arguments(),
                     "--Logging:LogLevel:Default=Warning",
                     .. (connectionString is null ? [] : (string[])[$"--Routing:Database:ConnectionString={connectionString}"]),
                     .. settings,
                 ])
        {
            start.ArgumentList.Add(argument);
        }

        return start;
    }
}
