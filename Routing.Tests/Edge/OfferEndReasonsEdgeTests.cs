using CallCenter.Protos.V1;

namespace CallCenter.Routing.Tests.Edge;

/// <summary>
/// Why an offer ended, as the gateway (<c>ring_cancelled</c>, or the call's <c>ended</c>) and the
/// agent's softphone (<c>revoked</c>) each hear it: the same word on both sides, for every way an
/// offer ends while it rings, and one end only for every offer a softphone is shown. Real server,
/// real gRPC on loopback; the ring, heartbeat and transfer timers move with the test's clock.
/// </summary>
public sealed class OfferEndReasonsEdgeTests
{
    private EdgeHost _host = null!;

    /// <summary>A transfer gives up on its target before the target's 20 s ring runs out.</summary>
    [SetUp]
    public async Task StartServer() => _host = await EdgeHost.Start("Routing:Timing:TransferTimeoutSeconds=10");

    [TearDown]
    public async Task StopServer() => await _host.DisposeAsync();

    [Test]
    public async Task A_declined_offer_is_declined_for_both()
    {
        await using var gateway = await _host.ConnectGateway("gw-1");
        await using var alice = await _host.AgentReady("alice", ("billing", 5));
        await gateway.Arrive("c", "billing");
        var offer = await alice.Offer("c");

        await _host.Softphone.RejectOfferAsync(new OfferAnswer { AgentId = "alice", CallId = "c", Epoch = offer.Offer.Epoch });

        Assert.That(await HeardBy(gateway, alice, "c", offer.Offer.Epoch), Is.EqualTo(("declined", "declined")));
        await OnlyOneEnd(alice, "c", AgentStatus.Available);
    }

    [Test]
    public async Task An_offer_that_rings_out_timed_out_for_both()
    {
        await using var gateway = await _host.ConnectGateway("gw-1");
        await using var alice = await _host.AgentReady("alice", ("billing", 5));
        await gateway.Arrive("c", "billing");
        var offer = await alice.Offer("c");

        _host.Clock.Advance(TimeSpan.FromSeconds(20));

        Assert.That(await HeardBy(gateway, alice, "c", offer.Offer.Epoch), Is.EqualTo(("timed-out", "timed-out")));
        await OnlyOneEnd(alice, "c", AgentStatus.NotReady);
    }

    [Test]
    public async Task An_agent_who_logs_out_while_it_rings_logged_out_for_both()
    {
        await using var gateway = await _host.ConnectGateway("gw-1");
        await using var alice = await _host.AgentReady("alice", ("billing", 5));
        await gateway.Arrive("c", "billing");
        var offer = await alice.Offer("c");

        await _host.Softphone.LogOutAsync(new AgentRequest { AgentId = "alice" });

        Assert.That(await HeardBy(gateway, alice, "c", offer.Offer.Epoch), Is.EqualTo(("agent-logged-out", "agent-logged-out")));
        await OnlyOneEnd(alice, "c", AgentStatus.LoggedOut);
    }

    [Test]
    public async Task A_softphone_that_goes_silent_while_it_rings_is_lost_for_both()
    {
        await using var gateway = await _host.ConnectGateway("gw-1");
        await using var alice = await _host.AgentReady("alice", ("billing", 5));

        // Heard last when it subscribed: silent 30 s from then, before this offer's 20 s ring is over.
        _host.Clock.Advance(TimeSpan.FromSeconds(15));
        await gateway.Arrive("c", "billing");
        var offer = await alice.Offer("c");
        _host.Clock.Advance(TimeSpan.FromSeconds(15));

        Assert.That(await HeardBy(gateway, alice, "c", offer.Offer.Epoch), Is.EqualTo(("softphone-lost", "softphone-lost")));
        await OnlyOneEnd(alice, "c", AgentStatus.NotReady);
    }

    [Test]
    public async Task A_softphone_session_closed_while_it_rings_is_lost_for_the_gateway_and_the_offer_is_gone_when_it_comes_back()
    {
        await using var gateway = await _host.ConnectGateway("gw-1");
        await _host.Softphone.LogInAsync(LogIn("alice", "billing"));
        var session = await _host.OpenSession("alice");
        await session.Run(new SoftphoneCommand { SetState = new SetStateRequest { Available = new Available() } });
        await gateway.Arrive("c", "billing");
        var offer = await session.Offer("c");

        await session.Close();
        await session.DisposeAsync();

        var cancelled = (await gateway.Update("c", CallUpdate.UpdateOneofCase.RingCancelled)).CallUpdate.RingCancelled;
        Assert.That((cancelled.AgentId, cancelled.Epoch, cancelled.Reason), Is.EqualTo(("alice", offer.Offer.Epoch, "softphone-lost")));

        // Nobody was left on the stream to hear it: the softphone that comes back finds the offer over.
        await using var back = new SoftphoneSession("alice", _host.Softphone.Subscribe(new AgentRequest { AgentId = "alice" }));
        var current = (await back.Expect(u => u.Current is not null, "current state")).Current;
        Assert.That((current.Status, current.NotReadyReason, current.CallId), Is.EqualTo((AgentStatus.NotReady, "missed-offer", "")));
    }

    [Test]
    public async Task A_caller_who_hangs_up_while_it_rings_ends_the_call_for_the_gateway_and_is_heard_as_hung_up_by_the_softphone()
    {
        await using var gateway = await _host.ConnectGateway("gw-1");
        await using var alice = await _host.AgentReady("alice", ("billing", 5));
        await gateway.Arrive("c", "billing");
        await alice.Offer("c");

        await gateway.Answer(new GatewayEvent { CallHungUp = new CallHungUp { CallId = "c" } });

        var ended = (await gateway.Update("c", CallUpdate.UpdateOneofCase.Ended)).CallUpdate.Ended;
        var revoked = (await alice.Expect(u => u.Revoked?.CallId == "c", "revocation")).Revoked;
        Assert.That((ended.Outcome, ended.AgentId), Is.EqualTo((CallOutcome.AbandonedWhileRinging, "alice")));
        Assert.That(revoked.Reason, Is.EqualTo("caller-hung-up"));
        gateway.ExpectNone(u => u.CallUpdate?.RingCancelled is not null, "a ring_cancelled besides the call's end");
        await OnlyOneEnd(alice, "c", AgentStatus.Available);
    }

    [Test]
    public async Task A_callback_called_off_while_it_rings_ends_the_call_for_the_gateway_and_is_heard_as_cancelled_by_the_softphone()
    {
        await using var gateway = await _host.ConnectGateway("gw-1");
        await gateway.Arrive("c", "billing");
        await gateway.Answer(new GatewayEvent { CallbackRequested = new CallbackRequested { CallId = "c" } });
        await using var alice = await _host.AgentReady("alice", ("billing", 5));
        await alice.Offer("c");

        await gateway.Answer(new GatewayEvent { CallbackCancelled = new CallbackCancelled { CallId = "c" } });

        var ended = (await gateway.Update("c", CallUpdate.UpdateOneofCase.Ended)).CallUpdate.Ended;
        var revoked = (await alice.Expect(u => u.Revoked?.CallId == "c", "revocation")).Revoked;
        Assert.That((ended.Outcome, revoked.Reason), Is.EqualTo((CallOutcome.CallbackCancelled, "callback-cancelled")));
        await OnlyOneEnd(alice, "c", AgentStatus.Available);
    }

    [Test]
    public async Task A_consultative_transfer_that_gives_up_on_its_ringing_target_is_withdrawn_for_both()
    {
        await using var gateway = await _host.ConnectGateway("gw-1");
        await using var alice = await _host.AgentReady("alice", ("billing", 5));
        await gateway.Arrive("c", "billing");
        var first = await alice.Offer("c");
        await _host.Softphone.AcceptOfferAsync(new OfferAnswer { AgentId = "alice", CallId = "c", Epoch = first.Offer.Epoch });
        await using var bob = await _host.AgentReady("bob", ("billing", 5));
        await _host.Softphone.RequestTransferAsync(new AgentTransferRequest
        {
            AgentId = "alice", CallId = "c", Kind = TransferKind.Consultative, ToAgentId = "bob",
        });
        var target = await bob.Offer("c");
        await gateway.Expect(u => u.CallUpdate?.RingAgent?.AgentId == "bob", "ring_agent for bob");

        _host.Clock.Advance(TimeSpan.FromSeconds(10));

        Assert.That(await HeardBy(gateway, bob, "c", target.Offer.Epoch), Is.EqualTo(("withdrawn", "withdrawn")));
        await OnlyOneEnd(bob, "c", AgentStatus.Available);
        var call = await _host.State.GetCallAsync(new GetCallRequest { CallId = "c" });
        Assert.That((call.Call.Status, call.Call.AgentId), Is.EqualTo((CallStatus.Connected, "alice")), "the caller stays with alice");
    }

    [Test]
    public async Task A_caller_who_hangs_up_while_a_consultations_target_rings_is_heard_as_hung_up_by_the_target()
    {
        await using var gateway = await _host.ConnectGateway("gw-1");
        await using var alice = await _host.AgentReady("alice", ("billing", 5));
        await gateway.Arrive("c", "billing");
        var first = await alice.Offer("c");
        await _host.Softphone.AcceptOfferAsync(new OfferAnswer { AgentId = "alice", CallId = "c", Epoch = first.Offer.Epoch });
        await using var bob = await _host.AgentReady("bob", ("billing", 5));
        await _host.Softphone.RequestTransferAsync(new AgentTransferRequest
        {
            AgentId = "alice", CallId = "c", Kind = TransferKind.Consultative, ToAgentId = "bob",
        });
        await bob.Offer("c");

        await gateway.Answer(new GatewayEvent { CallHungUp = new CallHungUp { CallId = "c" } });

        var ended = (await gateway.Update("c", CallUpdate.UpdateOneofCase.Ended)).CallUpdate.Ended;
        var revoked = (await bob.Expect(u => u.Revoked?.CallId == "c", "revocation")).Revoked;
        Assert.That((ended.Outcome, revoked.Reason), Is.EqualTo((CallOutcome.Answered, "caller-hung-up")));
        await OnlyOneEnd(bob, "c", AgentStatus.Available);
    }

    [Test]
    public async Task A_queue_refuses_a_call_in_kebab_case_words()
    {
        await _host.State.PutQueueAsync(new QueueDefinition { QueueId = "closed-line", Status = "Closed" });
        await _host.State.PutQueueAsync(new QueueDefinition { QueueId = "one-seat", MaximumSize = 1 });
        await using var gateway = await _host.ConnectGateway("gw-1");

        await gateway.Arrive("at-night", "closed-line");
        await gateway.Arrive("first", "one-seat");
        await gateway.Arrive("second", "one-seat");

        var closed = (await gateway.Update("at-night", CallUpdate.UpdateOneofCase.Refused)).CallUpdate.Refused;
        var full = (await gateway.Update("second", CallUpdate.UpdateOneofCase.Refused)).CallUpdate.Refused;
        Assert.That((closed.QueueId, closed.Reason), Is.EqualTo(("closed-line", "closed")));
        Assert.That((full.QueueId, full.Reason), Is.EqualTo(("one-seat", "full")));
    }

    [Test]
    public async Task The_periodic_announcement_names_the_queue_as_the_first_one_does()
    {
        await using var gateway = await _host.ConnectGateway("gw-1");
        await gateway.Arrive("c", "billing");
        var queued = (await gateway.Update("c", CallUpdate.UpdateOneofCase.Announcement)).CallUpdate.Announcement;

        _host.Clock.Advance(TimeSpan.FromSeconds(30));

        var periodic = (await gateway.Update("c", CallUpdate.UpdateOneofCase.Announcement)).CallUpdate.Announcement;
        Assert.That((queued.QueueId, periodic.QueueId, periodic.Position), Is.EqualTo(("billing", "billing", 1)));
    }

    /// <summary>The same offer's end as the gateway hears it and as the softphone hears it, in that order.</summary>
    private static async Task<(string Gateway, string Softphone)> HeardBy(GatewaySession gateway, StreamReader<AgentUpdate> softphone, string call, long epoch)
    {
        var cancelled = (await gateway.Update(call, CallUpdate.UpdateOneofCase.RingCancelled)).CallUpdate.RingCancelled;
        var revoked = (await softphone.Expect(u => u.Revoked?.CallId == call, $"revocation of {call}")).Revoked;
        Assert.That((cancelled.Epoch, revoked.Epoch), Is.EqualTo((epoch, epoch)), "both name the offer");
        return (cancelled.Reason, revoked.Reason);
    }

    /// <summary>
    /// The offer's end came once: the agent's status change that follows the revocation arrived, and
    /// nothing besides it says the offer ended (no second revocation, no assignment).
    /// </summary>
    private static async Task OnlyOneEnd(StreamReader<AgentUpdate> softphone, string call, AgentStatus after)
    {
        await softphone.Expect(u => u.StateChanged?.To == after, $"the agent {after} after the offer");
        softphone.ExpectNone(u => u.Revoked?.CallId == call || u.Assignment?.CallId == call, $"a second end of the offer of {call}");
    }

    private static LogInRequest LogIn(string agent, string skill)
    {
        var login = new LogInRequest { AgentId = agent };
        login.Skills.Add(new Protos.V1.AgentSkill { SkillId = skill, Level = 5 });
        return login;
    }
}
