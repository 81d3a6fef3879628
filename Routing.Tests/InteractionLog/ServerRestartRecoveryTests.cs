using System.Collections.Concurrent;
using CallCenter.Protos.V1;
using Grpc.Core;

namespace CallCenter.Routing.Tests.InteractionLog;

/// <summary>
/// The server is killed (SIGKILL) with calls waiting in several tiers and queues, one ringing, one
/// connected, one in wrap-up, a callback requested, and agents in every state. Started again on the
/// same database, it serves what it had acknowledged: the same calls and agents, the ringing offer
/// void (the call back at its place), the lines in their order, the gateway's resends duplicates,
/// its new events carried out, and every offer's epoch above the epochs before the crash.
/// Runs the built server as a process of its own, on a fresh database of the tests' PostgreSQL.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class ServerRestartRecoveryTests
{
    private const string GatewayId = "gateway-restart";

    /// <summary>A few calls, sent one at a time on a machine shared with other tests: never refused as overload.</summary>
    private const string NoOverloadGate = "--Edge:RefuseArrivalsWhenOverloaded=false";

    private ServerProcess? _server;

    [TearDown]
    public async Task KillServer()
    {
        if (_server is not null)
        {
            if (TestContext.CurrentContext.Result.Outcome.Status == NUnit.Framework.Interfaces.TestStatus.Failed)
            {
                TestContext.Out.WriteLine($"server output:\n{_server.Output}");
            }

            await _server.DisposeAsync();
            _server = null;
        }
    }

    [Test]
    public async Task A_server_killed_mid_traffic_comes_back_with_every_acknowledged_call_and_agent_in_its_place()
    {
        var name = await PostgresSetUp.NewDatabaseAsync("restart");
        var connectionString = PostgresSetUp.Server.ConnectionString(name);
        _server = await ServerProcess.StartAsync(connectionString, NoOverloadGate);

        var softphone = new Softphone.SoftphoneClient(_server.Channel);
        var gateway = await ScriptedGateway.ConnectAsync(_server.Gateway, GatewayId);

        // One agent will be on a call, one in wrap-up, one rung, one on a break.
        await LogInAsync(softphone, "a-talk", ("billing", 5));
        await LogInAsync(softphone, "a-wrap", ("billing", 5));
        await LogInAsync(softphone, "a-ring", ("technical", 6));
        await LogInAsync(softphone, "a-break", ("billing", 5));
        await softphone.SetStateAsync(new SetStateRequest { AgentId = "a-break", NotReady = new NotReady { Reason = "lunch" } });

        await softphone.SetStateAsync(new SetStateRequest { AgentId = "a-talk", Available = new Available() });
        await gateway.AcceptedAsync(Arrival("c-talk", "billing", "Gold"));
        var talkOffer = await gateway.RingAsync("c-talk");
        await gateway.AcceptedAsync(Answer("c-talk", talkOffer));

        await softphone.SetStateAsync(new SetStateRequest { AgentId = "a-wrap", Available = new Available() });
        await gateway.AcceptedAsync(Arrival("c-wrap", "billing", "Standard"));
        var wrapOffer = await gateway.RingAsync("c-wrap");
        await gateway.AcceptedAsync(Answer("c-wrap", wrapOffer));
        await gateway.AcceptedAsync(HangUp("c-wrap"));

        await softphone.SetStateAsync(new SetStateRequest { AgentId = "a-ring", Available = new Available() });
        await gateway.AcceptedAsync(Arrival("c-ring", "technical", "VIP"));
        var ringOffer = await gateway.RingAsync("c-ring");

        // In arrival order. A billing agent (who also serves general, which needs no skill) takes them,
        // by the rules, as w2 (VIP), then the Standard calls by arrival across both queues: w1, w6 (a
        // callback now, keeping its place), w5; then w3 (Basic). w4 (sales) is not for it.
        await gateway.AcceptedAsync(Arrival("w1", "billing", "Standard"));
        await gateway.AcceptedAsync(Arrival("w2", "billing", "VIP"));
        await gateway.AcceptedAsync(Arrival("w3", "billing", "Basic"));
        await gateway.AcceptedAsync(Arrival("w6", "billing", "Standard"));
        await gateway.AcceptedAsync(new GatewayEvent { EventId = "w6-callback", CallbackRequested = new CallbackRequested { CallId = "w6" } });
        await gateway.AcceptedAsync(Arrival("w4", "sales", "Gold"));
        await gateway.AcceptedAsync(Arrival("w5", "general", "Standard"));

        var state = new RoutingState.RoutingStateClient(_server.Channel);
        var before = await state.GetSnapshotAsync(new GetSnapshotRequest());
        Assert.That(Agents(before)["a-ring"], Is.EqualTo((AgentStatus.Reserved, "", "c-ring")));

        await _server.KillAsync();
        await gateway.DisposeAsync();

        _server = await ServerProcess.StartAsync(connectionString, NoOverloadGate);
        softphone = new Softphone.SoftphoneClient(_server.Channel);
        state = new RoutingState.RoutingStateClient(_server.Channel);
        gateway = await ScriptedGateway.ConnectAsync(_server.Gateway, GatewayId);
        Assert.That(gateway.Resumed, Is.True, "the gateway is known again: it owns open calls");

        // Every call and agent as before; only the ringing offer is void: the call waits again, its agent is free.
        var after = await state.GetSnapshotAsync(new GetSnapshotRequest());
        var expectedCalls = Calls(before);
        expectedCalls["c-ring"] = (CallStatus.Queued, "technical", "VIP", "");
        Assert.That(Calls(after), Is.EquivalentTo(expectedCalls));
        var expectedAgents = Agents(before);
        expectedAgents["a-ring"] = (AgentStatus.Available, "", "");
        Assert.That(Agents(after), Is.EquivalentTo(expectedAgents));
        await gateway.UpdateAsync("c-ring", u => u.RingCancelled is { Reason: "server-restarted" } cancelled && cancelled.Epoch == ringOffer);

        // An answer to the offer made before the crash is refused; a resent arrival is a duplicate, not a second life.
        var stale = await gateway.SendAsync(Answer("c-ring", ringOffer, "a-ring"));
        Assert.That(stale.Rejected?.Code, Is.EqualTo("FAILED_PRECONDITION"), stale.ToString());
        var resent = await gateway.SendAsync(Arrival("c-talk", "billing", "Gold"));
        Assert.That(resent.Accepted, Is.Not.Null.And.Property(nameof(EventAccepted.Duplicate)).True, resent.ToString());

        // The connected call goes on: its hang-up ends it as answered, and its agent goes to wrap-up.
        await gateway.AcceptedAsync(HangUp("c-talk", "c-talk-hangup-after-restart"));
        await gateway.UpdateAsync("c-talk", u => u.Ended is { Outcome: CallOutcome.Answered });
        await ServerPoll(async () => (await state.GetAgentAsync(new GetAgentRequest { AgentId = "a-talk" })).Status == AgentStatus.WrapUp,
            "a-talk goes to wrap-up after the call it was on before the crash");

        // The lines come back in their order: a-break, back from lunch, takes them call by call.
        await softphone.HeartbeatAsync(new AgentRequest { AgentId = "a-break" });
        await softphone.SetStateAsync(new SetStateRequest { AgentId = "a-break", Available = new Available() });
        var served = new List<string>();
        foreach (var _ in Enumerable.Range(0, 5))
        {
            var (call, epoch) = await gateway.NextRingAtAsync("a-break", served);
            Assert.That(epoch, Is.GreaterThan(1L << 40), "epochs after the restart are above every epoch before it");
            served.Add(call);
            await softphone.AcceptOfferAsync(new OfferAnswer { AgentId = "a-break", CallId = call, Epoch = epoch });
            await softphone.EndCallAsync(new Protos.V1.CallRequest { AgentId = "a-break", CallId = call });
            await softphone.FinishWrapUpAsync(new FinishWrapUpRequest { AgentId = "a-break" });
        }

        Assert.That(served, Is.EqualTo(new[] { "w2", "w1", "w6", "w5", "w3" }));
    }

    [Test]
    public async Task Configuration_changed_at_run_time_survives_a_kill_with_the_calls_waiting_under_it_and_versions_go_on()
    {
        var name = await PostgresSetUp.NewDatabaseAsync("config");
        var connectionString = PostgresSetUp.Server.ConnectionString(name);
        _server = await ServerProcess.StartAsync(connectionString, NoOverloadGate);
        var state = new RoutingState.RoutingStateClient(_server.Channel);

        var start = await state.GetConfigurationAsync(new GetConfigurationRequest());
        await state.PutSkillAsync(new PutSkillRequest { SkillId = "french" });
        var queue = new QueueDefinition { QueueId = "quebec", MaximumWaitSeconds = 900, Priority = 5, AgentSelection = "BestProficiency" };
        queue.RequiredSkills.Add(new SkillRequirement { SkillId = "french", MinimumLevel = 6 });
        await state.PutQueueAsync(queue);
        var profile = new AgentProfile { AgentId = "a-french" };
        profile.Skills.Add(new AgentSkill { SkillId = "french", Level = 8 });
        var changed = await state.PutAgentProfileAsync(profile);
        Assert.That(changed.Version, Is.EqualTo(start.Version + 3));

        var gateway = await ScriptedGateway.ConnectAsync(_server.Gateway, GatewayId);
        await gateway.AcceptedAsync(Arrival("c-quebec", "quebec", "Gold"));
        await gateway.DisposeAsync();
        var listed = await state.ListConfigurationChangesAsync(new ListConfigurationChangesRequest());

        await _server.KillAsync();
        _server = await ServerProcess.StartAsync(connectionString, NoOverloadGate);
        state = new RoutingState.RoutingStateClient(_server.Channel);

        Assert.That(await state.GetConfigurationAsync(new GetConfigurationRequest()), Is.EqualTo(changed),
            "the same version, queues, skills and agent profiles");
        Assert.That(await state.ListConfigurationChangesAsync(new ListConfigurationChangesRequest()), Is.EqualTo(listed), "the same record of changes");
        var snapshot = await state.GetSnapshotAsync(new GetSnapshotRequest());
        Assert.That(snapshot.Calls.Select(c => (c.CallId, c.QueueId, c.Status)), Is.EqualTo(new[] { ("c-quebec", "quebec", CallStatus.Queued) }),
            "the call waits again in the queue added at run time");

        // The agent logs in with its stored profile (naming no skills) and is offered the call.
        gateway = await ScriptedGateway.ConnectAsync(_server.Gateway, GatewayId);
        var softphone = new Softphone.SoftphoneClient(_server.Channel);
        await softphone.LogInAsync(new LogInRequest { AgentId = "a-french" });
        await softphone.SetStateAsync(new SetStateRequest { AgentId = "a-french", Available = new Available() });
        var (offered, _) = await gateway.NextRingAtAsync("a-french", []);
        Assert.That(offered, Is.EqualTo("c-quebec"));

        var next = await state.PutSkillAsync(new PutSkillRequest { SkillId = "german" });
        Assert.That(next.Version, Is.EqualTo(changed.Version + 1), "versions go on from the last one given before the crash");
        await gateway.DisposeAsync();
    }

    [Test]
    public async Task A_stopping_server_refuses_new_calls_carries_out_the_rest_tells_its_clients_to_reconnect_and_resumes_where_it_stopped()
    {
        var name = await PostgresSetUp.NewDatabaseAsync("stop");
        var connectionString = PostgresSetUp.Server.ConnectionString(name);
        _server = await ServerProcess.StartAsync(connectionString, NoOverloadGate, "--Edge:ShutdownDrainSeconds=2");
        var gateway = await ScriptedGateway.ConnectAsync(_server.Gateway, GatewayId);
        foreach (var call in new[] { "s1", "s2", "s3" })
        {
            await gateway.AcceptedAsync(Arrival(call, "sales", "Standard"));
        }

        _server.Terminate();

        // Arrivals sent from now on are taken until the stop begins, then refused: route them elsewhere.
        var accepted = new List<string>();
        GatewayReply? refused = null;
        for (var i = 0; refused is null && i < 10_000; i++)
        {
            var reply = await gateway.SendAsync(Arrival($"late-{i}", "sales", "Standard"));
            if (reply.Accepted is not null)
            {
                accepted.Add($"late-{i}");
            }
            else
            {
                refused = reply;
            }
        }

        Assert.That((refused?.Rejected?.Code, refused?.Rejected?.Field), Is.EqualTo(("UNAVAILABLE", "call_arrived")), refused?.ToString());

        // The calls it has still get their events carried out while it drains.
        await gateway.AcceptedAsync(HangUp("s1"));

        Assert.That(await gateway.EndedWith.WaitAsync(Poll.Patience), Is.EqualTo(StatusCode.Unavailable), "the gateway is told to reconnect");
        Assert.That(await _server.ExitedAsync(), Is.EqualTo(0), "a graceful stop");
        await gateway.DisposeAsync();

        _server = await ServerProcess.StartAsync(connectionString, NoOverloadGate);
        var state = new RoutingState.RoutingStateClient(_server.Channel);
        var after = await state.GetSnapshotAsync(new GetSnapshotRequest());
        Assert.That(after.Calls.Select(c => c.CallId), Is.EquivalentTo(new[] { "s2", "s3" }.Concat(accepted)),
            "every call acknowledged and not ended waits again; the refused one was never taken");
        Assert.That(after.Calls.Select(c => c.Status), Is.All.EqualTo(CallStatus.Queued));
    }

    [Test]
    public async Task Each_domain_comes_back_with_its_own_calls_and_agents()
    {
        var connectionString = PostgresSetUp.Server.ConnectionString(await PostgresSetUp.NewDatabaseAsync("restart-domains"));
        string[] settings =
        [
            NoOverloadGate,
            "--Routing:Domains:north:Skills:0=support",
            "--Routing:Domains:north:Queues:0:Id=help",
            "--Routing:Domains:north:Queues:0:RequiredSkills:0:Skill=support",
        ];
        var north = new Metadata { { "routing-domain", "north" } };
        _server = await ServerProcess.StartAsync(connectionString, settings);
        var defaultGateway = await ScriptedGateway.ConnectAsync(_server.Gateway, "gateway-default");
        var northGateway = await ScriptedGateway.ConnectAsync(_server.Gateway, "gateway-north", "north");
        var login = new LogInRequest { AgentId = "nora" };
        login.Skills.Add(new AgentSkill { SkillId = "support", Level = 4 });
        await new Softphone.SoftphoneClient(_server.Channel).LogInAsync(login, north);
        await LogInAsync(new Softphone.SoftphoneClient(_server.Channel), "dora", ("billing", 5));

        // Each acknowledgement follows the commit of everything logged before it: the log-ins too.
        await defaultGateway.AcceptedAsync(Arrival("d1", "billing", "Standard"));
        await defaultGateway.AcceptedAsync(Arrival("d2", "billing", "Gold"));
        await northGateway.AcceptedAsync(Arrival("n1", "help", "Standard"));
        await northGateway.AcceptedAsync(Arrival("n2", "help", "VIP"));
        await defaultGateway.DisposeAsync();
        await northGateway.DisposeAsync();

        await _server.KillAsync();
        _server = await ServerProcess.StartAsync(connectionString, settings);

        var state = new RoutingState.RoutingStateClient(_server.Channel);
        var northView = await state.GetSnapshotAsync(new GetSnapshotRequest(), north);
        var defaultView = await state.GetSnapshotAsync(new GetSnapshotRequest());
        Assert.That(Calls(northView).Keys, Is.EquivalentTo(new[] { "n1", "n2" }));
        Assert.That(Agents(northView).Keys, Is.EquivalentTo(new[] { "nora" }));
        Assert.That(Calls(defaultView).Keys, Is.EquivalentTo(new[] { "d1", "d2" }));
        Assert.That(Agents(defaultView).Keys, Is.EquivalentTo(new[] { "dora" }));
        Assert.That(_server.Output, Does.Contain("Routing domain north recovered 2 calls and 1 agents"));

        // The north gateway's hang-up reaches its call in its domain after the restart.
        var again = await ScriptedGateway.ConnectAsync(_server.Gateway, "gateway-north", "north");
        Assert.That(again.Resumed, Is.True, "it has open calls");
        await again.AcceptedAsync(HangUp("n1"));
        var ended = await state.GetSnapshotAsync(new GetSnapshotRequest(), north);
        Assert.That(Calls(ended).Keys, Is.EquivalentTo(new[] { "n2" }));
        await again.DisposeAsync();
    }

    /// <summary>
    /// A second server started on the same database takes the domain over (a later incarnation):
    /// the first, still running, can acknowledge nothing more of it, and nothing it sends after is in
    /// the log the second recovered from.
    /// </summary>
    [Test]
    public async Task A_server_whose_domain_started_elsewhere_acknowledges_nothing_more()
    {
        var connectionString = PostgresSetUp.Server.ConnectionString(await PostgresSetUp.NewDatabaseAsync("fenced"));
        _server = await ServerProcess.StartAsync(connectionString, NoOverloadGate);
        var first = await ScriptedGateway.ConnectAsync(_server.Gateway, GatewayId);
        await first.AcceptedAsync(Arrival("before", "billing", "Standard"));

        await using var second = await ServerProcess.StartAsync(connectionString, NoOverloadGate);
        var late = await first.SendAsync(Arrival("late", "billing", "Standard"));
        Assert.That(late.Rejected?.Code, Is.EqualTo("UNAVAILABLE"), "the first server's log refuses the write");
        Assert.That(late.Rejected?.Message, Does.Contain("runs elsewhere now"));
        Assert.That(_server.Output, Does.Contain("routing domain default runs elsewhere now: incarnation 2 started after this one (1)"));
        await first.DisposeAsync();

        var snapshot = await new RoutingState.RoutingStateClient(second.Channel).GetSnapshotAsync(new GetSnapshotRequest());
        Assert.That(snapshot.Calls.Select(c => c.CallId), Is.EqualTo(new[] { "before" }));
        await using var database = new Npgsql.NpgsqlConnection(connectionString);
        await database.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand("SELECT count(*) FROM interactions WHERE call_id = 'late'", database);
        Assert.That(await command.ExecuteScalarAsync(), Is.EqualTo(0L), "nothing of the refused call is in the log");
    }

    private static GatewayEvent Arrival(string call, string queue, string tier) => new()
    {
        EventId = call,
        CallArrived = new CallArrived { CallId = call, QueueId = queue, TierId = tier, CallerNumber = "+15550100" },
    };

    private static GatewayEvent Answer(string call, long epoch, string? agent = null) => new()
    {
        EventId = $"{call}-answer-{epoch}",
        CallAnswered = new CallAnswered { CallId = call, AgentId = agent ?? "a-" + call[2..], Epoch = epoch },
    };

    private static GatewayEvent HangUp(string call, string? eventId = null) => new()
    {
        EventId = eventId ?? call + "-hangup",
        CallHungUp = new CallHungUp { CallId = call, Party = Party.Caller },
    };

    private static async Task LogInAsync(Softphone.SoftphoneClient softphone, string agent, (string Skill, int Level) skill)
    {
        var request = new LogInRequest { AgentId = agent };
        request.Skills.Add(new AgentSkill { SkillId = skill.Skill, Level = skill.Level });
        await softphone.LogInAsync(request);
    }

    private static Dictionary<string, (CallStatus, string, string, string)> Calls(Snapshot snapshot) =>
        snapshot.Calls.ToDictionary(c => c.CallId, c => (c.Status, c.QueueId, c.TierId, c.AgentId));

    private static Dictionary<string, (AgentStatus, string, string)> Agents(Snapshot snapshot) =>
        snapshot.Agents.ToDictionary(a => a.AgentId, a => (a.Status, a.NotReadyReason, a.CallId));

    private static Task ServerPoll(Func<Task<bool>> condition, string what) => Poll.UntilAsync(condition, what);
}
