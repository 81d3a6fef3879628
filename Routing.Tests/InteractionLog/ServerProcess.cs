using System.Diagnostics;
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

    /// <summary>Starts the server on the database (with settings such as <c>--Edge:X=y</c>) and waits until its /health answers Healthy.</summary>
    public static async Task<ServerProcess> StartAsync(string connectionString, params IEnumerable<string> settings)
    {
        var endpoints = LoopbackEndpoints.Free();
        return await StartAsync(BuiltServer.StartInfo(HostAssembly(), endpoints, connectionString, settings), endpoints);
    }

    /// <summary>Starts the server as <paramref name="start"/> says, on <paramref name="endpoints"/>, and waits until its /health answers Healthy.</summary>
    public static async Task<ServerProcess> StartAsync(ProcessStartInfo start, LoopbackEndpoints endpoints)
    {
        var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {string.Join(' ', start.ArgumentList)}");
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

    /// <summary>Asks the server to stop, as a service manager does (SIGTERM).</summary>
    public void Terminate() => Signal("TERM");

    /// <summary>Sends the server a signal by name (STOP pauses it as a cut-off machine would seem, CONT resumes it).</summary>
    public void Signal(string name)
    {
        using var kill = Process.Start("kill", ["-" + name, _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }

    /// <summary>Waits until the server has exited by itself; its exit code.</summary>
    public async Task<int> ExitedAsync()
    {
        using var patience = new CancellationTokenSource(Poll.Patience);
        await _process.WaitForExitAsync(patience.Token);
        return _process.ExitCode;
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

    /// <summary>Kills the servers a test started, writing each one's output into the test's when the test failed.</summary>
    public static async Task DisposeAllAsync(List<ServerProcess> servers)
    {
        var failed = TestContext.CurrentContext.Result.Outcome.Status == NUnit.Framework.Interfaces.TestStatus.Failed;
        foreach (var server in servers)
        {
            if (failed)
            {
                TestContext.Out.WriteLine($"server output:\n{server.Output}");
            }

            await server.DisposeAsync();
        }

        servers.Clear();
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

    /// <summary>The built Routing.Host.dll.</summary>
    public static string HostAssembly()
    {
        var (host, problem) = BuiltServer.Locate(typeof(ServerProcess).Assembly);
        if (host is null)
        {
            Assert.Fail(problem);
        }

        return host!;
    }
}
