using CallCenter.Protos.V1;
using Google.Protobuf.Reflection;
using Google.Rpc;
using Grpc.Core;

namespace CallCenter.Routing.Tests.Edge;

/// <summary>
/// One rule per kind of mistake, on every service: an unknown call is NOT_FOUND naming its
/// <c>call_id</c>, an agent that never logged in NOT_FOUND naming its <c>agent_id</c>, a request
/// that does not fit the state FAILED_PRECONDITION, a malformed one INVALID_ARGUMENT; the field is
/// a path that exists in the request as the proto spells it, and a unary call carries it again as
/// a <c>google.rpc.BadRequest</c> field violation. The table walks every RPC and every event, and
/// <see cref="Every_rpc_event_and_session_command_is_in_the_table"/> fails when a new one is not in it.
/// </summary>
[TestFixture]
public sealed class OneRuleForMistakesTests
{
    public enum Mistake
    {
        UnknownCall,
        UnknownAgent,
        WrongState,
        Malformed,
    }

    /// <summary>A refusal as the client saw it, with the message type its field path is a path in.</summary>
    public sealed record Refusal(string Code, string Field, MessageDescriptor Request, RpcException? Status = null);

    /// <summary>One mistake made through one RPC, event or session command.</summary>
    public sealed record Case(string Rpc, Mistake Mistake, string Field, string What, Func<OneRuleForMistakesTests, Task<Refusal>> Make)
    {
        public override string ToString() => $"{Rpc}: {What}";
    }

    private const string Known = "known-agent";
    private const string Gone = "gone-agent";
    private const string Ghost = "ghost-agent";
    private const string Waiting = "waiting-call";
    private const string GhostCall = "ghost-call";

    /// <summary>RPCs whose requests hold nothing that can be wrong.</summary>
    private static readonly string[] TakeNothing = ["RoutingState.ListQueues", "RoutingState.GetSnapshot", "RoutingState.GetConfiguration"];

    /// <summary>Requests naming an id they bring into being rather than look up.</summary>
    private static readonly string[] Create = ["Gateway.call_arrived", "Softphone.LogIn", "RoutingState.PutAgentProfile"];

    private EdgeHost _host = null!;
    private GatewaySession _gateway = null!;
    private int _next;

    [OneTimeSetUp]
    public async Task StartServer()
    {
        _host = await EdgeHost.Start();
        _gateway = await _host.ConnectGateway("gw-mistakes");
        Assert.That((await _gateway.Arrive(Waiting, "billing")).Accepted, Is.Not.Null);

        // Known and not ready, so the waiting call is offered to no one; the other logged in once and left.
        await using (await _host.AgentReady(Known, ("billing", 5)))
        {
        }

        await _host.Softphone.SetStateAsync(new SetStateRequest { AgentId = Known, NotReady = new NotReady { Reason = "training" } });
        await _host.Softphone.LogInAsync(Login(Gone));
        await _host.Softphone.LogOutAsync(new AgentRequest { AgentId = Gone });
    }

    [OneTimeTearDown]
    public async Task StopServer()
    {
        await _gateway.DisposeAsync();
        await _host.DisposeAsync();
    }

    private static LogInRequest Login(string agent)
    {
        var login = new LogInRequest { AgentId = agent };
        login.Skills.Add(new Protos.V1.AgentSkill { SkillId = "billing", Level = 5 });
        return login;
    }

    private static IEnumerable<Case> Cases()
    {
        // Gateway events, on the gateway's stream.
        yield return Event("call_arrived", Mistake.Malformed, "call_arrived.call_id", "no call id", new() { CallArrived = new CallArrived { QueueId = "billing" } });
        yield return Event("call_answered", Mistake.Malformed, "call_answered.call_id", "no call id", new() { CallAnswered = new CallAnswered { AgentId = Known, Epoch = 1 } });
        yield return Event("call_answered", Mistake.UnknownAgent, "call_answered.agent_id", "by an agent who never logged in", new() { CallAnswered = new CallAnswered { CallId = Waiting, AgentId = Ghost, Epoch = 1 } });
        yield return Event("call_answered", Mistake.UnknownCall, "call_answered.call_id", "for a call that never arrived", new() { CallAnswered = new CallAnswered { CallId = GhostCall, AgentId = Known, Epoch = 1 } });
        yield return Event("call_answered", Mistake.WrongState, "call_answered.call_id", "for a call not offered to the agent", new() { CallAnswered = new CallAnswered { CallId = Waiting, AgentId = Known, Epoch = 1 } });
        yield return Event("call_hung_up", Mistake.Malformed, "call_hung_up.agent_id", "by an agent not named", new() { CallHungUp = new CallHungUp { CallId = Waiting, Party = Party.Agent } });
        yield return Event("call_hung_up", Mistake.UnknownCall, "call_hung_up.call_id", "for a call that never arrived", new() { CallHungUp = new CallHungUp { CallId = GhostCall } });
        yield return Event("call_hung_up", Mistake.UnknownAgent, "call_hung_up.agent_id", "by an agent who never logged in", new() { CallHungUp = new CallHungUp { CallId = Waiting, Party = Party.Agent, AgentId = Ghost } });
        yield return Event("call_hung_up", Mistake.WrongState, "call_hung_up.call_id", "by an agent not on the call", new() { CallHungUp = new CallHungUp { CallId = Waiting, Party = Party.Agent, AgentId = Known } });
        yield return Event("transfer_requested", Mistake.Malformed, "transfer_requested.to_queue_id", "to no target", new() { TransferRequested = new TransferRequested { CallId = Waiting, FromAgentId = Known, Kind = TransferKind.Blind } });
        yield return Event("transfer_requested", Mistake.UnknownCall, "transfer_requested.call_id", "of a call that never arrived", new() { TransferRequested = new TransferRequested { CallId = GhostCall, FromAgentId = Known, Kind = TransferKind.Blind, ToQueueId = "general" } });
        yield return Event("transfer_requested", Mistake.UnknownAgent, "transfer_requested.to_agent_id", "to an agent who never logged in", new() { TransferRequested = new TransferRequested { CallId = Waiting, FromAgentId = Known, Kind = TransferKind.Blind, ToAgentId = Ghost } });
        yield return Event("transfer_requested", Mistake.WrongState, "transfer_requested.from_agent_id", "from an agent not on the call", new() { TransferRequested = new TransferRequested { CallId = Waiting, FromAgentId = Known, Kind = TransferKind.Blind, ToQueueId = "general" } });
        yield return Event("callback_requested", Mistake.Malformed, "callback_requested.call_id", "no call id", new() { CallbackRequested = new CallbackRequested() });
        yield return Event("callback_requested", Mistake.UnknownCall, "callback_requested.call_id", "for a call that never arrived", new() { CallbackRequested = new CallbackRequested { CallId = GhostCall } });
        yield return Event("callback_cancelled", Mistake.Malformed, "callback_cancelled.call_id", "no call id", new() { CallbackCancelled = new CallbackCancelled() });
        yield return Event("callback_cancelled", Mistake.UnknownCall, "callback_cancelled.call_id", "for a call that never arrived", new() { CallbackCancelled = new CallbackCancelled { CallId = GhostCall } });
        yield return Event("callback_cancelled", Mistake.WrongState, "callback_cancelled.call_id", "with no callback waiting", new() { CallbackCancelled = new CallbackCancelled { CallId = Waiting } });

        // The softphone's unary calls.
        yield return Unary("Softphone.LogIn", Mistake.Malformed, "agent_id", "no agent id", LogInRequest.Descriptor, t => t.Softphone.LogInAsync(new LogInRequest()));
        yield return Unary("Softphone.SetState", Mistake.Malformed, "state", "no state", SetStateRequest.Descriptor, t => t.Softphone.SetStateAsync(new SetStateRequest { AgentId = Known }));
        yield return Unary("Softphone.SetState", Mistake.UnknownAgent, "agent_id", "of an agent who never logged in", SetStateRequest.Descriptor, t => t.Softphone.SetStateAsync(new SetStateRequest { AgentId = Ghost, Available = new Available() }));
        yield return Unary("Softphone.SetState", Mistake.WrongState, "agent_id", "of a logged-out agent", SetStateRequest.Descriptor, t => t.Softphone.SetStateAsync(new SetStateRequest { AgentId = Gone, Available = new Available() }));
        yield return Unary("Softphone.SetAfterCall", Mistake.Malformed, "not_ready.reason", "not ready without a reason", SetStateRequest.Descriptor, t => t.Softphone.SetAfterCallAsync(new SetStateRequest { AgentId = Known, NotReady = new NotReady() }));
        yield return Unary("Softphone.SetAfterCall", Mistake.UnknownAgent, "agent_id", "of an agent who never logged in", SetStateRequest.Descriptor, t => t.Softphone.SetAfterCallAsync(new SetStateRequest { AgentId = Ghost, Available = new Available() }));
        yield return Unary("Softphone.SetAfterCall", Mistake.WrongState, "agent_id", "of a logged-out agent", SetStateRequest.Descriptor, t => t.Softphone.SetAfterCallAsync(new SetStateRequest { AgentId = Gone, Available = new Available() }));
        yield return Unary("Softphone.SetAfterCall", Mistake.WrongState, "logged_out", "logging out after the call with no call", SetStateRequest.Descriptor, t => t.Softphone.SetAfterCallAsync(new SetStateRequest { AgentId = Known, LoggedOut = new LoggedOut() }));
        yield return Unary("Softphone.LogOut", Mistake.Malformed, "agent_id", "no agent id", AgentRequest.Descriptor, t => t.Softphone.LogOutAsync(new AgentRequest()));
        yield return Unary("Softphone.LogOut", Mistake.UnknownAgent, "agent_id", "an agent who never logged in", AgentRequest.Descriptor, t => t.Softphone.LogOutAsync(new AgentRequest { AgentId = Ghost }));
        yield return Unary("Softphone.Heartbeat", Mistake.Malformed, "agent_id", "no agent id", AgentRequest.Descriptor, t => t.Softphone.HeartbeatAsync(new AgentRequest()));
        yield return Unary("Softphone.Heartbeat", Mistake.UnknownAgent, "agent_id", "of an agent who never logged in", AgentRequest.Descriptor, t => t.Softphone.HeartbeatAsync(new AgentRequest { AgentId = Ghost }));
        foreach (var (rpc, answer) in new (string, Func<Softphone.SoftphoneClient, OfferAnswer, AsyncUnaryCall<CommandReply>>)[]
                 {
                     ("Softphone.AcceptOffer", (c, r) => c.AcceptOfferAsync(r)), ("Softphone.RejectOffer", (c, r) => c.RejectOfferAsync(r)),
                 })
        {
            yield return Unary(rpc, Mistake.Malformed, "call_id", "no call id", OfferAnswer.Descriptor, t => answer(t.Softphone, new OfferAnswer { AgentId = Known, Epoch = 1 }));
            yield return Unary(rpc, Mistake.UnknownAgent, "agent_id", "by an agent who never logged in", OfferAnswer.Descriptor, t => answer(t.Softphone, new OfferAnswer { AgentId = Ghost, CallId = Waiting, Epoch = 1 }));
            yield return Unary(rpc, Mistake.UnknownCall, "call_id", "for a call that never arrived", OfferAnswer.Descriptor, t => answer(t.Softphone, new OfferAnswer { AgentId = Known, CallId = GhostCall, Epoch = 1 }));
            yield return Unary(rpc, Mistake.WrongState, "call_id", "for a call not offered to the agent", OfferAnswer.Descriptor, t => answer(t.Softphone, new OfferAnswer { AgentId = Known, CallId = Waiting, Epoch = 1 }));
        }

        yield return Unary("Softphone.EndCall", Mistake.Malformed, "call_id", "no call id", CallRequest.Descriptor, t => t.Softphone.EndCallAsync(new CallRequest { AgentId = Known }));
        yield return Unary("Softphone.EndCall", Mistake.UnknownAgent, "agent_id", "by an agent who never logged in", CallRequest.Descriptor, t => t.Softphone.EndCallAsync(new CallRequest { AgentId = Ghost, CallId = Waiting }));
        yield return Unary("Softphone.EndCall", Mistake.UnknownCall, "call_id", "of a call that never arrived", CallRequest.Descriptor, t => t.Softphone.EndCallAsync(new CallRequest { AgentId = Known, CallId = GhostCall }));
        yield return Unary("Softphone.EndCall", Mistake.WrongState, "call_id", "of a call the agent is not on", CallRequest.Descriptor, t => t.Softphone.EndCallAsync(new CallRequest { AgentId = Known, CallId = Waiting }));
        yield return Unary("Softphone.FinishWrapUp", Mistake.Malformed, "satisfaction_score", "a score out of range", FinishWrapUpRequest.Descriptor, t => t.Softphone.FinishWrapUpAsync(new FinishWrapUpRequest { AgentId = Known, CallId = Waiting, SatisfactionScore = 9 }));
        yield return Unary("Softphone.FinishWrapUp", Mistake.UnknownAgent, "agent_id", "by an agent who never logged in", FinishWrapUpRequest.Descriptor, t => t.Softphone.FinishWrapUpAsync(new FinishWrapUpRequest { AgentId = Ghost }));
        yield return Unary("Softphone.FinishWrapUp", Mistake.UnknownCall, "call_id", "for a call that never arrived", FinishWrapUpRequest.Descriptor, t => t.Softphone.FinishWrapUpAsync(new FinishWrapUpRequest { AgentId = Known, CallId = GhostCall, DispositionCode = "sale" }));
        yield return Unary("Softphone.FinishWrapUp", Mistake.WrongState, "call_id", "for a call the agent did not handle", FinishWrapUpRequest.Descriptor, t => t.Softphone.FinishWrapUpAsync(new FinishWrapUpRequest { AgentId = Known, CallId = Waiting, DispositionCode = "sale" }));
        yield return Unary("Softphone.RequestTransfer", Mistake.Malformed, "kind", "of no kind", AgentTransferRequest.Descriptor, t => t.Softphone.RequestTransferAsync(new AgentTransferRequest { AgentId = Known, CallId = Waiting, ToQueueId = "general" }));
        yield return Unary("Softphone.RequestTransfer", Mistake.UnknownAgent, "agent_id", "by an agent who never logged in", AgentTransferRequest.Descriptor, t => t.Softphone.RequestTransferAsync(new AgentTransferRequest { AgentId = Ghost, CallId = Waiting, Kind = TransferKind.Blind, ToQueueId = "general" }));
        yield return Unary("Softphone.RequestTransfer", Mistake.UnknownCall, "call_id", "of a call that never arrived", AgentTransferRequest.Descriptor, t => t.Softphone.RequestTransferAsync(new AgentTransferRequest { AgentId = Known, CallId = GhostCall, Kind = TransferKind.Blind, ToQueueId = "general" }));
        yield return Unary("Softphone.RequestTransfer", Mistake.WrongState, "agent_id", "of a call the agent is not on", AgentTransferRequest.Descriptor, t => t.Softphone.RequestTransferAsync(new AgentTransferRequest { AgentId = Known, CallId = Waiting, Kind = TransferKind.Blind, ToQueueId = "general" }));
        yield return Stream("Softphone.Subscribe", Mistake.Malformed, "agent_id", "no agent id", AgentRequest.Descriptor, t => Ended(t._host.Softphone.Subscribe(new AgentRequest()).ResponseStream));
        yield return Stream("Softphone.Subscribe", Mistake.UnknownAgent, "agent_id", "an agent who never logged in", AgentRequest.Descriptor, t => Ended(t._host.Softphone.Subscribe(new AgentRequest { AgentId = Ghost }).ResponseStream));

        // The softphone's session: opening it, then each command on it.
        yield return Stream("Softphone.Session", Mistake.Malformed, "open.agent_id", "opened for no agent", SoftphoneCommand.Descriptor, t => t.OpenFor(""));
        yield return Stream("Softphone.Session", Mistake.UnknownAgent, "open.agent_id", "opened for an agent who never logged in", SoftphoneCommand.Descriptor, t => t.OpenFor(Ghost));
        yield return Command("set_state", Mistake.Malformed, "set_state.state", "no state", new() { SetState = new SetStateRequest() });
        yield return Command("set_after_call", Mistake.Malformed, "set_after_call.not_ready.reason", "not ready without a reason", new() { SetAfterCall = new SetStateRequest { NotReady = new NotReady() } });
        yield return Command("heartbeat", Mistake.Malformed, "heartbeat.agent_id", "naming another agent", new() { Heartbeat = new AgentRequest { AgentId = Ghost } });
        yield return Command("accept_offer", Mistake.UnknownCall, "accept_offer.call_id", "for a call that never arrived", new() { AcceptOffer = new OfferAnswer { CallId = GhostCall, Epoch = 1 } });
        yield return Command("accept_offer", Mistake.WrongState, "accept_offer.call_id", "for a call not offered", new() { AcceptOffer = new OfferAnswer { CallId = Waiting, Epoch = 1 } });
        yield return Command("reject_offer", Mistake.UnknownCall, "reject_offer.call_id", "for a call that never arrived", new() { RejectOffer = new OfferAnswer { CallId = GhostCall, Epoch = 1 } });
        yield return Command("reject_offer", Mistake.WrongState, "reject_offer.call_id", "for a call not offered", new() { RejectOffer = new OfferAnswer { CallId = Waiting, Epoch = 1 } });
        yield return Command("end_call", Mistake.UnknownCall, "end_call.call_id", "of a call that never arrived", new() { EndCall = new CallRequest { CallId = GhostCall } });
        yield return Command("end_call", Mistake.WrongState, "end_call.call_id", "of a call the agent is not on", new() { EndCall = new CallRequest { CallId = Waiting } });
        yield return Command("finish_wrap_up", Mistake.UnknownCall, "finish_wrap_up.call_id", "for a call that never arrived", new() { FinishWrapUp = new FinishWrapUpRequest { CallId = GhostCall, DispositionCode = "sale" } });
        yield return Command("finish_wrap_up", Mistake.WrongState, "finish_wrap_up.call_id", "for a call the agent did not handle", new() { FinishWrapUp = new FinishWrapUpRequest { CallId = Waiting, DispositionCode = "sale" } });
        yield return Command("request_transfer", Mistake.UnknownCall, "request_transfer.call_id", "of a call that never arrived", new() { RequestTransfer = new AgentTransferRequest { CallId = GhostCall, Kind = TransferKind.Blind, ToQueueId = "general" } });
        yield return Command("request_transfer", Mistake.UnknownAgent, "request_transfer.to_agent_id", "to an agent who never logged in", new() { RequestTransfer = new AgentTransferRequest { CallId = Waiting, Kind = TransferKind.Blind, ToAgentId = Ghost } });
        yield return Command("request_transfer", Mistake.WrongState, "request_transfer.agent_id", "of a call the agent is not on", new() { RequestTransfer = new AgentTransferRequest { CallId = Waiting, Kind = TransferKind.Blind, ToQueueId = "general" } });
        yield return Command("log_out", Mistake.Malformed, "log_out.agent_id", "naming another agent", new() { LogOut = new AgentRequest { AgentId = Ghost } });
        yield return Command("open", Mistake.WrongState, "open", "opened twice", new() { Open = new AgentRequest { AgentId = Known } });

        // The operators' service.
        yield return Unary("RoutingState.GetQueue", Mistake.Malformed, "queue_id", "no queue id", GetQueueRequest.Descriptor, t => t.State.GetQueueAsync(new GetQueueRequest()));
        yield return Unary("RoutingState.GetAgent", Mistake.Malformed, "agent_id", "no agent id", GetAgentRequest.Descriptor, t => t.State.GetAgentAsync(new GetAgentRequest()));
        yield return Unary("RoutingState.GetAgent", Mistake.UnknownAgent, "agent_id", "an agent who never logged in", GetAgentRequest.Descriptor, t => t.State.GetAgentAsync(new GetAgentRequest { AgentId = Ghost }));
        yield return Unary("RoutingState.GetCall", Mistake.Malformed, "call_id", "no call id", GetCallRequest.Descriptor, t => t.State.GetCallAsync(new GetCallRequest()));
        yield return Unary("RoutingState.GetCall", Mistake.UnknownCall, "call_id", "a call that never arrived", GetCallRequest.Descriptor, t => t.State.GetCallAsync(new GetCallRequest { CallId = GhostCall }));
        yield return Stream("RoutingState.Watch", Mistake.Malformed, "resume_after", "resuming before the start", WatchRequest.Descriptor, t => Ended(t._host.State.Watch(new WatchRequest { ResumeAfter = -1 }).ResponseStream));
        yield return Unary("RoutingState.PutQueue", Mistake.Malformed, "maximum_wait_seconds", "a negative maximum wait", QueueDefinition.Descriptor, t => t.State.PutQueueAsync(new QueueDefinition { QueueId = "billing", MaximumWaitSeconds = -5 }));
        yield return Unary("RoutingState.PutSkill", Mistake.Malformed, "skill_id", "no skill id", PutSkillRequest.Descriptor, t => t.State.PutSkillAsync(new PutSkillRequest()));
        yield return Unary("RoutingState.PutAgentProfile", Mistake.Malformed, "agent_id", "no agent id", Protos.V1.AgentProfile.Descriptor, t => t.State.PutAgentProfileAsync(new Protos.V1.AgentProfile()));
        yield return Unary("RoutingState.ListConfigurationChanges", Mistake.Malformed, "limit", "too many at once", ListConfigurationChangesRequest.Descriptor, t => t.State.ListConfigurationChangesAsync(new ListConfigurationChangesRequest { Limit = 5_000 }));

        // The reports.
        yield return Unary("Reports.Summary", Mistake.Malformed, "from", "no period", SummaryRequest.Descriptor, t => t.Reports.SummaryAsync(new SummaryRequest()));
        yield return Unary("Reports.AgentScorecards", Mistake.Malformed, "from", "no period", AgentScorecardsRequest.Descriptor, t => t.Reports.AgentScorecardsAsync(new AgentScorecardsRequest()));
        yield return Unary("Reports.DispositionHotSpots", Mistake.Malformed, "from", "no period", DispositionHotSpotsRequest.Descriptor, t => t.Reports.DispositionHotSpotsAsync(new DispositionHotSpotsRequest()));
        yield return Unary("Reports.LateCallbacks", Mistake.Malformed, "from", "no period", LateCallbacksRequest.Descriptor, t => t.Reports.LateCallbacksAsync(new LateCallbacksRequest()));
        yield return Unary("Reports.ExplainCall", Mistake.Malformed, "call_id", "no call id", ExplainCallRequest.Descriptor, t => t.Reports.ExplainCallAsync(new ExplainCallRequest()));
        yield return Unary("Reports.ExplainCall", Mistake.UnknownCall, "call_id", "a call that never arrived", ExplainCallRequest.Descriptor, t => t.Reports.ExplainCallAsync(new ExplainCallRequest { CallId = GhostCall }));
    }

    private static IEnumerable<TestCaseData> Table() => Cases().Select(c => new TestCaseData(c).SetName($"{c.Mistake} through {c}: {Rule(c.Mistake)} {c.Field}"));

    private static string Rule(Mistake mistake) => mistake switch
    {
        Mistake.UnknownCall or Mistake.UnknownAgent => "NOT_FOUND",
        Mistake.WrongState => "FAILED_PRECONDITION",
        _ => "INVALID_ARGUMENT",
    };

    private Softphone.SoftphoneClient Softphone => _host.Softphone;
    private RoutingState.RoutingStateClient State => _host.State;
    private Protos.V1.Reports.ReportsClient Reports => new(_host.Channel);

    [TestCaseSource(nameof(Table))]
    public async Task A_mistake_is_answered_by_its_rule_naming_the_field_as_the_proto_spells_it(Case mistake)
    {
        var refusal = await mistake.Make(this);

        Assert.That((refusal.Code, refusal.Field), Is.EqualTo((Rule(mistake.Mistake), mistake.Field)));
        Assert.That(Resolves(refusal.Request, refusal.Field), Is.True, $"'{refusal.Field}' is a field of {refusal.Request.FullName}");
        if (mistake.Mistake == Mistake.UnknownCall)
        {
            Assert.That(refusal.Field, Does.EndWith("call_id"));
        }
        else if (mistake.Mistake == Mistake.UnknownAgent)
        {
            Assert.That(refusal.Field, Does.EndWith("agent_id"));
        }

        if (refusal.Status is { } status)
        {
            var details = status.GetRpcStatus()?.GetDetail<BadRequest>();
            Assert.That(details?.FieldViolations.Select(v => v.Field), Is.EqualTo(new[] { refusal.Field }), "the field again, for programs");
            Assert.That(details!.FieldViolations[0].Description, Is.Not.Empty);
        }
    }

    [Test]
    public void Every_rpc_event_and_session_command_is_in_the_table()
    {
        var cases = Cases().ToList();
        var rpcs = new[] { Protos.V1.Softphone.Descriptor, RoutingState.Descriptor, Protos.V1.Reports.Descriptor }
            .SelectMany(s => s.Methods.Select(m => (Rpc: $"{s.Name}.{m.Name}", Request: m.InputType)))
            .Concat(GatewayEvent.Descriptor.Oneofs.Single().Fields.Where(f => f.Name is not ("hello" or "batch"))
                .Select(f => (Rpc: $"Gateway.{f.Name}", Request: f.MessageType)))
            .Concat(SoftphoneCommand.Descriptor.Oneofs.Single().Fields.Select(f => (Rpc: $"Softphone.Session.{f.Name}", Request: f.MessageType)))
            .Where(r => !TakeNothing.Contains(r.Rpc))
            .ToList();
        Assert.That(rpcs, Has.Count.GreaterThan(30));
        foreach (var (rpc, request) in rpcs)
        {
            var mine = cases.Where(c => c.Rpc == rpc || rpc == "Softphone.Session.open" && c.Rpc == "Softphone.Session").ToList();
            Assert.That(mine, Is.Not.Empty, $"{rpc} has no case");
            var fields = request.Fields.InDeclarationOrder().Select(f => f.Name).ToList();
            if (fields.Contains("call_id") && !Create.Contains(rpc))
            {
                Assert.That(mine.Any(c => c.Mistake == Mistake.UnknownCall), Is.True, $"{rpc} names a call: it needs an unknown-call case");
            }

            // On a session the agent is the session's own: naming another is malformed, not unknown.
            if (fields.Contains("agent_id") && !Create.Contains(rpc) && !rpc.StartsWith("Softphone.Session.", StringComparison.Ordinal))
            {
                Assert.That(mine.Any(c => c.Mistake == Mistake.UnknownAgent), Is.True, $"{rpc} names an agent: it needs an unknown-agent case");
            }
        }
    }

    /// <summary>Whether the path (fields, oneofs, [index]) names something in the message type.</summary>
    private static bool Resolves(MessageDescriptor message, string path)
    {
        var type = message;
        var parts = path.Split('.');
        for (var i = 0; i < parts.Length; i++)
        {
            var name = parts[i].Split('[')[0];
            if (type is null)
            {
                return false;
            }

            if (type.FindFieldByName(name) is { } field)
            {
                type = field.FieldType == FieldType.Message ? field.MessageType : null;
                continue;
            }

            // A oneof names the choice itself; nothing can follow it.
            return i == parts.Length - 1 && type.Oneofs.Any(o => o.Name == name);
        }

        return true;
    }

    private static Case Event(string name, Mistake mistake, string field, string what, GatewayEvent gatewayEvent) =>
        new($"Gateway.{name}", mistake, field, what, async t =>
        {
            gatewayEvent.EventId = $"mistake-{Interlocked.Increment(ref t._next)}";
            var reply = await t._gateway.Answer(gatewayEvent);
            Assert.That(reply.Rejected, Is.Not.Null, reply.ToString());
            Assert.That(reply.Rejected.Message, Is.Not.Empty.And.Not.StartWith(reply.Rejected.Field + ":"), "the message is for people");
            return new Refusal(reply.Rejected.Code, reply.Rejected.Field, GatewayEvent.Descriptor);
        });

    private static Case Unary<T>(string rpc, Mistake mistake, string field, string what, MessageDescriptor request, Func<OneRuleForMistakesTests, AsyncUnaryCall<T>> call) =>
        new(rpc, mistake, field, what, async t =>
        {
            var error = (await Assert.ThrowsAsync<RpcException>(() => call(t).ResponseAsync))!;
            return Of(error, request);
        });

    private static Case Stream(string rpc, Mistake mistake, string field, string what, MessageDescriptor request, Func<OneRuleForMistakesTests, Task<RpcException>> call) =>
        new(rpc, mistake, field, what, async t => Of(await call(t), request));

    private static Case Command(string name, Mistake mistake, string field, string what, SoftphoneCommand command) =>
        new($"Softphone.Session.{name}", mistake, field, what, async t =>
        {
            await using var session = await t._host.OpenSession(Known);
            command.CommandId = $"mistake-{Interlocked.Increment(ref t._next)}";
            var result = await session.Run(command);
            Assert.That(result.Message, Is.Not.Empty.And.Not.StartWith(result.Field + ":"), "the message is for people");
            return new Refusal(result.Code, result.Field, SoftphoneCommand.Descriptor);
        });

    private static Refusal Of(RpcException error, MessageDescriptor request)
    {
        var field = error.GetRpcStatus()?.GetDetail<BadRequest>()?.FieldViolations.FirstOrDefault()?.Field ?? "";
        return new Refusal(Code(error.StatusCode), field, request, error);
    }

    private static string Code(StatusCode code) => Routing.Host.Edge.RequestChecks.CodeName(code);

    private static async Task<RpcException> Ended<T>(IAsyncStreamReader<T> stream)
    {
        try
        {
            while (await stream.MoveNext(CancellationToken.None))
            {
            }
        }
        catch (RpcException error)
        {
            return error;
        }

        throw new AssertionException("the stream ended without a status");
    }

    private async Task<RpcException> OpenFor(string agent)
    {
        var call = _host.Softphone.Session();
        await call.RequestStream.WriteAsync(new SoftphoneCommand { Open = new AgentRequest { AgentId = agent } });
        return await Ended(call.ResponseStream);
    }
}
