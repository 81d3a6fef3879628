using System.Diagnostics;
using CallCenter.Protos.V1;
using CallCenter.Routing.Host;
using CallCenter.Routing.Tests.InteractionLog;
using Grpc.Core;

namespace CallCenter.Routing.Tests.Cluster;

/// <summary>
/// Three real server processes on loopback ports, one cluster, one database: the routing domain runs
/// on one node and serves clients connected to any node; killed (SIGKILL), it starts on exactly one
/// survivor with every call it acknowledged.
/// </summary>
[TestFixture]
[NonParallelizable]
[Category("Cluster")]
public sealed class ClusterFailoverTests
{
    private const string Recovered = "Routing domain default recovered";

    /// <summary>What a node logs once it is a member of the cluster.</summary>
    private const string NodeUp = "Cluster node up";
    /// <summary>Every server process a test started, restarted ones included, for their output.</summary>
    private readonly List<ServerProcess> nodes = [];

    /// <summary>Each node's settings, by its place in the cluster, to start it again with.</summary>
    private readonly List<string[]> nodeSettings = [];
    private string connectionString = "";

    [TearDown]
    public Task StopNodes()
    {
        nodeSettings.Clear();
        return ServerProcess.DisposeAllAsync(nodes);
    }

    /// <summary>Starts three nodes with one another as seeds on a new database; the node that runs the domain.</summary>
    private async Task<ServerProcess> StartClusterAsync(string databasePrefix)
    {
        var database = await PostgresSetUp.NewDatabaseAsync(databasePrefix);
        connectionString = PostgresSetUp.Server.ConnectionString(database);
        var ports = Enumerable.Range(0, 3).Select(_ => LoopbackEndpoints.FreePort()).ToList();
        var seeds = ports.Select((port, i) => $"--Routing:Cluster:Seeds:{i}=127.0.0.1:{port}").ToList();
        foreach (var port in ports)
        {
            // Each waits until it serves: the first forms the cluster, the others join it.
            nodeSettings.Add([$"--Routing:Cluster:Port={port}", .. seeds]);
            nodes.Add(await ServerProcess.StartAsync(connectionString, nodeSettings[^1]));
        }

        await Poll.Until(() => nodes.Count(n => n.Output.Contains(Recovered)) == 1, "one node runs the domain");

        // A node still joining does not count for the majority: a test that cut one off before then would split the cluster.
        await Poll.Until(() => nodes.All(n => n.Output.Contains(NodeUp)), "every node is up");
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
    /// A gateway, a softphone and an operator each connected to a node the domain does not run on:
    /// each is served there (commands, acknowledgements after the domain's commit, updates, the
    /// operators' view). Then the domain's node is killed: they stay where they are, the domain
    /// recovers on a survivor, and they go on with it, every acknowledged call accounted for.
    /// </summary>
    [Test]
    public async Task Clients_on_other_nodes_than_the_domains_are_served_there_and_go_on_when_its_node_is_killed()
    {
        var home = await StartClusterAsync("edges");
        var others = nodes.Where(n => n != home).ToList();
        var (gatewayNode, softphoneNode) = (others[0], others[1]);
        var softphone = new Softphone.SoftphoneClient(softphoneNode.Channel);
        var operators = new RoutingState.RoutingStateClient(gatewayNode.Channel);
        var login = new LogInRequest { AgentId = "a-remote" };
        login.Skills.Add(new AgentSkill { SkillId = "billing", Level = 5 });
        await softphone.LogInAsync(login);
        var updates = new AgentUpdates(softphone.Subscribe(new AgentRequest { AgentId = "a-remote" }));
        await softphone.SetStateAsync(new SetStateRequest { AgentId = "a-remote", Available = new Available() });
        var gateway = await ScriptedGateway.ConnectAsync(gatewayNode.Gateway, "gateway-remote");

        await gateway.AcceptedAsync(Arrival("r1"));
        var epoch = await gateway.RingAsync("r1");
        var offer = await updates.NextAsync(u => u.Offer is not null);
        Assert.That((offer.Offer.CallId, offer.Offer.Epoch), Is.EqualTo(("r1", epoch)), "the softphone is offered the call the gateway rings");
        await softphone.AcceptOfferAsync(new OfferAnswer { AgentId = "a-remote", CallId = "r1", Epoch = epoch });
        await gateway.UpdateAsync("r1", u => u.ConnectAgent?.AgentId == "a-remote");
        var talking = await operators.GetSnapshotAsync(new GetSnapshotRequest());
        Assert.That(talking.Calls.Select(c => (c.CallId, c.Status, c.AgentId)), Is.EqualTo(new[] { ("r1", CallStatus.Connected, "a-remote") }));
        await gateway.AcceptedAsync(new GatewayEvent { EventId = "r1-hangup", CallHungUp = new CallHungUp { CallId = "r1", Party = Party.Caller } });
        await gateway.UpdateAsync("r1", u => u.Ended is not null);

        // The agent is in wrap-up: these wait.
        var waiting = Enumerable.Range(1, 10).Select(i => $"w{i}").ToList();
        foreach (var call in waiting)
        {
            await gateway.AcceptedAsync(Arrival(call));
        }

        await home.KillAsync();
        await Poll.Until(() => others.Any(n => n.Output.Contains($"{Recovered} {waiting.Count} calls")), "a survivor recovers the domain");
        var recovered = await operators.GetSnapshotAsync(new GetSnapshotRequest());
        Assert.That(recovered.Calls.Select(c => (c.CallId, c.Status)), Is.EquivalentTo(waiting.Select(c => (c, CallStatus.Queued))),
            "every acknowledged call waits again, seen from the same node");

        // The softphone is told its subscription ended with the agent's node, subscribes again where it
        // is, finishes its wrap-up and is offered the first waiting call.
        Assert.That(await updates.EndedWith.WaitAsync(Poll.Patience), Is.EqualTo(StatusCode.Unavailable));
        updates = new AgentUpdates(softphone.Subscribe(new AgentRequest { AgentId = "a-remote" }));
        await softphone.FinishWrapUpAsync(new FinishWrapUpRequest { AgentId = "a-remote", CallId = "r1" });
        var (rung, nextEpoch) = await gateway.NextRingAtAsync("a-remote", ["r1"]);
        Assert.That(rung, Is.EqualTo("w1"), "the call that waited longest");
        Assert.That(nextEpoch, Is.GreaterThan(epoch), "epochs stay fenced across the move");
        offer = await updates.NextAsync(u => u.Offer is not null);
        Assert.That((offer.Offer.CallId, offer.Offer.Epoch), Is.EqualTo(("w1", nextEpoch)));
        await gateway.AcceptedAsync(new GatewayEvent { EventId = "w2-hangup", CallHungUp = new CallHungUp { CallId = "w2", Party = Party.Caller } });
        await gateway.UpdateAsync("w2", u => u.Ended is not null);
        await gateway.DisposeAsync();
    }

    /// <summary>
    /// Every node stopped (SIGTERM) and started again, one after another, while a gateway on another
    /// node keeps sending arrivals, each resent until it is answered: the domain moves with its node's
    /// stop (handed off once its log has committed) and recovers on another node, and at the end every
    /// call acknowledged, and only those, waits.
    /// </summary>
    [Test]
    public async Task A_rolling_restart_of_every_node_under_traffic_keeps_every_acknowledged_call_and_no_other()
    {
        await StartClusterAsync("rolling");
        var members = nodes.ToList();
        var accepted = new List<string>();
        var unavailable = 0;
        var next = 0;
        for (var restarting = 0; restarting < members.Count; restarting++)
        {
            var gateway = await ScriptedGateway.ConnectAsync(members[(restarting + 1) % members.Count].Gateway, "gateway-rolling");
            using var stop = new CancellationTokenSource();
            var traffic = Task.Run(async () =>
            {
                while (!stop.IsCancellationRequested)
                {
                    var call = $"r{++next}";
                    while (true)
                    {
                        var reply = await gateway.SendAsync(Arrival(call));
                        if (reply.Accepted is not null)
                        {
                            accepted.Add(call);
                            break;
                        }

                        Assert.That(reply.Rejected.Code, Is.EqualTo("UNAVAILABLE"), reply.ToString());
                        unavailable++;
                        // A gateway's back-off before it resends.
                        await Task.Delay(100);
                    }
                }
            });

            await Poll.Until(() => accepted.Count >= 20 * (restarting + 1), "traffic flows before the stop");
            members[restarting].Terminate();
            Assert.That(await members[restarting].ExitedAsync(), Is.EqualTo(0), "a graceful stop");
            members[restarting] = await ServerProcess.StartAsync(connectionString, nodeSettings[restarting]);
            nodes.Add(members[restarting]);
            var acceptedBeforeStart = accepted.Count;
            await Poll.Until(() => accepted.Count > acceptedBeforeStart + 20, "traffic flows after the node is back");
            stop.Cancel();
            await traffic;
            await gateway.DisposeAsync();
        }

        TestContext.Out.WriteLine($"{accepted.Count} arrivals acknowledged, {unavailable} answers UNAVAILABLE resent");
        // The last node's stop may have moved the domain, which answers once it has recovered.
        Snapshot? snapshot = null;
        await Poll.UntilAsync(async () =>
        {
            try
            {
                snapshot = await new RoutingState.RoutingStateClient(members[0].Channel).GetSnapshotAsync(new GetSnapshotRequest());
                return true;
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.Unavailable)
            {
                return false;
            }
        }, "the domain answers");
        Assert.That(snapshot!.Calls.Select(c => c.CallId), Is.EquivalentTo(accepted), "every acknowledged call, once, and no other");
        Assert.That(snapshot.Calls.Select(c => c.Status), Is.All.EqualTo(CallStatus.Queued));
        Assert.That(nodes.Count(n => n.Output.Contains(Recovered)), Is.GreaterThanOrEqualTo(2), "the domain moved with its node's stop");
    }

    private static GatewayEvent Arrival(string call) => new()
    {
        EventId = call, CallArrived = new CallArrived { CallId = call, QueueId = "billing", TierId = "Standard", CallerNumber = "+15550100" },
    };

    /// <summary>A softphone's subscription, read in the background.</summary>
    private sealed class AgentUpdates
    {
        private readonly List<AgentUpdate> _received = [];
        private readonly TaskCompletionSource<StatusCode> _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _taken;

        /// <summary>How the server ended the subscription.</summary>
        public Task<StatusCode> EndedWith => _ended.Task;

        public AgentUpdates(AsyncServerStreamingCall<AgentUpdate> subscription) => _ = ReadAsync(subscription);

        /// <summary>The next update after those already taken that is <paramref name="wanted"/>.</summary>
        public async Task<AgentUpdate> NextAsync(Func<AgentUpdate, bool> wanted)
        {
            AgentUpdate? found = null;
            await Poll.Until(() =>
            {
                lock (_received)
                {
                    var index = _received.FindIndex(_taken, u => wanted(u));
                    if (index < 0)
                    {
                        return false;
                    }

                    (found, _taken) = (_received[index], index + 1);
                    return true;
                }
            }, "a softphone update");
            return found!;
        }

        private async Task ReadAsync(AsyncServerStreamingCall<AgentUpdate> subscription)
        {
            try
            {
                await foreach (var update in subscription.ResponseStream.ReadAllAsync())
                {
                    lock (_received)
                    {
                        _received.Add(update);
                    }
                }

                _ended.TrySetResult(StatusCode.OK);
            }
            catch (RpcException e)
            {
                _ended.TrySetResult(e.StatusCode);
            }
        }
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
