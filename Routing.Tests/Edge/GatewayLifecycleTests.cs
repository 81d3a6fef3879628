using CallCenter.Protos.V1;
using Dapper;
using Grpc.Core;

namespace CallCenter.Routing.Tests.Edge;

/// <summary>A gateway and softphones through the whole life of calls, over real gRPC on loopback.</summary>
public sealed class GatewayLifecycleTests : ServerPerTest
{
    [Test]
    public async Task A_call_is_offered_answered_ended_and_wrapped_up()
    {
        await using var gateway = await Host.ConnectGateway("gw-1");
        await using var alice = await Host.AgentReady("alice", ("billing", 5));

        var answer = await gateway.Arrive("call-1", "billing", "Standard");
        Assert.That(answer.Accepted, Is.Not.Null, answer.ToString());

        var offer = await alice.Offer("call-1");
        Assert.That(offer.Offer.QueueId, Is.EqualTo("billing"));
        var ring = await gateway.Update("call-1", CallUpdate.UpdateOneofCase.RingAgent);
        Assert.That((ring.CallUpdate.RingAgent.AgentId, ring.CallUpdate.RingAgent.Epoch), Is.EqualTo(("alice", offer.Offer.Epoch)));

        var accepted = await Host.Softphone.AcceptOfferAsync(new OfferAnswer { AgentId = "alice", CallId = "call-1", Epoch = offer.Offer.Epoch });
        Assert.That(accepted.Changed, Is.True);
        var assignment = await alice.Expect(u => u.Assignment is not null);
        Assert.That(assignment.Assignment.CallId, Is.EqualTo("call-1"));
        var connect = await gateway.Update("call-1", CallUpdate.UpdateOneofCase.ConnectAgent);
        Assert.That(connect.CallUpdate.ConnectAgent.AgentId, Is.EqualTo("alice"));

        await Host.Softphone.EndCallAsync(new CallRequest { AgentId = "alice", CallId = "call-1" });
        var ended = await gateway.Update("call-1", CallUpdate.UpdateOneofCase.Ended);
        Assert.That(ended.CallUpdate.Ended.Outcome, Is.EqualTo(CallOutcome.Answered));
        await alice.Expect(u => u.StateChanged?.To == AgentStatus.WrapUp);

        var wrapUp = new FinishWrapUpRequest { AgentId = "alice", CallId = "call-1", DispositionCode = "resolved", Notes = "address changed", SatisfactionScore = 5 };
        Assert.That((await Host.Softphone.FinishWrapUpAsync(wrapUp)).Changed, Is.True);
        await alice.Expect(u => u.StateChanged?.To == AgentStatus.Available);

        var history = await Host.State.GetCallAsync(new GetCallRequest { CallId = "call-1" });
        Assert.That(history.Call.Status, Is.EqualTo(CallStatus.Ended));
        Assert.That(history.Events.Select(e => e.Sequence), Is.EqualTo(Enumerable.Range(1, history.Events.Count).Select(i => (long)i)), "events in order, no gaps");
        Assert.That(history.Events.Select(e => e.Kind), Does.Contain("offered").And.Contain("connected").And.Contain("ended"));
    }

    [Test]
    public async Task Calls_arriving_by_dialed_number_go_to_the_queue_the_number_names()
    {
        await using var gateway = await Host.ConnectGateway("gw-1");
        var reply = await gateway.Answer(new GatewayEvent { CallArrived = new CallArrived { CallId = "c", DialedNumber = "+18005550101" } });
        Assert.That(reply.Accepted, Is.Not.Null, reply.ToString());

        var queued = await gateway.Update("c", CallUpdate.UpdateOneofCase.Announcement);
        Assert.That(queued.CallUpdate.Announcement.QueueId, Is.EqualTo("technical"));
        Assert.That(queued.CallUpdate.Announcement.Position, Is.EqualTo(1));
    }

    [Test]
    public async Task A_VIP_caller_is_served_before_a_Standard_caller_who_waited_longer()
    {
        await using var gateway = await Host.ConnectGateway("gw-1");
        Assert.That((await gateway.Arrive("standard", "sales", "Standard")).Accepted, Is.Not.Null);
        Host.Clock.Advance(TimeSpan.FromSeconds(5));
        Assert.That((await gateway.Arrive("vip", "sales", "VIP")).Accepted, Is.Not.Null);

        await using var bob = await Host.AgentReady("bob", ("sales", 3));
        var first = await bob.Offer();
        Assert.That(first.Offer.CallId, Is.EqualTo("vip"));
    }

    [Test]
    public async Task A_call_is_offered_only_to_an_agent_with_the_skills_it_needs()
    {
        await using var gateway = await Host.ConnectGateway("gw-1");
        await using var billingOnly = await Host.AgentReady("billing-only", ("billing", 9));
        await gateway.Arrive("tech-call", "technical", "Standard");
        await using var techie = await Host.AgentReady("techie", ("technical", 6));

        var offer = await techie.Offer("tech-call");
        Assert.That(offer.Offer.CallId, Is.EqualTo("tech-call"));
        billingOnly.ExpectNone(u => u.Offer is not null, "offer to an agent without the skill");

        // An extra skill on the call narrows it further.
        await gateway.Arrive("mandarin-call", "billing", "Standard", ("mandarin", 5));
        await using var mandarin = await Host.AgentReady("mandarin-speaker", ("billing", 4), ("mandarin", 8));
        Assert.That((await mandarin.Offer()).Offer.CallId, Is.EqualTo("mandarin-call"));
        billingOnly.ExpectNone(u => u.Offer?.CallId == "mandarin-call", "offer of a mandarin call to an agent without mandarin");
    }

    [Test]
    public async Task An_offer_that_rings_out_goes_back_to_its_place_and_the_agent_goes_not_ready()
    {
        await using var gateway = await Host.ConnectGateway("gw-1");
        await using var alice = await Host.AgentReady("alice", ("billing", 5));
        await gateway.Arrive("first", "billing", "Standard");
        var offer = await alice.Offer("first");
        await gateway.Arrive("second", "billing", "Standard");

        Host.Clock.Advance(TimeSpan.FromSeconds(20));

        var revoked = await alice.Expect(u => u.Revoked is not null);
        Assert.That((revoked.Revoked.CallId, revoked.Revoked.Reason), Is.EqualTo(("first", "timed-out")));
        var notReady = await alice.Expect(u => u.StateChanged?.To == AgentStatus.NotReady);
        Assert.That(notReady.StateChanged.Reason, Is.EqualTo("missed-offer"));
        var cancelled = await gateway.Update("first", CallUpdate.UpdateOneofCase.RingCancelled);
        Assert.That((cancelled.CallUpdate.RingCancelled.AgentId, cancelled.CallUpdate.RingCancelled.Epoch, cancelled.CallUpdate.RingCancelled.Reason),
            Is.EqualTo(("alice", offer.Offer.Epoch, "timed-out")));

        // The call rung out is still first in line: the next agent gets it, not the later call.
        await using var bob = await Host.AgentReady("bob", ("billing", 5));
        Assert.That((await bob.Offer()).Offer.CallId, Is.EqualTo("first"));
    }

    [Test]
    public async Task A_stale_accept_is_refused_and_a_repeated_accept_changes_nothing()
    {
        await using var gateway = await Host.ConnectGateway("gw-1");
        await using var alice = await Host.AgentReady("alice", ("billing", 5));
        await gateway.Arrive("c", "billing");
        var offer = await alice.Offer("c");

        var stale = (await Assert.ThrowsAsync<RpcException>(() => Host.Softphone.AcceptOfferAsync(
            new OfferAnswer { AgentId = "alice", CallId = "c", Epoch = offer.Offer.Epoch + 1 }).ResponseAsync))!;
        Assert.That(stale.StatusCode, Is.EqualTo(StatusCode.FailedPrecondition));
        Assert.That(stale.Status.Detail, Does.StartWith("epoch"));

        var answer = new OfferAnswer { AgentId = "alice", CallId = "c", Epoch = offer.Offer.Epoch };
        Assert.That((await Host.Softphone.AcceptOfferAsync(answer)).Changed, Is.True);
        Assert.That((await Host.Softphone.AcceptOfferAsync(answer)).Changed, Is.False);

        // The gateway's own report that the agent's leg answered is the same answer again.
        var reply = await gateway.Answer(new GatewayEvent { CallAnswered = new CallAnswered { CallId = "c", AgentId = "alice", Epoch = offer.Offer.Epoch } });
        Assert.That(reply.Accepted.Duplicate, Is.True);
        Assert.That((await Host.State.GetCallAsync(new GetCallRequest { CallId = "c" })).Events.Count(e => e.EventCase == CallEventView.EventOneofCase.Connected), Is.EqualTo(1));
    }

    [Test]
    public async Task A_caller_hanging_up_while_ringing_withdraws_the_offer_and_frees_the_agent()
    {
        await using var gateway = await Host.ConnectGateway("gw-1");
        await using var alice = await Host.AgentReady("alice", ("billing", 5));
        await gateway.Arrive("c", "billing");
        await alice.Offer("c");

        var reply = await gateway.Answer(new GatewayEvent { CallHungUp = new CallHungUp { CallId = "c" } });
        Assert.That(reply.Accepted, Is.Not.Null);

        var revoked = await alice.Expect(u => u.Revoked is not null);
        Assert.That(revoked.Revoked.Reason, Is.EqualTo("caller-hung-up"));
        var ended = await gateway.Update("c", CallUpdate.UpdateOneofCase.Ended);
        Assert.That(ended.CallUpdate.Ended.Outcome, Is.EqualTo(CallOutcome.AbandonedWhileRinging));
        await alice.Expect(u => u.StateChanged?.To == AgentStatus.Available);
    }

    [Test]
    public async Task The_gateways_answer_for_a_call_whose_caller_hung_up_is_refused_and_the_agent_stays_free()
    {
        await using var gateway = await Host.ConnectGateway("gw-1");
        await using var alice = await Host.AgentReady("alice", ("billing", 5));
        await gateway.Arrive("c", "billing");
        var offer = await alice.Offer("c");
        Assert.That((await gateway.Answer(new GatewayEvent { CallHungUp = new CallHungUp { CallId = "c" } })).Accepted, Is.Not.Null);

        var answered = await gateway.Answer(new GatewayEvent { CallAnswered = new CallAnswered { CallId = "c", AgentId = "alice", Epoch = offer.Offer.Epoch } });

        Assert.That(answered.Rejected, Is.Not.Null, answered.ToString());
        Assert.That((answered.Rejected.Code, answered.Rejected.Field), Is.EqualTo(("FAILED_PRECONDITION", "call_answered.call_id")));
        Assert.That(answered.Rejected.Message, Does.Contain("call 'c'"));
        var ended = await gateway.Update("c", CallUpdate.UpdateOneofCase.Ended);
        Assert.That(ended.CallUpdate.Ended.Outcome, Is.EqualTo(CallOutcome.AbandonedWhileRinging));
        var revoked = await alice.Expect(u => u.Revoked is not null);
        Assert.That((revoked.Revoked.CallId, revoked.Revoked.Reason), Is.EqualTo(("c", "caller-hung-up")));
        await alice.Expect(u => u.StateChanged?.To == AgentStatus.Available);
        alice.ExpectNone(u => u.Assignment is not null || u.StateChanged?.To is AgentStatus.OnCall or AgentStatus.WrapUp, "the ended call assigned to alice");
        var agent = await Host.State.GetAgentAsync(new GetAgentRequest { AgentId = "alice" });
        Assert.That((agent.Status, agent.CallsHandledToday), Is.EqualTo((AgentStatus.Available, 0)));
        var history = await Host.State.GetCallAsync(new GetCallRequest { CallId = "c" });
        Assert.That(history.Events.Select(e => e.EventCase), Does.Not.Contain(CallEventView.EventOneofCase.Connected));
    }

    [Test]
    public async Task An_arrival_is_acknowledged_only_once_it_is_in_the_interaction_log()
    {
        await using var gateway = await Host.ConnectGateway("gw-durable");
        await using var alice = await Host.AgentReady("alice", ("billing", 5));
        var arrived = new CallArrived { CallId = "logged", QueueId = "billing", CallerNumber = "+15550199", CustomerId = "cust-7", Attributes = { ["ivr-choice"] = "2", ["ticket"] = "T-9" } };
        Assert.That((await gateway.Answer(new GatewayEvent { CallArrived = arrived })).Accepted, Is.Not.Null);

        // Read at once after the acknowledgement: the arrival must already be committed.
        await using var database = Host.Database();
        var events = await database.QueryAsync<string>("select kind from call_events where call_id = 'logged' order by sequence");
        Assert.That(events.First(), Is.EqualTo("Arrived"));

        var offer = await alice.Offer("logged");
        await Host.Softphone.AcceptOfferAsync(new OfferAnswer { AgentId = "alice", CallId = "logged", Epoch = offer.Offer.Epoch });
        await alice.Expect(u => u.Assignment is not null);
        var hangUp = await gateway.Answer(new GatewayEvent { CallHungUp = new CallHungUp { CallId = "logged" } });
        Assert.That(hangUp.Accepted, Is.Not.Null);
        await Host.Softphone.FinishWrapUpAsync(new FinishWrapUpRequest
        {
            AgentId = "alice", CallId = "logged", DispositionCode = "billing-question", SatisfactionScore = 4, Complaint = true,
        });

        await EdgeHost.WaitUntil(async () => (await database.QueryAsync<string>(
            "select disposition_code from interactions where call_id = 'logged' and disposition_code is not null")).Any(), "the disposition is logged");
        var row = (await database.QueryAsync<(string Gateway, string Caller, string Customer, string Outcome, string Agent, short Score, bool Complaint)>(
            "select gateway_id, caller, customer_id, outcome, agent_id, satisfaction_score, complaint from interactions where call_id = 'logged'")).Single();
        Assert.That(row, Is.EqualTo(("gw-durable", "+15550199", "cust-7", "Answered", "alice", (short)4, true)));
        var attributes = (await database.QueryAsync<(string Choice, string Ticket)>(
            "select attributes->>'ivr-choice', attributes->>'ticket' from interactions where call_id = 'logged'")).Single();
        Assert.That(attributes, Is.EqualTo(("2", "T-9")), "what the gateway attached is logged with the interaction");
        var decision = (await database.QueryAsync<(string Agent, long Epoch, long Version)>(
            "select agent_id, epoch, configuration_version from routing_decisions where call_id = 'logged'")).Single();
        Assert.That(decision, Is.EqualTo(("alice", offer.Offer.Epoch, 1L)), "why the call went to alice: the offer, its rule and the rules' version");

        var why = await new Protos.V1.Reports.ReportsClient(Host.Channel).ExplainCallAsync(new ExplainCallRequest { CallId = "logged" });
        Assert.That(why.Summary, Does.StartWith("Offered to alice as the best suitable idle agent by billing's agent selection, under its queue's full skill requirement"));
        Assert.That(why.Decisions.Single().Rule, Is.EqualTo("AgentSelection"));
        Assert.That(why.Events.Select(e => e.Kind), Does.Contain("Arrived").And.Contain("Offered").And.Contain("Connected"));
    }

    [Test]
    public async Task Text_the_log_cannot_hold_is_refused_by_its_field_before_it_is_acknowledged()
    {
        await using var gateway = await Host.ConnectGateway("gw-nul");

        var refused = await gateway.Answer(new GatewayEvent
        {
            CallArrived = new CallArrived { CallId = "nul", QueueId = "billing", CallerNumber = "+1555\0" },
        });

        Assert.That((refused.Rejected?.Code, refused.Rejected?.Field), Is.EqualTo(("INVALID_ARGUMENT", "call_arrived.caller_number")));
        Assert.That((await gateway.Arrive("nul-free", "billing")).Accepted, Is.Not.Null, "the stream goes on");
    }

    [Test]
    public async Task A_repeated_arrival_logs_the_gateways_details_its_first_did_not()
    {
        // As when the server stopped after the call's events were written and before its details were:
        // the call reached the domain, and no gateway's details were logged with it.
        var domains = Host.Service<CallCenter.Routing.Host.Edge.DomainClient>();
        var direct = new CallCenter.Routing.Agents.Calls.CallProtocol.Arrive(
            new CallCenter.Routing.Model.CallId("resent"), new CallCenter.Routing.Model.QueueId("billing"), new CallCenter.Routing.Model.TierId("Standard"),
            false, [], null, null);
        Assert.That((await domains.Send("default", direct, CancellationToken.None)).Succeeded, Is.True);
        await using var gateway = await Host.ConnectGateway("gw-resends");

        var resent = await gateway.Answer(new GatewayEvent
        {
            CallArrived = new CallArrived { CallId = "resent", QueueId = "billing", CallerNumber = "+15550142", CustomerId = "cust-9" },
        });

        Assert.That(resent.Accepted?.Duplicate, Is.True, "the domain had the call already");
        await using var database = Host.Database();
        var row = (await database.QueryAsync<(string Gateway, string Caller, string Customer)>(
            "select gateway_id, caller, customer_id from interactions where call_id = 'resent'")).Single();
        Assert.That(row, Is.EqualTo(("gw-resends", "+15550142", "cust-9")));
    }

    [Test]
    public async Task A_callback_keeps_the_callers_place_and_is_offered_as_a_callback()
    {
        await using var gateway = await Host.ConnectGateway("gw-1");
        await gateway.Arrive("wants-callback", "billing");
        await gateway.Arrive("holds-on", "billing");
        var asked = await gateway.Answer(new GatewayEvent { CallbackRequested = new CallbackRequested { CallId = "wants-callback" } });
        Assert.That(asked.Accepted, Is.Not.Null, asked.ToString());

        await using var alice = await Host.AgentReady("alice", ("billing", 5));
        var offer = await alice.Offer();
        Assert.That((offer.Offer.CallId, offer.Offer.Callback), Is.EqualTo(("wants-callback", true)), "first in line, and marked as a callback");
    }

    [Test]
    public async Task A_cancelled_callback_ends_and_is_never_offered()
    {
        await using var gateway = await Host.ConnectGateway("gw-1");
        await gateway.Arrive("changed-mind", "billing");
        await gateway.Answer(new GatewayEvent { CallbackRequested = new CallbackRequested { CallId = "changed-mind" } });
        var cancelled = await gateway.Answer(new GatewayEvent { CallbackCancelled = new CallbackCancelled { CallId = "changed-mind" } });
        Assert.That(cancelled.Accepted, Is.Not.Null, cancelled.ToString());
        var ended = await gateway.Update("changed-mind", CallUpdate.UpdateOneofCase.Ended);
        Assert.That(ended.CallUpdate.Ended.Outcome, Is.EqualTo(CallOutcome.CallbackCancelled));

        await gateway.Arrive("next", "billing");
        await using var alice = await Host.AgentReady("alice", ("billing", 5));
        Assert.That((await alice.Offer()).Offer.CallId, Is.EqualTo("next"));

        var again = await gateway.Answer(new GatewayEvent { CallbackCancelled = new CallbackCancelled { CallId = "next" } });
        Assert.That((again.Rejected.Code, again.Rejected.Field), Is.EqualTo(("FAILED_PRECONDITION", "callback_cancelled.call_id")));
    }
}
