using System.Diagnostics;
using CallCenter.Protos.V1;
using CallCenter.Routing.Benchmarks.Load;
using CallCenter.Routing.Host;
using CallCenter.Routing.Host.InteractionLog;
using Grpc.Core;
using Grpc.Net.Client;

namespace CallCenter.Routing.Benchmarks;

/// <summary>
/// How long a routing domain is away when its node is killed: three server processes on loopback
/// form a cluster on one database; the node running the domain (with N calls waiting) is killed with
/// SIGKILL, and the clock runs until a survivor has recovered the domain and until a gateway there
/// has a new arrival acknowledged. The killed node is started again (it rejoins) before the next kill.
/// </summary>
internal static class FailoverBenchmark
{
    private const string Recovered = "Routing domain default recovered";

    public static int Run(string[] args)
    {
        var options = new CommandOptions(args);
        var kills = options.Count("--kills", 5);
        var calls = options.Count("--calls", 1_000);
        var data = Path.GetFullPath(options.Text("--data") ?? ".data/failover-postgres");
        return RunAsync(kills, calls, data).GetAwaiter().GetResult();
    }

    private static async Task<int> RunAsync(int kills, int calls, string data)
    {
        var (host, problem) = BuiltServer.Locate(typeof(FailoverBenchmark).Assembly);
        if (host is null)
        {
            Console.Error.WriteLine(problem);
            return 1;
        }

        Console.WriteLine($"Failover: 3 nodes on loopback, {calls:N0} calls waiting, {kills} kills, {Environment.ProcessorCount} cores");
        await using var postgres = await LocalPostgres.StartAsync(data);
        var database = $"failover_{Guid.NewGuid():N}";
        await postgres.CreateDatabaseAsync(database);
        var ports = Enumerable.Range(0, 3).Select(_ => LoopbackEndpoints.FreePort()).ToList();
        var nodes = ports.Select(port => new Node(host, postgres.ConnectionString(database), port, ports)).ToList();
        try
        {
            foreach (var node in nodes)
            {
                await node.StartAsync();
            }

            Console.WriteLine();
            Console.WriteLine("| kill | domain recovered on a survivor | new arrival acknowledged there | journal read, rebuilt |");
            Console.WriteLine("|---|---|---|---|");
            var recovered = new List<double>();
            var serving = new List<double>();
            for (var kill = 1; kill <= kills; kill++)
            {
                var home = await HomeAsync(nodes);
                await FillAsync(home, calls, kill);
                var others = nodes.Where(n => n != home).Select(n => (Node: n, Seen: n.RecoveredLines)).ToList();
                var clock = Stopwatch.StartNew();
                home.Kill();
                Node? newHome = null;
                while (newHome is null)
                {
                    newHome = others.FirstOrDefault(o => o.Node.RecoveredLines > o.Seen).Node;
                    if (clock.Elapsed > TimeSpan.FromMinutes(2))
                    {
                        throw new TimeoutException("no survivor recovered the domain within 2 minutes");
                    }

                    await Task.Delay(5);
                }

                var recoveredAfter = clock.Elapsed;
                await ArriveAsync(newHome, $"probe-{kill}");
                var servingAfter = clock.Elapsed;
                recovered.Add(recoveredAfter.TotalSeconds);
                serving.Add(servingAfter.TotalSeconds);
                Console.WriteLine($"| {kill} | {recoveredAfter.TotalSeconds:F2} s | {servingAfter.TotalSeconds:F2} s | {newHome.LastRecovery} |");
                await home.StartAsync();
            }

            Console.WriteLine();
            Console.WriteLine($"domain recovered: min {recovered.Min():F2} s, median {Median(recovered):F2} s, max {recovered.Max():F2} s");
            Console.WriteLine($"new arrival acknowledged: min {serving.Min():F2} s, median {Median(serving):F2} s, max {serving.Max():F2} s");
            return 0;
        }
        finally
        {
            foreach (var node in nodes)
            {
                node.Kill();
            }

            await postgres.DropDatabaseAsync(database);
        }
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }

    /// <summary>The node whose log last said it recovered the domain.</summary>
    private static async Task<Node> HomeAsync(IReadOnlyList<Node> nodes)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (nodes.Where(n => n.Running && n.LastRecoveredAt is not null).MaxBy(n => n.LastRecoveredAt) is { } home)
            {
                return home;
            }

            if (clock.Elapsed > TimeSpan.FromMinutes(1))
            {
                throw new TimeoutException("no node runs the domain");
            }

            await Task.Delay(10);
        }
    }

    /// <summary>Tops the domain up to <paramref name="calls"/> waiting calls (no agent takes them) through a gateway on its node.</summary>
    private static async Task FillAsync(Node home, int calls, int round)
    {
        using var channel = GrpcChannel.ForAddress(home.Endpoints.GrpcAddress);
        var state = await new RoutingState.RoutingStateClient(channel).GetSnapshotAsync(new GetSnapshotRequest());
        var missing = calls - state.Calls.Count;
        using var stream = new Gateway.GatewayClient(channel).Connect();
        await stream.RequestStream.WriteAsync(new GatewayEvent { Hello = new Hello { GatewayId = "failover" } });
        var sending = Task.Run(async () =>
        {
            for (var i = 0; i < missing; i++)
            {
                await stream.RequestStream.WriteAsync(Arrival($"r{round}-{i}"));
            }
        });
        var accepted = 0;
        while (accepted < missing && await stream.ResponseStream.MoveNext(CancellationToken.None))
        {
            accepted += stream.ResponseStream.Current.Accepted is not null ? 1 : 0;
            if (stream.ResponseStream.Current.Rejected is { } rejected)
            {
                throw new InvalidOperationException($"an arrival was refused: {rejected}");
            }
        }

        await sending;
        await stream.RequestStream.CompleteAsync();
    }

    /// <summary>Sends one arrival to the node, retrying until it is acknowledged.</summary>
    private static async Task ArriveAsync(Node node, string call)
    {
        using var channel = GrpcChannel.ForAddress(node.Endpoints.GrpcAddress);
        while (true)
        {
            try
            {
                using var stream = new Gateway.GatewayClient(channel).Connect();
                await stream.RequestStream.WriteAsync(new GatewayEvent { Hello = new Hello { GatewayId = "failover-probe" } });
                await stream.RequestStream.WriteAsync(Arrival(call));
                while (await stream.ResponseStream.MoveNext(CancellationToken.None))
                {
                    if (stream.ResponseStream.Current.Accepted is { } accepted && accepted.EventId == call)
                    {
                        await stream.RequestStream.CompleteAsync();
                        return;
                    }

                    if (stream.ResponseStream.Current.Rejected is not null)
                    {
                        break;
                    }
                }
            }
            catch (RpcException)
            {
            }

            await Task.Delay(5);
        }
    }

    private static GatewayEvent Arrival(string call) => new()
    {
        EventId = call, CallArrived = new CallArrived { CallId = call, QueueId = "billing", TierId = "Standard", CallerNumber = "+15550100" },
    };

    /// <summary>One server process of the cluster; started again on the same ports after it is killed.</summary>
    private sealed class Node(string host, string connectionString, int clusterPort, IReadOnlyList<int> seeds)
    {
        private readonly object _gate = new();
        private Process? _process;
        private int _recoveredLines;

        public LoopbackEndpoints Endpoints { get; } = LoopbackEndpoints.Free();

        public bool Running => _process is { HasExited: false };

        public DateTime? LastRecoveredAt { get; private set; }

        public string LastRecovery { get; private set; } = "";

        public int RecoveredLines
        {
            get
            {
                lock (_gate)
                {
                    return _recoveredLines;
                }
            }
        }

        public async Task StartAsync()
        {
            var start = BuiltServer.StartInfo(host, Endpoints, connectionString,
            [
                $"--Routing:Cluster:Port={clusterPort}",
                .. seeds.Select((port, i) => $"--Routing:Cluster:Seeds:{i}=127.0.0.1:{port}"),
                // Announcements and overload refusals are not what this measures.
                "--Routing:Timing:AnnouncementIntervalSeconds=3600",
                "--Edge:RefuseArrivalsWhenOverloaded=false",
            ]);
            _process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {host}");
            _process.OutputDataReceived += (_, line) => Keep(line.Data);
            _process.ErrorDataReceived += (_, _) => { };
            _process.BeginOutputReadLine();
            _process.BeginErrorReadLine();
            using var http = new HttpClient { BaseAddress = new Uri(Endpoints.HttpAddress), Timeout = TimeSpan.FromSeconds(2) };
            var clock = Stopwatch.StartNew();
            while (true)
            {
                try
                {
                    if ((await http.GetAsync("/health")).IsSuccessStatusCode)
                    {
                        return;
                    }
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                }

                if (_process.HasExited || clock.Elapsed > TimeSpan.FromMinutes(2))
                {
                    throw new InvalidOperationException("a node did not start serving");
                }

                await Task.Delay(20);
            }
        }

        public void Kill()
        {
            if (Running)
            {
                _process!.Kill(entireProcessTree: true);
                _process.WaitForExit();
            }
        }

        private void Keep(string? line)
        {
            if (line is null || !line.Contains(Recovered, StringComparison.Ordinal))
            {
                return;
            }

            lock (_gate)
            {
                _recoveredLines++;
                LastRecoveredAt = DateTime.UtcNow;
                var read = line.IndexOf("(journal read", StringComparison.Ordinal);
                LastRecovery = read < 0 ? "" : line[(read + 1)..line.IndexOf(')', read)];
            }
        }
    }
}
