using CallCenter.Protos.V1;
using Google.Protobuf;
using Grpc.Core;

namespace CallCenter.Routing.Tests.Edge;

/// <summary>Every malformed or impossible request gets a status that names the field, and nothing accepted is disturbed.</summary>
public sealed class BadInputTests
{
    private EdgeHost _host = null!;

    [OneTimeSetUp]
    public async Task StartServer() => _host = await EdgeHost.Start();

    [OneTimeTearDown]
    public async Task StopServer() => await _host.DisposeAsync();

    private static IEnumerable<TestCaseData> BadArrivals()
    {
        yield return Case(new CallArrived { QueueId = "billing" }, "INVALID_ARGUMENT", "call_arrived.call_id", "no call id");
        yield return Case(new CallArrived { CallId = "x1" }, "INVALID_ARGUMENT", "call_arrived.queue_id", "neither queue nor dialed number");
        yield return Case(new CallArrived { CallId = "x2", QueueId = "nowhere" }, "NOT_FOUND", "call_arrived.queue_id", "unknown queue");
        yield return Case(new CallArrived { CallId = "x3", DialedNumber = "+1999" }, "NOT_FOUND", "call_arrived.dialed_number", "unknown number");
        yield return Case(new CallArrived { CallId = "x4", QueueId = "billing", TierId = "Platinum" }, "NOT_FOUND", "call_arrived.tier_id", "unknown tier");
        yield return Case(new CallArrived { CallId = new string('x', 200), QueueId = "billing" }, "INVALID_ARGUMENT", "call_arrived.call_id", "id too long");
        var unknownSkill = new CallArrived { CallId = "x5", QueueId = "billing" };
        unknownSkill.RequiredSkills.Add(new SkillRequirement { SkillId = "juggling", MinimumLevel = 3 });
        yield return Case(unknownSkill, "NOT_FOUND", "call_arrived.required_skills[0].skill_id", "unknown skill");
        var badLevel = new CallArrived { CallId = "x6", QueueId = "billing" };
        badLevel.RequiredSkills.Add(new SkillRequirement { SkillId = "mandarin", MinimumLevel = 11 });
        yield return Case(badLevel, "INVALID_ARGUMENT", "call_arrived.required_skills[0].minimum_level", "level out of range");

        static TestCaseData Case(CallArrived arrived, string code, string field, string name) =>
            new TestCaseData(arrived, code, field).SetName($"A call arriving with {name} is rejected: {code} {field}");
    }

    [TestCaseSource(nameof(BadArrivals))]
    public async Task Bad_arrival(CallArrived arrived, string code, string field)
    {
        await using var gateway = await _host.ConnectGateway($"gw-{Guid.NewGuid():N}");
        await gateway.Arrive("good-before", "general");

        var reply = await gateway.Answer(new GatewayEvent { CallArrived = arrived });

        Assert.That(reply.Rejected, Is.Not.Null, reply.ToString());
        Assert.That((reply.Rejected.Code, reply.Rejected.Field), Is.EqualTo((code, field)), reply.Rejected.Message);
        Assert.That(reply.Rejected.Message, Is.Not.Empty.And.Not.StartWith(field), "the message is for people; the field has its own");
        // The stream stays open for the next event.
        Assert.That((await gateway.Arrive($"good-after-{Guid.NewGuid():N}", "general")).Accepted, Is.Not.Null);
    }

    [Test]
    public async Task An_event_without_an_id_or_without_a_kind_is_rejected_for_what_it_lacks()
    {
        await using var gateway = await _host.ConnectGateway("gw-ids");
        await gateway.Send(new GatewayEvent { CallArrived = new CallArrived { CallId = "no-id", QueueId = "general" } });
        var noId = await gateway.Expect(r => r.Rejected is not null);
        Assert.That((noId.Rejected.Code, noId.Rejected.Field), Is.EqualTo(("INVALID_ARGUMENT", "event_id")));

        var noKind = await gateway.Answer(new GatewayEvent { EventId = "empty" });
        Assert.That((noKind.Rejected.Code, noKind.Rejected.Field), Is.EqualTo(("INVALID_ARGUMENT", "event")));

        var transfer = await gateway.Answer(new GatewayEvent { TransferRequested = new TransferRequested { CallId = "c", FromAgentId = "a", Kind = TransferKind.Blind } });
        Assert.That((transfer.Rejected.Code, transfer.Rejected.Field), Is.EqualTo(("INVALID_ARGUMENT", "transfer_requested.to_queue_id")));
    }

    [Test]
    public async Task A_stream_that_does_not_start_with_hello_is_closed_with_failed_precondition()
    {
        await using var session = new GatewaySession(_host.Gateway.Connect());
        await session.Send(new GatewayEvent { EventId = "1", CallArrived = new CallArrived { CallId = "c", QueueId = "general" } });
        var status = await session.Ended();
        Assert.That(status?.StatusCode, Is.EqualTo(StatusCode.FailedPrecondition));
        Assert.That(status!.Status.Detail, Does.StartWith("hello"));
    }

    [Test]
    public async Task An_oversized_message_is_refused_with_resource_exhausted()
    {
        await using var gateway = await _host.ConnectGateway("gw-big");
        var huge = new CallArrived { CallId = "big", QueueId = "general" };
        huge.Attributes.Add("blob", new string('x', 100_000));
        RpcException? status;
        try
        {
            await gateway.Send(new GatewayEvent { EventId = "big", CallArrived = huge });
            status = await gateway.Ended();
        }
        catch (RpcException refusedWhileSending)
        {
            // The server may end the stream before the client has finished writing the message:
            // the write fails, and the server's status is on the response stream.
            status = await gateway.Ended() ?? refusedWhileSending;
        }

        Assert.That(status?.StatusCode, Is.EqualTo(StatusCode.ResourceExhausted));

        // The server is unharmed.
        await using var next = await _host.ConnectGateway("gw-next");
        Assert.That((await next.Arrive("after-big", "general")).Accepted, Is.Not.Null);
    }

    private static IEnumerable<TestCaseData> BadSoftphoneRequests()
    {
        yield return Case(c => c.LogInAsync(new LogInRequest()), StatusCode.InvalidArgument, "agent_id", "log-in without an agent id");
        yield return Case(c => c.LogInAsync(Login("a1", "juggling", 5)), StatusCode.NotFound, "skills[0].skill_id", "log-in with an unknown skill");
        yield return Case(c => c.LogInAsync(new LogInRequest { AgentId = "nobody-stored" }), StatusCode.NotFound, "skills", "log-in with no skills and no profile");
        yield return Case(c => c.SetStateAsync(new SetStateRequest { AgentId = "a2" }), StatusCode.InvalidArgument, "state", "a state change naming no state");
        yield return Case(c => c.SetStateAsync(new SetStateRequest { AgentId = "a2", NotReady = new NotReady() }), StatusCode.InvalidArgument, "not_ready.reason", "not ready without a reason");
        yield return Case(c => c.AcceptOfferAsync(new OfferAnswer { AgentId = "a3", CallId = "" }), StatusCode.InvalidArgument, "call_id", "an answer naming no call");
        yield return Case(c => c.AcceptOfferAsync(new OfferAnswer { AgentId = "a3", CallId = "c", Epoch = 1 }), StatusCode.NotFound, "agent_id", "an answer from an agent that never logged in");
        yield return Case(c => c.FinishWrapUpAsync(new FinishWrapUpRequest { AgentId = "a4", CallId = "c", SatisfactionScore = 9 }), StatusCode.InvalidArgument, "satisfaction_score", "a score out of range");
        yield return Case(c => c.FinishWrapUpAsync(new FinishWrapUpRequest { AgentId = "a4", DispositionCode = "sale" }), StatusCode.InvalidArgument, "call_id", "a disposition naming no call");
        yield return Case(c => c.RequestTransferAsync(new AgentTransferRequest { AgentId = "a5", CallId = "c", ToQueueId = "billing" }), StatusCode.InvalidArgument, "kind", "a transfer of no kind");

        static TestCaseData Case(Func<Softphone.SoftphoneClient, AsyncUnaryCall<CommandReply>> call, StatusCode code, string field, string name) =>
            new TestCaseData(call, code, field).SetName($"The softphone service refuses {name}: {code} {field}");

        static LogInRequest Login(string agent, string skill, int level)
        {
            var request = new LogInRequest { AgentId = agent };
            request.Skills.Add(new Protos.V1.AgentSkill { SkillId = skill, Level = level });
            return request;
        }
    }

    [TestCaseSource(nameof(BadSoftphoneRequests))]
    public async Task Bad_softphone_request(Func<Softphone.SoftphoneClient, AsyncUnaryCall<CommandReply>> call, StatusCode code, string field)
    {
        var error = (await Assert.ThrowsAsync<RpcException>(() => call(_host.Softphone).ResponseAsync))!;
        Assert.That(error.StatusCode, Is.EqualTo(code), error.Status.Detail);
        Assert.That(error.Status.Detail, Does.StartWith(field));
    }

    [Test]
    public async Task The_operators_service_names_the_field_of_a_bad_request()
    {
        var unknownQueue = (await Assert.ThrowsAsync<RpcException>(() => _host.State.GetQueueAsync(new GetQueueRequest { QueueId = "nowhere" }).ResponseAsync))!;
        Assert.That((unknownQueue.StatusCode, unknownQueue.Status.Detail), Is.EqualTo((StatusCode.NotFound, "queue_id: unknown queue 'nowhere'")));

        var noCall = (await Assert.ThrowsAsync<RpcException>(() => _host.State.GetCallAsync(new GetCallRequest()).ResponseAsync))!;
        Assert.That((noCall.StatusCode, noCall.Status.Detail), Is.EqualTo((StatusCode.InvalidArgument, "call_id: is required")));

        var profile = new AgentProfile { AgentId = "p" };
        profile.Skills.Add(new Protos.V1.AgentSkill { SkillId = "billing", Level = 0 });
        var badProfile = (await Assert.ThrowsAsync<RpcException>(() => _host.State.PutAgentProfileAsync(profile).ResponseAsync))!;
        Assert.That((badProfile.StatusCode, badProfile.Status.Detail), Is.EqualTo((StatusCode.InvalidArgument, "skills[0].level: must be between 1 and 10")));
    }
}
