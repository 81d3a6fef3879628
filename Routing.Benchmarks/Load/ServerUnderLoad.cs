using System.Diagnostics;
using System.Net.Http.Json;
using CallCenter.Routing.Host;
using CallCenter.Routing.Host.InteractionLog;
using Grpc.Net.Client;

namespace CallCenter.Routing.Benchmarks.Load;

/// <summary>
/// The routing server a load run drives: either one this generator starts (the built
/// Routing.Host.dll as a process of its own, on a fresh database in a local PostgreSQL), or
/// one already running that the command line names.
/// </summary>
internal sealed class ServerUnderLoad : IAsyncDisposable
{
    private readonly Process? _process;
    private readonly HttpClient _http;

    /// <summary>Drops the database the server was started on, once it has stopped; null to keep it.</summary>
    private readonly Func<Task>? _dropDatabase;

    private ServerUnderLoad(string grpcAddress, string httpAddress, string? connectionString, Process? process, Func<Task>? dropDatabase = null)
    {
        _dropDatabase = dropDatabase;
        GrpcAddress = grpcAddress;
        ConnectionString = connectionString;
        _process = process;
        _http = new HttpClient { BaseAddress = new Uri(httpAddress), Timeout = TimeSpan.FromSeconds(10) };
        Channel = GrpcChannel.ForAddress(grpcAddress, new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true },
        });
    }

    public string GrpcAddress { get; }

    /// <summary>The interaction log's database, for the accounting check; null when not known.</summary>
    public string? ConnectionString { get; }

    public GrpcChannel Channel { get; }

    public bool StartedHere => _process is not null;

    public static ServerUnderLoad Running(string grpcAddress, string httpAddress, string? connectionString) =>
        new(grpcAddress, httpAddress, connectionString, null);

    /// <summary>
    /// Starts the server on a new database of <paramref name="postgres"/> and waits until /health
    /// says Healthy. The database is dropped when the server is disposed, unless
    /// <paramref name="keepDatabase"/>: a run leaves millions of rows, and a cluster that keeps every
    /// run's grows by gigabytes and vacuums them all in the background of the next runs.
    /// </summary>
    public static async Task<ServerUnderLoad> StartAsync(LocalPostgres postgres, string database, IEnumerable<string> settings, bool keepDatabase = false)
    {
        await postgres.CreateDatabaseAsync(database);
        var connectionString = postgres.ConnectionString(database);
        var (host, problem) = BuiltServer.Locate(typeof(ServerUnderLoad).Assembly);
        if (host is null)
        {
            throw new InvalidOperationException(problem);
        }

        var endpoints = LoopbackEndpoints.Free();
        var start = BuiltServer.StartInfo(host, endpoints, connectionString, settings);

        var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {host}");
        process.OutputDataReceived += (_, line) => Echo(line.Data);
        process.ErrorDataReceived += (_, line) => Echo(line.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        Console.WriteLine($"  server process {process.Id} on {endpoints.GrpcAddress}, database {database}");
        var server = new ServerUnderLoad(
            endpoints.GrpcAddress, endpoints.HttpAddress, connectionString, process, keepDatabase ? null : () => postgres.DropDatabaseAsync(database));
        var deadline = Stopwatch.StartNew();
        while (await server.HealthAsync() != "Healthy")
        {
            if (process.HasExited || deadline.Elapsed > TimeSpan.FromMinutes(2))
            {
                await server.DisposeAsync();
                throw new InvalidOperationException($"the server at {endpoints.GrpcAddress} did not become healthy");
            }

            await Task.Delay(200);
        }

        return server;
    }

    public async Task<string?> HealthAsync()
    {
        try
        {
            return await _http.GetStringAsync("/health");
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return null;
        }
    }

    /// <summary>The server's own figures from /metrics; null when it does not answer.</summary>
    public async Task<ProcessMetrics?> MetricsAsync()
    {
        try
        {
            return await _http.GetFromJsonAsync<ProcessMetrics>("/metrics");
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        Channel.Dispose();
        _http.Dispose();
        if (_process is null)
        {
            return;
        }

        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        if (_dropDatabase is { } drop)
        {
            await drop();
        }
    }

    private static void Echo(string? line)
    {
        if (!string.IsNullOrWhiteSpace(line))
        {
            Console.WriteLine($"  server: {line}");
        }
    }
}
