using System.Diagnostics;
using System.Reflection;
using System.Text;
using CallCenter.Protos.V1;
using CallCenter.Routing.Host;
using Grpc.Net.Client;

namespace CallCenter.Routing.Tests.InteractionLog;

/// <summary>
/// The built server (Routing.Host.dll) running as a process of its own on free loopback ports, so
/// a test can kill it as a crash would: nothing of it gets to shut down cleanly.
/// </summary>
internal sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private ServerProcess(Process process, int grpcPort, int httpPort)
    {
        _process = process;
        Channel = GrpcChannel.ForAddress($"http://127.0.0.1:{grpcPort}");
        Gateway = new Gateway.GatewayClient(Channel);
        Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}"), Timeout = TimeSpan.FromSeconds(5) };
    }

    public GrpcChannel Channel { get; }
    public Gateway.GatewayClient Gateway { get; }
    public HttpClient Http { get; }

    /// <summary>What the server wrote so far, for a failure's message.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Starts the server on the database and waits until its /health answers Healthy.</summary>
    public static async Task<ServerProcess> StartAsync(string connectionString)
    {
        var host = HostAssembly();
        var endpoints = LoopbackEndpoints.Free();
        var start = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(host)!,
        };
        foreach (var argument in (string[])
                 [
                     host,
                     .. endpoints.Arguments(Path.GetDirectoryName(host)),
                     "--Logging:LogLevel:Default=Warning",
                     $"--Routing:Database:ConnectionString={connectionString}",
                 ])
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {host}");
        var server = new ServerProcess(process, endpoints.GrpcPort, endpoints.HttpPort);
        process.OutputDataReceived += (_, line) => server.Keep(line.Data);
        process.ErrorDataReceived += (_, line) => server.Keep(line.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await Poll.UntilAsync(async () =>
            {
                if (process.HasExited)
                {
                    Assert.Fail($"the server exited with {process.ExitCode}:\n{server.Output}");
                }

                return await server.HealthAsync() == "Healthy";
            }, "the server starts and reports healthy");
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }

        return server;
    }

    /// <summary>The text of /health, or null while the server does not answer.</summary>
    public async Task<string?> HealthAsync()
    {
        try
        {
            return await Http.GetStringAsync("/health");
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return null;
        }
    }

    /// <summary>Kills the server and everything it started, as a crash would, and waits until it is gone.</summary>
    public async Task KillAsync()
    {
        if (!HasExited())
        {
            _process.Kill(entireProcessTree: true);
        }

        using var patience = new CancellationTokenSource(Poll.Patience);
        await _process.WaitForExitAsync(patience.Token);
    }

    public async ValueTask DisposeAsync()
    {
        Channel.Dispose();
        Http.Dispose();
        await KillAsync();
        _process.Dispose();
    }

    private bool HasExited()
    {
        try
        {
            return _process.HasExited;
        }
        catch (InvalidOperationException)
        {
            return true;
        }
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    /// <summary>
    /// Routing.Host.dll in the server project's own output, built with the same configuration and
    /// framework as these tests (building the solution, or these tests, builds it).
    /// </summary>
    private static string HostAssembly()
    {
        var testOutput = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var root = testOutput;
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "CallCenter.sln")))
        {
            root = root.Parent;
        }

        if (root is null)
        {
            Assert.Fail($"CallCenter.sln not found above {testOutput.FullName}: cannot find the server to start");
        }

        var configuration = typeof(ServerProcess).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";
        var host = Path.Combine(root!.FullName, "Routing.Host", "bin", configuration, testOutput.Name, "Routing.Host.dll");
        if (!File.Exists(host))
        {
            Assert.Fail($"the server is not built: {host} does not exist (build the solution first: dotnet build CallCenter.sln -c {configuration})");
        }

        return host;
    }

    /// <summary>The dotnet host running these tests (the SDK names it), else the one on the PATH.</summary>
    private static string DotnetHost()
    {
        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } named && File.Exists(named))
        {
            return named;
        }

        return Environment.ProcessPath is { } current && Path.GetFileNameWithoutExtension(current) == "dotnet" ? current : "dotnet";
    }

}
