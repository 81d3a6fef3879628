using CallCenter.Protos.V1;
using CallCenter.Routing.Host.Edge;

namespace CallCenter.Routing.Tests.Edge;

/// <summary>
/// An overloaded server refuses new calls and serves the ones it has. The lag of routing is fed
/// to the server's probe by the test (its own measuring is set an hour apart), so the server is
/// overloaded exactly when the test says.
/// </summary>
public sealed class OverloadTests
{
    private EdgeHost _host = null!;

    [SetUp]
    public async Task StartServer() => _host = await EdgeHost.Start(
        "Edge:OverloadProbeMilliseconds=3600000", "Edge:OverloadLagMilliseconds=500", "Edge:OverloadSeconds=0");

    [TearDown]
    public async Task StopServer() => await _host.DisposeAsync();

    [Test]
    public async Task While_routing_lags_a_share_of_new_calls_is_refused_and_calls_already_in_the_server_are_served()
    {
        var probe = _host.Service<OverloadProbe>();
        await using var gateway = await _host.ConnectGateway("gw-1");
        Assert.That((await gateway.Arrive("before", "billing")).Accepted, Is.Not.Null);

        // Lagging past the interval (none here) halves the share of new calls admitted: every other one.
        probe.Observe(TimeSpan.FromSeconds(3));
        var replies = new List<GatewayReply>();
        foreach (var call in new[] { "during-1", "during-2", "during-3", "during-4" })
        {
            replies.Add(await gateway.Arrive(call, "billing"));
        }

        Assert.That(replies.Select(r => r.Rejected?.Code ?? "accepted"),
            Is.EqualTo(new[] { "RESOURCE_EXHAUSTED", "accepted", "RESOURCE_EXHAUSTED", "accepted" }));
        var refused = replies[0];
        Assert.That(refused.Rejected.Field, Is.EqualTo("call_arrived"));
        Assert.That(refused.Rejected.Message, Does.Contain("overloaded"));

        // What the server already holds goes on: a repeated arrival is answered as before, the
        // waiting call is offered to an agent who comes ready, and its hang-up is carried out.
        var again = await gateway.Answer(new GatewayEvent { EventId = "again", CallArrived = new CallArrived { CallId = "before", QueueId = "billing" } });
        Assert.That(again.Accepted?.Duplicate, Is.True, again.ToString());
        await using var alice = await _host.AgentReady("alice", ("billing", 5));
        await alice.Offer("before");
        var hangUp = await gateway.Answer(new GatewayEvent { EventId = "bye", CallHungUp = new CallHungUp { CallId = "before" } });
        Assert.That(hangUp.Accepted, Is.Not.Null, hangUp.ToString());

        var snapshot = await _host.State.GetSnapshotAsync(new GetSnapshotRequest());
        Assert.That(snapshot.Calls.Select(c => c.CallId), Is.EquivalentTo(new[] { "during-2", "during-4" }), "a refused call leaves nothing behind");
        Assert.That(probe.Refused, Is.EqualTo(2));

        // Keeping up admits a little more at each probe, then every call.
        for (var i = 0; i < 50; i++)
        {
            probe.Observe(TimeSpan.FromMilliseconds(20));
        }

        Assert.That(probe.RefusesArrivals, Is.False);
        Assert.That((await gateway.Arrive("after", "billing")).Accepted, Is.Not.Null);
    }

    [Test]
    public async Task A_call_refused_as_overload_is_accepted_when_its_event_is_resent_after_the_overload()
    {
        var probe = _host.Service<OverloadProbe>();
        await using var gateway = await _host.ConnectGateway("gw-1");
        var arrival = new GatewayEvent { EventId = "arrive-late", CallArrived = new CallArrived { CallId = "late", QueueId = "billing" } };

        probe.Observe(TimeSpan.FromSeconds(3));
        var refused = await gateway.Answer(arrival.Clone());
        Assert.That(refused.Rejected?.Code, Is.EqualTo("RESOURCE_EXHAUSTED"), refused.ToString());

        for (var i = 0; i < 50; i++)
        {
            probe.Observe(TimeSpan.FromMilliseconds(20));
        }

        Assert.That(probe.RefusesArrivals, Is.False);
        var resent = await gateway.Answer(arrival.Clone());
        Assert.That(resent.Accepted?.Duplicate, Is.False, $"carried out anew, not answered from the refusal: {resent}");
        var snapshot = await _host.State.GetSnapshotAsync(new GetSnapshotRequest());
        Assert.That(snapshot.Calls.Select(c => c.CallId), Is.EqualTo(new[] { "late" }));
    }

    [Test]
    public async Task A_short_lag_refuses_nothing_when_the_interval_is_not_over()
    {
        await using var host = await EdgeHost.Start("Edge:OverloadProbeMilliseconds=3600000", "Edge:OverloadSeconds=60");
        var probe = host.Service<OverloadProbe>();
        await using var gateway = await host.ConnectGateway("gw-1");

        probe.Observe(TimeSpan.FromSeconds(3));
        probe.Observe(TimeSpan.FromSeconds(3));

        Assert.That((await gateway.Arrive("c", "billing")).Accepted, Is.Not.Null);
        Assert.That(probe.RefusesArrivals, Is.False);
    }
}
