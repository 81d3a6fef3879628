using System.Diagnostics;
using System.Net.Http.Json;
using CallCenter.Protos.V1;
using CallCenter.Routing.Agents.AgentActors;
using CallCenter.Routing.Benchmarks.Load;
using CallCenter.Routing.Host;
using CallCenter.Routing.Host.InteractionLog;
using CallCenter.Routing.Lifecycle;
using CallCenter.Routing.Model;
using Grpc.Net.Client;
using Npgsql;

namespace CallCenter.Routing.Benchmarks;

/// <summary>
/// How long a server takes from its process's start to serving (its endpoints answer, which they do
/// only once the domain has recovered) when it has a domain to recover:
/// a journal of N calls waiting (arrived and queued, in the four queues and tiers of the shipped
/// configuration) and M agents logged in, written into a fresh database through the interaction
/// log's own writer; then the built server is started on it and timed until /health answers.
/// The floor is the same start on an empty database, in the same sitting. Each run checks that
/// the server holds every call it was given (the queues' waiting counts add up to N).
/// </summary>
internal static class RecoveryBenchmark
{
    private static readonly string[] Queues = ["billing", "technical", "sales", "general"];
    private static readonly string[] Tiers = ["VIP", "Gold", "Standard", "Basic"];

    public static int Run(string[] args)
    {
        var options = new CommandOptions(args);
        var sizes = (options.Text("--calls") ?? "10000,100000,500000").Split(',').Select(int.Parse).ToList();
        var agents = options.Count("--agents", 10_000);
        var data = Path.GetFullPath(options.Text("--data") ?? ".data/recovery-postgres");
        var server = options.Text("--server") is { } published ? Path.GetFullPath(published) : Built();
        if (!File.Exists(server))
        {
            Console.Error.WriteLine($"--server: {server} does not exist");
            return 2;
        }

        return RunAsync(sizes, agents, data, server).GetAwaiter().GetResult();
    }

    /// <summary>The server built beside this program, when no published one is named.</summary>
    private static string Built()
    {
        var (host, problem) = BuiltServer.Locate(typeof(RecoveryBenchmark).Assembly);
        return host ?? throw new InvalidOperationException(problem);
    }

    private static async Task<int> RunAsync(IReadOnlyList<int> sizes, int agents, string data, string server)
    {
        Console.WriteLine($"Recovery: process start to serving, {Environment.ProcessorCount} cores, PostgreSQL in {data}, server {server}");
        await using var postgres = await LocalPostgres.StartAsync(data);
        var floor = await MeasureAsync(postgres, server, calls: 0, agents: 0);
        Console.WriteLine($"  floor (empty database): {floor.Serving.TotalSeconds:F2} s to serving");
        Console.WriteLine();
        Console.WriteLine("| waiting calls | agents | journal rows | start to serving | ratio to floor | recovery beyond the floor, per call | server memory after |");
        Console.WriteLine("|---|---|---|---|---|---|---|");
        var failed = false;
        foreach (var calls in sizes)
        {
            var run = await MeasureAsync(postgres, server, calls, agents);
            failed |= run.Waiting != calls;
            var beyond = run.Serving - floor.Serving;
            Console.WriteLine(
                $"| {calls:N0} | {agents:N0} | {run.Rows:N0} | {run.Serving.TotalSeconds:F2} s | {run.Serving / floor.Serving:F2} | " +
                $"{beyond.TotalMicroseconds / Math.Max(calls, 1):F1} µs | {run.MemoryBytes / (1024 * 1024):N0} MiB |" +
                (run.Waiting == calls ? "" : $" **{run.Waiting:N0} waiting, not {calls:N0}**"));
        }

        return failed ? 1 : 0;
    }

    private sealed record Figures(TimeSpan Serving, long Rows, int Waiting, long MemoryBytes);

    private static async Task<Figures> MeasureAsync(LocalPostgres postgres, string server, int calls, int agents)
    {
        var database = $"recovery_{calls}_{Guid.NewGuid():N}";
        await postgres.CreateDatabaseAsync(database);
        try
        {
            var connectionString = postgres.ConnectionString(database);
            var rows = await FillAsync(connectionString, calls, agents);
            return await StartAndTimeAsync(server, connectionString, rows);
        }
        finally
        {
            await postgres.DropDatabaseAsync(database);
        }
    }

    /// <summary>Writes the journal of <paramref name="calls"/> waiting calls and <paramref name="agents"/> agents; returns the rows written.</summary>
    private static async Task<long> FillAsync(string connectionString, int calls, int agents)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await using var writer = new InteractionLogWriter(new InteractionLogOptions { Capacity = 1_000_000 });
        writer.Start(dataSource);
        var start = DateTimeOffset.UtcNow - TimeSpan.FromMinutes(10);
        var last = Task.CompletedTask;
        var random = new Random(1);
        for (var i = 0; i < calls; i++)
        {
            var id = new CallId($"c{i}");
            var at = start + TimeSpan.FromTicks(TimeSpan.FromMinutes(9).Ticks / Math.Max(calls, 1) * i);
            var queue = new QueueId(Queues[random.Next(Queues.Length)]);
            var arrived = new CallEvent.Arrived(id, 1, at, queue, new TierId(Tiers[random.Next(Tiers.Length)]), false, null, [], at);
            var queued = new CallEvent.Queued(id, 2, at, queue, 1, null);
            last = writer.AppendAsync(
            [
                .. LogMapping.FromCallEvent(arrived), .. LogMapping.FromCallEvent(queued),
                new LogRecord.Interaction(id, 0) { Gateway = "gw-recovery" },
            ]);
        }

        var now = DateTimeOffset.UtcNow;
        for (var i = 0; i < agents; i++)
        {
            var state = AgentLifecycle.Decide(
                AgentState.LoggedOut(new AgentId($"a{i}")),
                new AgentCommand.LogIn([new Model.AgentSkill(new SkillId("billing"), 5)]), now, AgentPolicy.Default).State;
            var checkpoint = new AgentProtocol.Checkpoint(AgentRecovery.Snapshot(state), 2, null, null, null, false, now);
            last = writer.AppendAsync(new LogRecord.AgentCheckpoint(checkpoint.Agent, checkpoint.Version, checkpoint));
        }

        await last;
        return writer.Metrics.RecordsCommitted;
    }

    private static async Task<Figures> StartAndTimeAsync(string host, string connectionString, long rows)
    {
        var endpoints = LoopbackEndpoints.Free();
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(BuiltServer.StartInfo(host, endpoints, connectionString, "--Logging:LogLevel:Default=Information"))
            ?? throw new InvalidOperationException($"could not start {host}");
        process.OutputDataReceived += (_, line) =>
        {
            if (line.Data is { } text && (text.Contains("recovered", StringComparison.Ordinal) || text.Contains("Gateways:", StringComparison.Ordinal)))
            {
                Console.WriteLine($"  {clock.Elapsed.TotalSeconds:F2} s: {text.Trim()}");
            }
        };
        process.ErrorDataReceived += (_, line) =>
        {
            if (line.Data is { } text)
            {
                Console.Error.WriteLine($"  server: {text}");
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var http = new HttpClient { BaseAddress = new Uri(endpoints.HttpAddress), Timeout = TimeSpan.FromSeconds(5) };
        try
        {
            // Any answer: the endpoints open only once recovery is done. Health may say Degraded a while
            // longer, while the log writes what recovery decided (overflows due during the stop).
            while (await HealthAsync(http) is null)
            {
                if (process.HasExited || clock.Elapsed > TimeSpan.FromMinutes(5))
                {
                    throw new InvalidOperationException("the server did not start serving");
                }

                await Task.Delay(10);
            }

            var serving = clock.Elapsed;
            using var channel = GrpcChannel.ForAddress(endpoints.GrpcAddress);
            var queues = await WaitingAsync(new RoutingState.RoutingStateClient(channel));
            var metrics = await http.GetFromJsonAsync<ProcessMetrics>("/metrics");
            var healthy = Stopwatch.StartNew();
            while (await HealthAsync(http) != "Healthy" && healthy.Elapsed < TimeSpan.FromMinutes(2))
            {
                await Task.Delay(50);
            }

            Console.WriteLine($"  healthy {clock.Elapsed.TotalSeconds:F2} s after the start");
            return new Figures(serving, rows, queues.Queues.Sum(q => q.Waiting), metrics?.WorkingSetBytes ?? 0);
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    /// <summary>The queues' figures, once the domain answers: right after a large recovery it is busy with what recovery set going.</summary>
    private static async Task<ListQueuesReply> WaitingAsync(RoutingState.RoutingStateClient state)
    {
        var patience = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                return await state.ListQueuesAsync(new ListQueuesRequest());
            }
            catch (Grpc.Core.RpcException e) when (e.StatusCode == Grpc.Core.StatusCode.Unavailable && patience.Elapsed < TimeSpan.FromMinutes(3))
            {
                await Task.Delay(500);
            }
        }
    }

    private static async Task<string?> HealthAsync(HttpClient http)
    {
        try
        {
            return await http.GetStringAsync("/health");
        }
        catch (HttpRequestException e) when (e.StatusCode is { } status)
        {
            return status.ToString();
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return null;
        }
    }
}
