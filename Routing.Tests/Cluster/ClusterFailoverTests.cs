using System.Diagnostics;
using System.Globalization;
using CallCenter.Routing.Agents.Domain;
using Dapper;
using Npgsql;
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

    /// <summary>Starts three nodes with one another as seeds on a new database; the node that runs the default domain.</summary>
    /// <param name="settings">More settings for every node, as <c>--Section:Key=value</c>.</param>
    private async Task<ServerProcess> StartClusterAsync(string databasePrefix, params string[] settings)
    {
        var database = await PostgresSetUp.NewDatabaseAsync(databasePrefix);
        connectionString = PostgresSetUp.Server.ConnectionString(database);
        var ports = Enumerable.Range(0, 3).Select(_ => LoopbackEndpoints.FreePort()).ToList();
        var seeds = ports.Select((port, i) => $"--Routing:Cluster:Seeds:{i}=127.0.0.1:{port}").ToList();
        foreach (var port in ports)
        {
            // Each waits until it serves: the first forms the cluster, the others join it.
            nodeSettings.Add([$"--Routing:Cluster:Port={port}", .. seeds, .. settings]);
            nodes.Add(await ServerProcess.StartAsync(connectionString, nodeSettings[^1]));
        }

        await Poll.Until(() => nodes.Any(n => n.Output.Contains(Recovered)), "a node runs the default domain");

        // A node still joining does not count for the majority: a test that cut one off before then would split the cluster.
        await Poll.Until(() => nodes.All(n => n.Output.Contains(NodeUp)), "every node is up");
        return Home(DomainEvents.DefaultDomain)!;
    }

    /// <summary>The node a domain runs on now: the one that logged its recovery last (a domain that moved recovered on each node it ran on).</summary>
    private ServerProcess? Home(string domain)
    {
        var marker = $"Routing domain {domain} recovered";
        return nodes
            .SelectMany(node => node.Output.Split('\n').Where(line => line.Contains(marker)).Select(line => (Node: node, At: LoggedAt(line))))
            .OrderBy(recovery => recovery.At)
            .Select(recovery => recovery.Node)
            .LastOrDefault();
    }

    /// <summary>When a line of Akka's log was written: "[INFO][12/07/2026 20:43:44.875Z][Thread 0016]...".</summary>
    private static DateTime LoggedAt(string line)
    {
        var start = line.IndexOf("][", StringComparison.Ordinal) + 2;
        return DateTime.ParseExact(line[start..line.IndexOf(']', start)], "MM/dd/yyyy HH:mm:ss.fffZ", CultureInfo.InvariantCulture);
    }

    /// <summary>The settings of a routing domain with one queue (and its skill) of the same name.</summary>
    private static string[] DomainWithQueue(string domain, string queue) =>
    [
        $"--Routing:Domains:{domain}:Skills:0={queue}",
        $"--Routing:Domains:{domain}:Queues:0:Id={queue}",
        $"--Routing:Domains:{domain}:Queues:0:RequiredSkills:0:Skill={queue}",
    ];

    /// <summary>
    /// Three domains over three nodes: the first node up starts them all, the others take their share
    /// as they join (the domains' shards are rebalanced, each handed off after its log's commit). Then
    /// each domain serves a gateway and an operator connected to nodes it does not run on, and sees its
    /// own calls alone.
    /// </summary>
    [Test]
    public async Task Domains_spread_over_the_nodes_and_each_serves_clients_of_the_others()
    {
        var queues = new Dictionary<string, string> { [DomainEvents.DefaultDomain] = "billing", ["north"] = "help", ["south"] = "desk" };
        await StartClusterAsync("domains", [.. DomainWithQueue("north", "help"), .. DomainWithQueue("south", "desk")]);
        await Poll.Until(() => queues.Keys.Select(Home).Distinct().Count() == 3,
            () => $"each domain runs on a node of its own: {string.Join(", ", queues.Keys.Select(d => $"{d} on {nodes.IndexOf(Home(d)!)}"))}",
            TimeSpan.FromSeconds(120));

        foreach (var (domain, queue) in queues)
        {
            var home = Home(domain)!;
            var others = nodes.Where(n => n != home).ToList();
            await using var gateway = await ScriptedGateway.ConnectAsync(others[0].Gateway, $"gateway-{domain}", domain);
            await gateway.AcceptedAsync(new GatewayEvent
            {
                EventId = $"{domain}-1", CallArrived = new CallArrived { CallId = $"{domain}-1", QueueId = queue, TierId = "Standard" },
            });
            var operators = new RoutingState.RoutingStateClient(others[1].Channel);
            var view = await operators.GetSnapshotAsync(new GetSnapshotRequest(), new Metadata { { "routing-domain", domain } });
            Assert.That(view.Calls.Select(c => c.CallId), Is.EqualTo(new[] { $"{domain}-1" }), $"{domain}: its own call alone");
        }

        await using var database = new NpgsqlConnection(connectionString);
        await database.OpenAsync();
        var logged = (await database.QueryAsync<(string Call, string Domain)>("SELECT call_id, domain_id FROM interactions ORDER BY call_id")).ToList();
        Assert.That(logged, Is.EquivalentTo(queues.Keys.Select(d => ($"{d}-1", d))), "each call logged under its domain");
        Assert.That(queues.Keys.Select(Home).Distinct().Count(), Is.EqualTo(3), "still one domain per node");

        // A change made on one node reaches the others: a profile stored on one node serves a log-in on another,
        // and a change there takes the version after it. Neither is the domain's node, so the domain's
        // configuration crosses the nodes both ways.
        var north = new Metadata { { "routing-domain", "north" } };
        var away = nodes.Where(n => n != Home("north")).ToList();
        var profile = new AgentProfile { AgentId = "pat" };
        profile.Skills.Add(new AgentSkill { SkillId = "help", Level = 5 });
        var stored = await new RoutingState.RoutingStateClient(away[0].Channel).PutAgentProfileAsync(profile, north);
        await Poll.UntilAsync(async () =>
        {
            try
            {
                await new Softphone.SoftphoneClient(away[1].Channel).LogInAsync(new LogInRequest { AgentId = "pat" }, north);
                return true;
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
            {
                return false;
            }
        }, "the profile stored on another node serves the log-in");
        var skill = await new RoutingState.RoutingStateClient(away[1].Channel).PutSkillAsync(new PutSkillRequest { SkillId = "escalation" }, north);
        Assert.That(skill.Version, Is.EqualTo(stored.Version + 1), "the next version after the other node's");
        Assert.That(skill.AgentProfiles.Select(p => p.AgentId), Is.EqualTo(new[] { "pat" }));
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
