using CallCenter.Protos.V1;

namespace CallCenter.Routing.Tests.Edge;

/// <summary>Repeated, out-of-order and resent events; gateways and softphones that drop and come back.</summary>
public sealed class ResilienceTests : ServerPerTest
{
    [Test]
    public async Task A_repeated_event_id_is_acknowledged_again_and_changes_nothing()
    {
        await using var gateway = await Host.ConnectGateway("gw-1");
        var arrival = new GatewayEvent { EventId = "arrive-1", CallArrived = new CallArrived { CallId = "c", QueueId = "general" } };
        Assert.That((await gateway.Answer(arrival)).Accepted.Duplicate, Is.False);
        Assert.That((await gateway.Answer(arrival.Clone())).Accepted.Duplicate, Is.True);

        var snapshot = await Host.State.GetSnapshotAsync(new GetSnapshotRequest());
        Assert.That(snapshot.Calls.Select(c => c.CallId), Is.EqualTo(new[] { "c" }));
        var history = await Host.State.GetCallAsync(new GetCallRequest { CallId = "c" });
        Assert.That(history.Events.Count(e => e.EventCase == CallEventView.EventOneofCase.Arrived), Is.EqualTo(1));
    }

    [Test]
    public async Task Events_for_a_call_the_server_does_not_know_are_rejected_for_their_id_and_the_stream_goes_on()
    {
        await using var gateway = await Host.ConnectGateway("gw-1");
        var hangUp = await gateway.Answer(new GatewayEvent { CallHungUp = new CallHungUp { CallId = "never-arrived" } });
        Assert.That((hangUp.Rejected.Code, hangUp.Rejected.Field), Is.EqualTo(("NOT_FOUND", "call_hung_up.call_id")));

        var answered = await gateway.Answer(new GatewayEvent { CallAnswered = new CallAnswered { CallId = "c", AgentId = "nobody", Epoch = 1 } });
        Assert.That((answered.Rejected.Code, answered.Rejected.Field), Is.EqualTo(("NOT_FOUND", "call_answered.agent_id")), "no such agent");

        // The stream is still open and other calls are untouched.
        Assert.That((await gateway.Arrive("c", "general")).Accepted, Is.Not.Null);
        var callback = await gateway.Answer(new GatewayEvent { CallbackRequested = new CallbackRequested { CallId = "c" } });
        Assert.That(callback.Accepted, Is.Not.Null, callback.ToString());
        var status = await Host.State.GetCallAsync(new GetCallRequest { CallId = "c" });
        Assert.That(status.Call.Status, Is.EqualTo(CallStatus.CallbackRequested));
    }

    [Test]
    public async Task A_gateway_that_reconnects_resends_what_was_not_acknowledged_and_gets_what_it_missed()
    {
        var first = await Host.ConnectGateway("gw-1");
        await first.Send(new GatewayEvent { EventId = "arrive-1", CallArrived = new CallArrived { CallId = "c", QueueId = "billing" } });
        await first.AnswerTo("arrive-1");
        await first.Close();
        await first.DisposeAsync();

        // While the gateway is away, an agent takes the call: the ring order is held for the gateway.
        await using var alice = await Host.AgentReady("alice", ("billing", 5));
        await alice.Offer("c");

        await using var again = new GatewaySession(Host.Gateway.Connect());
        await again.Send(new GatewayEvent { Hello = new Hello { GatewayId = "gw-1" } });
        var hello = await again.Expect(r => r.HelloAccepted is not null);
        Assert.That(hello.HelloAccepted.Resumed, Is.True);
        var ring = await again.Update("c", CallUpdate.UpdateOneofCase.RingAgent);
        Assert.That(ring.CallUpdate.RingAgent.AgentId, Is.EqualTo("alice"));

        await again.Send(new GatewayEvent { EventId = "arrive-1", CallArrived = new CallArrived { CallId = "c", QueueId = "billing" } });
        Assert.That((await again.AnswerTo("arrive-1")).Accepted.Duplicate, Is.True);
    }

    [Test]
    public async Task A_call_id_belongs_to_the_gateway_that_brought_it()
    {
        await using var one = await Host.ConnectGateway("gw-1");
        await using var two = await Host.ConnectGateway("gw-2");
        Assert.That((await one.Arrive("c", "general")).Accepted, Is.Not.Null);

        var clash = await two.Arrive("c", "general");
        Assert.That((clash.Rejected.Code, clash.Rejected.Field), Is.EqualTo(("ALREADY_EXISTS", "call_arrived.call_id")));
    }

    [Test]
    public async Task A_softphone_lost_while_ringing_has_its_offer_revoked_and_the_call_keeps_its_place()
    {
        await using var gateway = await Host.ConnectGateway("gw-1");
        var alice = await Host.AgentReady("alice", ("billing", 5));
        await gateway.Arrive("c", "billing");
        await alice.Offer("c");

        alice.Drop();
        await alice.DisposeAsync();

        var cancelled = await gateway.Update("c", CallUpdate.UpdateOneofCase.RingCancelled);
        Assert.That((cancelled.CallUpdate.RingCancelled.AgentId, cancelled.CallUpdate.RingCancelled.Reason), Is.EqualTo(("alice", "softphone-lost")));
        await using var bob = await Host.AgentReady("bob", ("billing", 5));
        Assert.That((await bob.Offer()).Offer.CallId, Is.EqualTo("c"));
    }

    [Test]
    public async Task An_idle_agent_whose_softphone_is_lost_gets_no_offers_and_goes_not_ready_after_the_grace_period()
    {
        await using var gateway = await Host.ConnectGateway("gw-1");
        var alice = await Host.AgentReady("alice", ("billing", 5));
        alice.Drop();
        await alice.DisposeAsync();
        await EdgeHost.WaitUntil(async () => (await Host.State.GetQueueAsync(new GetQueueRequest { QueueId = "billing" })).AgentsAvailable == 0,
            "the lost agent is out of routing");

        await gateway.Arrive("c", "billing");
        var queued = await gateway.Update("c", CallUpdate.UpdateOneofCase.Announcement);
        Assert.That(queued.CallUpdate.Announcement.Position, Is.EqualTo(1), "the call waits: nobody routable");

        Host.Clock.Advance(TimeSpan.FromSeconds(30));
        await EdgeHost.WaitUntil(async () => (await Host.State.GetAgentAsync(new GetAgentRequest { AgentId = "alice" })).Status == AgentStatus.NotReady,
            "alice goes not ready");
        var view = await Host.State.GetAgentAsync(new GetAgentRequest { AgentId = "alice" });
        Assert.That(view.NotReadyReason, Is.EqualTo("softphone-lost"));
    }

    [Test]
    public async Task A_softphone_that_comes_back_within_the_grace_period_keeps_the_agent_routable()
    {
        var alice = await Host.AgentReady("alice", ("billing", 5));
        alice.Drop();
        await alice.DisposeAsync();
        await EdgeHost.WaitUntil(async () => (await Host.State.GetQueueAsync(new GetQueueRequest { QueueId = "billing" })).AgentsAvailable == 0,
            "the lost agent is out of routing");

        await using var back = await Host.Subscribe("alice");
        await EdgeHost.WaitUntil(async () => (await Host.State.GetQueueAsync(new GetQueueRequest { QueueId = "billing" })).AgentsAvailable == 1,
            "alice is routable again");
        // Past the grace period that was running: it was called off by the return.
        Host.Clock.Advance(TimeSpan.FromSeconds(25));
        await Host.Softphone.HeartbeatAsync(new AgentRequest { AgentId = "alice" });
        Host.Clock.Advance(TimeSpan.FromSeconds(10));
        await using var gateway = await Host.ConnectGateway("gw-1");
        await gateway.Arrive("c", "billing");
        Assert.That((await back.Offer()).Offer.CallId, Is.EqualTo("c"));
    }

    [Test]
    public async Task A_softphone_that_stops_sending_heartbeats_is_taken_as_lost()
    {
        await using var alice = await Host.AgentReady("alice", ("billing", 5));
        Host.Clock.Advance(TimeSpan.FromSeconds(20));
        await Host.Softphone.HeartbeatAsync(new AgentRequest { AgentId = "alice" });
        Host.Clock.Advance(TimeSpan.FromSeconds(20));
        Assert.That((await Host.State.GetAgentAsync(new GetAgentRequest { AgentId = "alice" })).Status, Is.EqualTo(AgentStatus.Available),
            "a heartbeat 20 s ago keeps the softphone alive");

        Host.Clock.Advance(TimeSpan.FromSeconds(10));
        await EdgeHost.WaitUntil(async () => (await Host.State.GetQueueAsync(new GetQueueRequest { QueueId = "billing" })).AgentsAvailable == 0,
            "silent agent out of routing");
        Host.Clock.Advance(TimeSpan.FromSeconds(30));
        var notReady = await alice.Expect(u => u.StateChanged?.To == AgentStatus.NotReady);
        Assert.That(notReady.StateChanged.Reason, Is.EqualTo("softphone-lost"));
    }
}
