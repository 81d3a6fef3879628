using CallCenter.Protos.V1;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using Npgsql;

namespace CallCenter.Routing.Tests.Edge;

/// <summary>
/// Two routing domains on one server, through the gRPC edge: a gateway names its domain in its hello,
/// softphones, operators and reports in the <c>routing-domain</c> header; each domain routes, shows,
/// logs and reports only its own calls and agents.
/// </summary>
public sealed class RoutingDomainsEdgeTests
{
    private const string North = "north";
    private EdgeHost _host = null!;

    [SetUp]
    public async Task StartServer() => _host = await EdgeHost.Start(
        "Routing:Domains:north:Skills:0=support",
        "Routing:Domains:north:Queues:0:Id=help",
        "Routing:Domains:north:Queues:0:RequiredSkills:0:Skill=support",
        "Routing:Domains:north:Queues:0:RequiredSkills:0:MinimumLevel=1");

    [TearDown]
    public async Task StopServer() => await _host.DisposeAsync();

    private static Metadata In(string domain) => new() { { "routing-domain", domain } };

    private async Task<SoftphoneSession> NorthAgentReady(string agentId)
    {
        var login = new LogInRequest { AgentId = agentId };
        login.Skills.Add(new AgentSkill { SkillId = "support", Level = 5 });
        await _host.Softphone.LogInAsync(login, In(North));
        var session = new SoftphoneSession(agentId, _host.Softphone.Subscribe(new AgentRequest { AgentId = agentId }, In(North)));
        await session.Expect(u => u.Current is not null);
        await _host.Softphone.SetStateAsync(new SetStateRequest { AgentId = agentId, Available = new Available() }, In(North));
        await session.Expect(u => u.StateChanged?.To == AgentStatus.Available);
        return session;
    }

    [Test]
    public async Task Each_domain_routes_shows_and_logs_only_its_own_calls_and_agents()
    {
        await using var northGateway = await _host.ConnectGateway("gw-north", domainId: North);
        await using var defaultGateway = await _host.ConnectGateway("gw-default");
        await using var nina = await NorthAgentReady("nina");
        await using var dan = await _host.AgentReady("dan", ("billing", 5));

        Assert.That((await northGateway.Arrive("n1", "help")).Accepted, Is.Not.Null);
        Assert.That((await nina.Offer("n1")).Offer.CallId, Is.EqualTo("n1"), "the north agent is offered the north call");
        Assert.That((await defaultGateway.Arrive("d1", "billing")).Accepted, Is.Not.Null);
        Assert.That((await dan.Offer("d1")).Offer.CallId, Is.EqualTo("d1"));
        var elsewhere = await defaultGateway.Arrive("d2", "help");
        Assert.That((elsewhere.Rejected?.Code, elsewhere.Rejected?.Field), Is.EqualTo(("NOT_FOUND", "call_arrived.queue_id")),
            "the north queue is not the default domain's");

        var northView = await _host.State.GetSnapshotAsync(new GetSnapshotRequest(), In(North));
        var defaultView = await _host.State.GetSnapshotAsync(new GetSnapshotRequest());
        Assert.That(northView.Calls.Select(c => c.CallId), Is.EqualTo(new[] { "n1" }));
        Assert.That(northView.Agents.Select(a => a.AgentId), Is.EqualTo(new[] { "nina" }));
        Assert.That(defaultView.Calls.Select(c => c.CallId), Is.EquivalentTo(new[] { "d1" }));
        Assert.That(defaultView.Agents.Select(a => a.AgentId), Is.EqualTo(new[] { "dan" }));
        var northQueues = await _host.State.ListQueuesAsync(new ListQueuesRequest(), In(North));
        Assert.That(northQueues.Queues.Select(q => q.QueueId), Is.EqualTo(new[] { "help" }));
        Assert.That((await _host.State.GetConfigurationAsync(new GetConfigurationRequest(), In(North))).SkillIds, Is.EqualTo(new[] { "support" }));

        await using var database = _host.Database();
        async Task<string[]> DomainsOf(string sql)
        {
            await using var command = new NpgsqlCommand(sql, database);
            await using var reader = await command.ExecuteReaderAsync();
            var found = new List<string>();
            while (await reader.ReadAsync())
            {
                found.Add(reader.GetString(0));
            }

            return [.. found.Distinct()];
        }

        await EdgeHost.WaitUntil(async () => (await DomainsOf("SELECT domain_id FROM routing_decisions WHERE agent_id = 'nina'")).Length > 0,
            "the north decision is logged");
        Assert.That(await DomainsOf("SELECT domain_id FROM interactions WHERE call_id = 'n1'"), Is.EqualTo(new[] { North }));
        Assert.That(await DomainsOf("SELECT domain_id FROM call_events WHERE call_id = 'n1'"), Is.EqualTo(new[] { North }));
        Assert.That(await DomainsOf("SELECT domain_id FROM routing_decisions WHERE call_id = 'n1'"), Is.EqualTo(new[] { North }));
        Assert.That(await DomainsOf("SELECT domain_id FROM gateway_events WHERE gateway_id = 'gw-north'"), Is.EqualTo(new[] { North }));
        Assert.That(await DomainsOf("SELECT domain_id FROM agent_checkpoints WHERE agent_id = 'nina'"), Is.EqualTo(new[] { North }));
        Assert.That(await DomainsOf("SELECT domain_id FROM agent_state_changes WHERE agent_id = 'nina'"), Is.EqualTo(new[] { North }));
        Assert.That(await DomainsOf("SELECT domain_id FROM interactions WHERE call_id = 'd1'"), Is.EqualTo(new[] { "default" }));
        Assert.That(await DomainsOf("SELECT domain_id FROM agent_checkpoints WHERE agent_id = 'dan'"), Is.EqualTo(new[] { "default" }));

        var reports = new Protos.V1.Reports.ReportsClient(_host.Channel);
        var today = new SummaryRequest
        {
            From = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddDays(-2)),
            To = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddDays(2)),
            GroupBy = ReportGrouping.Queue,
        };
        var northSummary = await reports.SummaryAsync(today, In(North));
        var defaultSummary = await reports.SummaryAsync(today);
        Assert.That(northSummary.Groups.Select(g => (g.Key, g.Offered)), Is.EqualTo(new[] { ("help", 1L) }));
        Assert.That(defaultSummary.Groups.Select(g => g.Key), Does.Not.Contain("help"));
        Assert.That(defaultSummary.Total.Offered, Is.EqualTo(1), "the default domain's one call");
        Assert.That((await reports.ExplainCallAsync(new ExplainCallRequest { CallId = "n1" }, In(North))).Decisions.Select(d => d.AgentId),
            Is.EqualTo(new[] { "nina" }));
        var notHere = (await Assert.ThrowsAsync<RpcException>(async () => await reports.ExplainCallAsync(new ExplainCallRequest { CallId = "n1" })))!;
        Assert.That(notHere.StatusCode, Is.EqualTo(StatusCode.NotFound), "the default domain's log has nothing of the north call");
    }

    [Test]
    public async Task A_change_made_in_one_domain_reaches_that_domain_alone()
    {
        var queue = new QueueDefinition { QueueId = "escalations" };
        queue.RequiredSkills.Add(new SkillRequirement { SkillId = "support", MinimumLevel = 3 });
        var changed = await _host.State.PutQueueAsync(queue, In(North));

        Assert.That(changed.QueueIds, Is.EquivalentTo(new[] { "help", "escalations" }));
        Assert.That((await _host.State.GetConfigurationAsync(new GetConfigurationRequest())).QueueIds, Does.Not.Contain("escalations"));
        var northChanges = await _host.State.ListConfigurationChangesAsync(new ListConfigurationChangesRequest(), In(North));
        var defaultChanges = await _host.State.ListConfigurationChangesAsync(new ListConfigurationChangesRequest());
        Assert.That(northChanges.Changes.Select(c => c.After.Queue?.QueueId), Is.EqualTo(new[] { "escalations" }));
        Assert.That(defaultChanges.Changes, Is.Empty);

        await using var gateway = await _host.ConnectGateway("gw-north", domainId: North);
        Assert.That((await gateway.Arrive("e1", "escalations")).Accepted, Is.Not.Null, "the new queue takes calls in its domain");
    }

    [Test]
    public async Task An_unknown_domain_is_not_found_naming_where_it_was_named()
    {
        var hello = _host.Gateway.Connect();
        await hello.RequestStream.WriteAsync(new GatewayEvent { Hello = new Hello { GatewayId = "gw", DomainId = "south" } });
        var refused = (await Assert.ThrowsAsync<RpcException>(async () => await hello.ResponseStream.MoveNext()))!;
        Assert.That((refused.StatusCode, FieldOf(refused)), Is.EqualTo((StatusCode.NotFound, "hello.domain_id")));

        var login = (await Assert.ThrowsAsync<RpcException>(async () => await _host.Softphone.LogInAsync(new LogInRequest { AgentId = "a" }, In("south"))))!;
        Assert.That((login.StatusCode, FieldOf(login)), Is.EqualTo((StatusCode.NotFound, "routing-domain")));
        var snapshot = (await Assert.ThrowsAsync<RpcException>(async () => await _host.State.GetSnapshotAsync(new GetSnapshotRequest(), In("south"))))!;
        Assert.That((snapshot.StatusCode, FieldOf(snapshot)), Is.EqualTo((StatusCode.NotFound, "routing-domain")));
        Assert.That(snapshot.Status.Detail, Does.Contain("default, north"), "the known domains are named");
    }

    private static string FieldOf(RpcException error) =>
        error.GetRpcStatus()?.GetDetail<BadRequest>()?.FieldViolations.FirstOrDefault()?.Field ?? "";
}
