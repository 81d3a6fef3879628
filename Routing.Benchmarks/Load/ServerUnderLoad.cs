using System.Diagnostics;
using System.Net.Http.Json;
using CallCenter.Routing.Host;
using CallCenter.Routing.Host.InteractionLog;
using Grpc.Net.Client;

namespace CallCenter.Routing.Benchmarks.Load;

/// <summary>
/// The routing server a load run drives: either one this generator starts (the built
/// Routing.Host.dll as a process of its own, on a fresh database in a local PostgreSQL; or several,
/// the nodes of one cluster), or one already running that the command line names.
/// </summary>
internal sealed class ServerUnderLoad : IAsyncDisposable
{
    private readonly List<Process> _processes;
    private readonly HttpClient _http;

    /// <summary>Drops the database the server was started on, once it has stopped; null to keep it.</summary>
    private readonly Func<Task>? _dropDatabase;

    private ServerUnderLoad(
        IReadOnlyList<string> grpcAddresses, string httpAddress, string? connectionString, List<Process> processes, Func<Task>? dropDatabase = null)
    {
        _dropDatabase = dropDatabase;
        GrpcAddress = grpcAddresses[0];
        ConnectionString = connectionString;
        _processes = processes;
        _http = new HttpClient { BaseAddress = new Uri(httpAddress), Timeout = TimeSpan.FromSeconds(10) };
        Channels = [.. grpcAddresses.Select(address => GrpcChannel.ForAddress(address, new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true },
        }))];
    }

    /// <summary>The first node's gRPC address.</summary>
    public string GrpcAddress { get; }

    /// <summary>The interaction log's database, for the accounting check; null when not known.</summary>
    public string? ConnectionString { get; }

    /// <summary>The first node's channel.</summary>
    public GrpcChannel Channel => Channels[0];

    /// <summary>A channel to each node; clients are spread over them in turn.</summary>
    public IReadOnlyList<GrpcChannel> Channels { get; }

    public bool StartedHere => _processes.Count > 0;

    public static ServerUnderLoad Running(string grpcAddress, string httpAddress, string? connectionString) =>
        new([grpcAddress], httpAddress, connectionString, []);

    /// <summary>
    /// Starts the server on a new database of <paramref name="postgres"/> and waits until /health
    /// says Healthy. The database is dropped when the server is disposed, unless
    /// <paramref name="keepDatabase"/>: a run leaves millions of rows, and a cluster that keeps every
    /// run's grows by gigabytes and vacuums them all in the background of the next runs.
    /// </summary>
    /// <param name="nodes">How many server processes, nodes of one cluster with one another as seeds (1: a server alone).</param>
    public static async Task<ServerUnderLoad> StartAsync(
        LocalPostgres postgres, string database, IEnumerable<string> settings, bool keepDatabase = false, int nodes = 1)
    {
        await postgres.CreateDatabaseAsync(database);
        var connectionString = postgres.ConnectionString(database);
        var (host, problem) = BuiltServer.Locate(typeof(ServerUnderLoad).Assembly);
        if (host is null)
        {
            throw new InvalidOperationException(problem);
        }

        var clusterPorts = Enumerable.Range(0, nodes).Select(_ => LoopbackEndpoints.FreePort()).ToList();
        string[] cluster = nodes == 1 ? [] : [.. clusterPorts.Select((port, i) => $"--Routing:Cluster:Seeds:{i}=127.0.0.1:{port}")];
        var endpoints = Enumerable.Range(0, nodes).Select(_ => LoopbackEndpoints.Free()).ToList();
        var processes = new List<Process>();
        var server = new ServerUnderLoad(
            [.. endpoints.Select(e => e.GrpcAddress)], endpoints[0].HttpAddress, connectionString, processes,
            keepDatabase ? null : () => postgres.DropDatabaseAsync(database));
        for (var node = 0; node < nodes; node++)
        {
            string[] nodeSettings = nodes == 1 ? [.. settings] : [.. settings, $"--Routing:Cluster:Port={clusterPorts[node]}", .. cluster];
            var process = Process.Start(BuiltServer.StartInfo(host, endpoints[node], connectionString, nodeSettings))
                ?? throw new InvalidOperationException($"could not start {host}");
            processes.Add(process);
            process.OutputDataReceived += (_, line) => Echo(line.Data);
            process.ErrorDataReceived += (_, line) => Echo(line.Data);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            Console.WriteLine($"  server process {process.Id} on {endpoints[node].GrpcAddress}, database {database}");

            // Each node in turn, once the one before serves: the first forms the cluster, the others join it.
            using var health = new HttpClient { BaseAddress = new Uri(endpoints[node].HttpAddress), Timeout = TimeSpan.FromSeconds(10) };
            var deadline = Stopwatch.StartNew();
            while (await HealthAsync(health) != "Healthy")
            {
                if (process.HasExited || deadline.Elapsed > TimeSpan.FromMinutes(2))
                {
                    await server.DisposeAsync();
                    throw new InvalidOperationException($"the server at {endpoints[node].GrpcAddress} did not become healthy");
                }

                await Task.Delay(200);
            }
        }

        return server;
    }

    public Task<string?> HealthAsync() => HealthAsync(_http);

    private static async Task<string?> HealthAsync(HttpClient http)
    {
        try
        {
            return await http.GetStringAsync("/health");
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
        foreach (var channel in Channels)
        {
            channel.Dispose();
        }

        _http.Dispose();
        if (_processes.Count == 0)
        {
            return;
        }

        foreach (var process in _processes)
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }

            process.Dispose();
        }

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
