using CallCenter.Protos.V1;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Reflection.V1Alpha;

namespace CallCenter.Routing.Tests.Edge;

/// <summary>What operators and wallboards read and watch, health, reflection, and agent profiles.</summary>
public sealed class OperatorsTests : ServerPerTest
{
    [Test]
    public async Task A_watch_starts_with_a_snapshot_and_goes_on_with_numbered_changes()
    {
        await using var gateway = await Host.ConnectGateway("gw-1");
        await gateway.Arrive("before", "general");
        await gateway.Update("before", CallUpdate.UpdateOneofCase.Announcement);

        using var watch = Host.State.Watch(new WatchRequest());
        await using var wallboard = new WatchReader(watch);
        var snapshot = await wallboard.Expect(u => u.Snapshot is not null);
        Assert.That(snapshot.Snapshot.Calls.Select(c => c.CallId), Is.EqualTo(new[] { "before" }));

        await gateway.Arrive("after", "general");
        var arrived = await wallboard.Expect(u => u.CallChanged?.CallId == "after");
        Assert.That(arrived.Sequence, Is.EqualTo(snapshot.Sequence + 1), "the first change after the snapshot's number");
        Assert.That(arrived.CallChanged.Status, Is.EqualTo(CallStatus.Arrived));
        var queued = await wallboard.Expect(u => u.CallChanged?.CallId == "after");
        Assert.That(queued.Sequence, Is.EqualTo(arrived.Sequence + 1));
        Assert.That(queued.CallChanged.Status, Is.EqualTo(CallStatus.Queued));
    }

    [Test]
    public async Task A_watcher_that_resumes_gets_only_the_changes_after_its_last_sequence_number()
    {
        await using var gateway = await Host.ConnectGateway("gw-1");
        await gateway.Arrive("one", "general");
        var seen = (await Host.State.GetSnapshotAsync(new GetSnapshotRequest())).Sequence;
        await gateway.Arrive("two", "general");
        await gateway.Update("two", CallUpdate.UpdateOneofCase.Announcement);

        using var watch = Host.State.Watch(new WatchRequest { ResumeAfter = seen });
        await using var wallboard = new WatchReader(watch);
        var first = await wallboard.Expect(_ => true);
        Assert.That(first.Snapshot, Is.Null, "the changes are still held: no snapshot");
        Assert.That(first.Sequence, Is.EqualTo(seen + 1));
        Assert.That(first.CallChanged.CallId, Is.EqualTo("two"));
    }

    [Test]
    public async Task Every_watched_agent_change_is_a_state_the_agent_was_in_between_decisions()
    {
        using var watch = Host.State.Watch(new WatchRequest());
        await using var wallboard = new WatchReader(watch);
        await wallboard.Expect(u => u.Snapshot is not null);

        await using var gateway = await Host.ConnectGateway("gw-1");
        await using var alice = await Host.AgentReady("alice", ("billing", 5));
        await gateway.Arrive("c", "billing");
        var offer = await alice.Offer("c");
        await Host.Softphone.AcceptOfferAsync(new OfferAnswer { AgentId = "alice", CallId = "c", Epoch = offer.Offer.Epoch });
        await Host.Softphone.EndCallAsync(new CallRequest { AgentId = "alice", CallId = "c" });
        await alice.Expect(u => u.StateChanged?.To == AgentStatus.WrapUp);
        await Host.Softphone.FinishWrapUpAsync(new FinishWrapUpRequest { AgentId = "alice", CallId = "c" });

        var seen = new List<AgentView>();
        while (seen.Count < 2 || seen[^1].Status != AgentStatus.Available || seen[^2].Status != AgentStatus.WrapUp)
        {
            seen.Add((await wallboard.Expect(u => u.AgentChanged?.AgentId == "alice", "alice's next change")).AgentChanged);
        }

        Assert.That(seen.Select(a => a.Status), Is.EqualTo(new[]
        {
            AgentStatus.NotReady, AgentStatus.Available, AgentStatus.Reserved, AgentStatus.OnCall, AgentStatus.WrapUp, AgentStatus.Available,
        }), "logged in (not ready), ready, rung, talking, wrapping up, ready again: one change each");
        Assert.That(seen.Select(a => a.StatusSince?.ToDateTimeOffset().Year), Is.All.GreaterThan(2000), "every change says since when");
        Assert.That(seen.Where(a => a.Status is AgentStatus.Available or AgentStatus.NotReady or AgentStatus.WrapUp).Select(a => a.CallId), Is.All.Empty);
        Assert.That(seen.Where(a => a.Status is AgentStatus.Reserved or AgentStatus.OnCall).Select(a => a.CallId), Is.All.EqualTo("c"));
    }

    [Test]
    public async Task A_call_reads_as_typed_events_and_keeps_the_agent_who_answered_once_ended()
    {
        await using var gateway = await Host.ConnectGateway("gw-1");
        await using var alice = await Host.AgentReady("alice", ("billing", 5));
        await gateway.Arrive("c", "billing", "VIP");
        var offer = await alice.Offer("c");
        await Host.Softphone.AcceptOfferAsync(new OfferAnswer { AgentId = "alice", CallId = "c", Epoch = offer.Offer.Epoch });
        await gateway.Update("c", CallUpdate.UpdateOneofCase.ConnectAgent);
        Host.Clock.Advance(TimeSpan.FromSeconds(42));
        await Host.Softphone.EndCallAsync(new CallRequest { AgentId = "alice", CallId = "c" });
        await gateway.Update("c", CallUpdate.UpdateOneofCase.Ended);

        var history = await Host.State.GetCallAsync(new GetCallRequest { CallId = "c" });
        Assert.That((history.Call.Status, history.Call.AgentId), Is.EqualTo((CallStatus.Ended, "alice")), "who answered, kept once ended");
        Assert.That(history.Events.Select(e => e.Kind), Is.EqualTo(history.Events.Select(e => CallEventView.Descriptor.FindFieldByNumber((int)e.EventCase).Name)),
            "each event's kind names the case it carries");
        Assert.That(history.Events.Select(e => e.EventCase), Is.SupersetOf(new[]
        {
            CallEventView.EventOneofCase.Arrived, CallEventView.EventOneofCase.Offered,
            CallEventView.EventOneofCase.Connected, CallEventView.EventOneofCase.Ended,
        }));

        var arrived = history.Events.Single(e => e.Arrived is not null).Arrived;
        Assert.That((arrived.QueueId, arrived.TierId, arrived.Emergency), Is.EqualTo(("billing", "VIP", false)));
        Assert.That(arrived.ArrivedAt, Is.EqualTo(history.Call.ArrivedAt));
        var offered = history.Events.Single(e => e.Offered is not null).Offered;
        Assert.That((offered.AgentId, offered.Epoch), Is.EqualTo(("alice", offer.Offer.Epoch)));
        var ended = history.Events.Single(e => e.Ended is not null).Ended;
        Assert.That((ended.Outcome, ended.AgentId, ended.TalkTime.ToTimeSpan()), Is.EqualTo((CallOutcome.Answered, "alice", TimeSpan.FromSeconds(42))));
    }

    [Test]
    public async Task Queues_agents_and_calls_can_be_read()
    {
        await using var gateway = await Host.ConnectGateway("gw-1");
        await using var alice = await Host.AgentReady("alice", ("billing", 5));
        await gateway.Arrive("waiting", "technical");

        var queues = await Host.State.ListQueuesAsync(new ListQueuesRequest());
        Assert.That(queues.Queues.Select(q => q.QueueId), Is.EquivalentTo(new[] { "billing", "technical", "sales", "general" }));
        var technical = queues.Queues.Single(q => q.QueueId == "technical");
        Assert.That((technical.Waiting, technical.Offered, technical.AgentsStaffed), Is.EqualTo((1, 1L, 0)));
        var billing = queues.Queues.Single(q => q.QueueId == "billing");
        Assert.That((billing.AgentsAvailable, billing.AgentsStaffed), Is.EqualTo((1, 1)));

        var agent = await Host.State.GetAgentAsync(new GetAgentRequest { AgentId = "alice" });
        Assert.That((agent.Status, agent.Skills.Single().SkillId), Is.EqualTo((AgentStatus.Available, "billing")));
        var call = await Host.State.GetCallAsync(new GetCallRequest { CallId = "waiting" });
        Assert.That((call.Call.Status, call.Call.QueueId, call.Call.TierId), Is.EqualTo((CallStatus.Queued, "technical", "Standard")));
    }

    [Test]
    public async Task Health_and_reflection_answer_standard_gRPC_tools()
    {
        var health = await new Health.HealthClient(Host.Channel).CheckAsync(new HealthCheckRequest());
        Assert.That(health.Status, Is.EqualTo(HealthCheckResponse.Types.ServingStatus.Serving));

        using var reflection = new ServerReflection.ServerReflectionClient(Host.Channel).ServerReflectionInfo();
        await reflection.RequestStream.WriteAsync(new ServerReflectionRequest { ListServices = "" });
        await reflection.RequestStream.CompleteAsync();
        Assert.That(await reflection.ResponseStream.MoveNext(CancellationToken.None), Is.True);
        var services = reflection.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name);
        Assert.That(services, Is.SupersetOf(new[] { "callcenter.v1.Gateway", "callcenter.v1.Softphone", "callcenter.v1.RoutingState", "grpc.health.v1.Health" }));
    }

    [Test]
    public async Task An_agent_logs_in_from_a_stored_profile_and_a_changed_profile_takes_a_new_version()
    {
        var before = await Host.State.GetConfigurationAsync(new GetConfigurationRequest());
        Assert.That(before.AgentProfiles.Select(p => p.AgentId), Does.Contain("alice"), "profiles from appsettings.json");

        var profile = new AgentProfile { AgentId = "carol" };
        profile.Skills.Add(new Protos.V1.AgentSkill { SkillId = "sales", Level = 6 });
        var after = await Host.State.PutAgentProfileAsync(profile);
        Assert.That(after.Version, Is.EqualTo(before.Version + 1));

        await Host.Softphone.LogInAsync(new LogInRequest { AgentId = "carol" });
        var carol = await Host.State.GetAgentAsync(new GetAgentRequest { AgentId = "carol" });
        Assert.That(carol.Skills.Select(s => (s.SkillId, s.Level)), Is.EqualTo(new[] { ("sales", 6) }));
    }

    [Test]
    public async Task A_queue_and_a_skill_added_at_run_time_route_the_next_calls()
    {
        var before = await Host.State.GetConfigurationAsync(new GetConfigurationRequest());
        await Host.State.PutSkillAsync(new PutSkillRequest { SkillId = "spanish" });
        var queue = new QueueDefinition { QueueId = "latam", MaximumWaitSeconds = 600, AgentSelection = "BestProficiency" };
        queue.RequiredSkills.Add(new SkillRequirement { SkillId = "spanish", MinimumLevel = 4 });
        var after = await Host.State.PutQueueAsync(queue);
        Assert.That(after.Version, Is.EqualTo(before.Version + 2));
        Assert.That(after.QueueIds, Does.Contain("latam"));

        await using var gateway = await Host.ConnectGateway("gw-1");
        Assert.That((await gateway.Arrive("hola", "latam")).Accepted, Is.Not.Null);
        await using var ana = await Host.AgentReady("ana", ("spanish", 7));
        Assert.That((await ana.Offer()).Offer.CallId, Is.EqualTo("hola"));
    }

    [Test]
    public async Task A_changed_queue_applies_to_new_calls_while_waiting_calls_keep_their_settings()
    {
        await using var gateway = await Host.ConnectGateway("gw-1");
        await gateway.Arrive("under-old-rules", "billing");
        await gateway.Update("under-old-rules", CallUpdate.UpdateOneofCase.Announcement);

        var stricter = new QueueDefinition { QueueId = "billing" };
        stricter.RequiredSkills.Add(new SkillRequirement { SkillId = "billing", MinimumLevel = 8 });
        await Host.State.PutQueueAsync(stricter);
        await gateway.Arrive("under-new-rules", "billing");

        // Billing 5 met the old rule (billing 3), not the new one (billing 8).
        await using var middling = await Host.AgentReady("middling", ("billing", 5));
        Assert.That((await middling.Offer()).Offer.CallId, Is.EqualTo("under-old-rules"));
        await using var expert = await Host.AgentReady("expert", ("billing", 9));
        Assert.That((await expert.Offer()).Offer.CallId, Is.EqualTo("under-new-rules"));
    }

    private static IEnumerable<TestCaseData> BadQueues()
    {
        var unknownSkill = new QueueDefinition { QueueId = "q" };
        unknownSkill.RequiredSkills.Add(new SkillRequirement { SkillId = "juggling", MinimumLevel = 2 });
        yield return new TestCaseData(unknownSkill, StatusCode.InvalidArgument, "required_skills[0].skill_id: unknown skill 'juggling'")
            .SetName("A queue needing an unknown skill is refused");
        yield return new TestCaseData(new QueueDefinition { QueueId = "q", WhenFull = "Explode" }, StatusCode.InvalidArgument,
            "when_full: must be one of None, Overflow, OfferCallback").SetName("A queue with an unknown exit action is refused");
        yield return new TestCaseData(new QueueDefinition { QueueId = "q", OverflowQueueId = "nowhere", MaximumWaitSeconds = 60, WhenMaximumWait = "Overflow" },
            StatusCode.InvalidArgument, "overflow_queue_id").SetName("A queue overflowing to an unknown queue is refused");
        yield return new TestCaseData(new QueueDefinition(), StatusCode.InvalidArgument, "queue_id: is required")
            .SetName("A queue without an id is refused");
    }

    [TestCaseSource(nameof(BadQueues))]
    public async Task Bad_queue_definitions_are_refused_naming_the_field(QueueDefinition queue, StatusCode code, string detail)
    {
        var before = await Host.State.GetConfigurationAsync(new GetConfigurationRequest());
        var error = (await Assert.ThrowsAsync<RpcException>(() => Host.State.PutQueueAsync(queue).ResponseAsync))!;
        Assert.That(error.StatusCode, Is.EqualTo(code), error.Status.Detail);
        Assert.That(error.Status.Detail, Does.StartWith(detail));
        var after = await Host.State.GetConfigurationAsync(new GetConfigurationRequest());
        Assert.That((after.Version, after.QueueIds.Count), Is.EqualTo((before.Version, before.QueueIds.Count)), "nothing changed");
    }

    [Test]
    public async Task A_skill_without_an_id_is_refused()
    {
        var error = (await Assert.ThrowsAsync<RpcException>(() => Host.State.PutSkillAsync(new PutSkillRequest { SkillId = "" }).ResponseAsync))!;
        Assert.That(error.Status.Detail, Is.EqualTo("skill_id: is required"));
    }

    private sealed class WatchReader(Grpc.Core.AsyncServerStreamingCall<WatchUpdate> call) : StreamReader<WatchUpdate>(call.ResponseStream);
}
