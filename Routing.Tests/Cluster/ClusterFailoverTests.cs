using System.Diagnostics;
using CallCenter.Protos.V1;
using CallCenter.Routing.Host;
using CallCenter.Routing.Tests.InteractionLog;

namespace CallCenter.Routing.Tests.Cluster;

/// <summary>
/// Three real server processes on loopback ports, one cluster, one database: the routing domain runs
/// on one node; killed (SIGKILL), it starts on exactly one survivor with every call it acknowledged.
/// </summary>
[TestFixture]
[NonParallelizable]
[Category("Cluster")]
public sealed class ClusterFailoverTests
{
    private const string Recovered = "Routing domain recovered";
    private readonly List<ServerProcess> nodes = [];

    [TearDown]
    public Task StopNodes() => ServerProcess.DisposeAllAsync(nodes);

    /// <summary>Starts three nodes with one another as seeds on a new database; the node that runs the domain.</summary>
    private async Task<ServerProcess> StartClusterAsync(string databasePrefix)
    {
        var database = await PostgresSetUp.NewDatabaseAsync(databasePrefix);
        var connectionString = PostgresSetUp.Server.ConnectionString(database);
        var ports = Enumerable.Range(0, 3).Select(_ => LoopbackEndpoints.FreePort()).ToList();
        var seeds = ports.Select((port, i) => $"--Routing:Cluster:Seeds:{i}=127.0.0.1:{port}").ToList();
        foreach (var port in ports)
        {
            // Each waits until it serves: the first forms the cluster, the others join it.
            nodes.Add(await ServerProcess.StartAsync(connectionString, [$"--Routing:Cluster:Port={port}", .. seeds]));
        }

        await Poll.Until(() => nodes.Count(n => n.Output.Contains(Recovered)) == 1, "one node runs the domain");
        return nodes.Single(n => n.Output.Contains(Recovered));
    }

    [Test]
    public async Task A_killed_nodes_domain_starts_on_one_survivor_with_every_call_it_acknowledged()
    {
        var home = await StartClusterAsync("cluster");
        var gateway = await ScriptedGateway.ConnectAsync(home.Gateway, "gateway-cluster");
        var calls = Enumerable.Range(1, 20).Select(i => $"w{i}").ToList();
        foreach (var call in calls)
        {
            await gateway.AcceptedAsync(new GatewayEvent
            {
                EventId = call, CallArrived = new CallArrived { CallId = call, QueueId = "billing", TierId = "Standard", CallerNumber = "+15550100" },
            });
        }

        var killedAt = Stopwatch.StartNew();
        await home.KillAsync();
        await gateway.DisposeAsync();
        var survivors = nodes.Where(n => n != home).ToList();
        await Poll.Until(() => survivors.Any(n => n.Output.Contains($"{Recovered} {calls.Count} calls")), "a survivor recovers the domain");
        TestContext.Out.WriteLine($"the domain served again on a survivor {killedAt.Elapsed.TotalSeconds:F1} s after the kill");
        var newHome = survivors.Single(n => n.Output.Contains(Recovered));

        var snapshot = await new RoutingState.RoutingStateClient(newHome.Channel).GetSnapshotAsync(new GetSnapshotRequest());
        Assert.That(snapshot.Calls.Select(c => c.CallId), Is.EquivalentTo(calls), "every acknowledged call waits again");
        Assert.That(snapshot.Calls.Select(c => c.Status), Is.All.EqualTo(CallStatus.Queued));
        Assert.That(survivors.Count(n => n.Output.Contains(Recovered)), Is.EqualTo(1), "the domain runs on one node only");
    }

    /// <summary>
    /// The domain's node is cut off (its process paused with SIGSTOP) past the downing time: a
    /// survivor takes the domain over; resumed, the cut-off node finds itself downed and stops.
    /// </summary>
    [Test]
    public async Task A_node_cut_off_past_the_downing_time_loses_its_domain_and_stops_when_it_wakes()
    {
        var cutOff = await StartClusterAsync("partition");
        var survivors = nodes.Where(n => n != cutOff).ToList();

        cutOff.Signal("STOP");
        await Poll.Until(() => survivors.Any(n => n.Output.Contains(Recovered)), "a survivor takes the domain over");
        cutOff.Signal("CONT");

        var exitCode = await cutOff.ExitedAsync();
        TestContext.Out.WriteLine($"the cut-off node stopped with exit code {exitCode}");
        Assert.That(survivors.Count(n => n.Output.Contains(Recovered)), Is.EqualTo(1), "the domain runs on one survivor");
        Assert.That(await survivors.Single(n => n.Output.Contains(Recovered)).HealthAsync(), Is.Not.Null, "and it still serves");
    }
}
