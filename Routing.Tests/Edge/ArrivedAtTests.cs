using CallCenter.Protos.V1;
using Google.Protobuf.WellKnownTypes;

namespace CallCenter.Routing.Tests.Edge;

/// <summary>
/// A gateway may say when a call entered the telephony system (<c>arrived_at</c>): a call it held
/// while the server was away keeps its true place in line. Beyond the clock skew allowed, or older
/// than a gateway may hold a call, the arrival is refused naming the field, and nothing is created.
/// </summary>
public sealed class ArrivedAtTests : ServerPerTest
{
    [Test]
    public async Task A_call_held_at_the_gateway_keeps_its_place_ahead_of_a_call_that_reached_the_server_first()
    {
        await using var gateway = await Host.ConnectGateway("gw-1");
        Assert.That((await gateway.Arrive("reached-first", "sales", "Standard")).Accepted, Is.Not.Null);
        Host.Clock.Advance(TimeSpan.FromSeconds(10));

        // Held at the gateway: it entered the telephony system 30 s ago, 20 s before the other call.
        var held = await gateway.Answer(Arrival("held", Host.Clock.Now - TimeSpan.FromSeconds(30)));
        Assert.That(held.Accepted, Is.Not.Null, held.ToString());

        await using var bob = await Host.AgentReady("bob", ("sales", 3));
        Assert.That((await bob.Offer()).Offer.CallId, Is.EqualTo("held"));
        var history = await Host.State.GetCallAsync(new GetCallRequest { CallId = "held" });
        Assert.That(history.Call.ArrivedAt.ToDateTimeOffset(), Is.EqualTo(Host.Clock.Now - TimeSpan.FromSeconds(30)));
    }

    [Test]
    public async Task An_arrival_a_little_ahead_of_the_servers_clock_is_taken_as_now()
    {
        await using var gateway = await Host.ConnectGateway("gw-1");
        var now = Host.Clock.Now;
        var reply = await gateway.Answer(Arrival("ahead", now + TimeSpan.FromSeconds(1)));
        Assert.That(reply.Accepted, Is.Not.Null, reply.ToString());

        var history = await Host.State.GetCallAsync(new GetCallRequest { CallId = "ahead" });
        Assert.That(history.Call.ArrivedAt.ToDateTimeOffset(), Is.EqualTo(now));
    }

    [TestCase(5.0, "ahead of the server's clock")]
    [TestCase(-2 * 60 * 60.0, "minutes ago")]
    public async Task An_arrival_beyond_the_clock_skew_or_older_than_a_gateway_holds_a_call_is_refused_naming_the_field(double secondsFromNow, string why)
    {
        await using var gateway = await Host.ConnectGateway("gw-1");
        var reply = await gateway.Answer(Arrival("odd-clock", Host.Clock.Now + TimeSpan.FromSeconds(secondsFromNow)));

        Assert.That(reply.Rejected, Is.Not.Null, reply.ToString());
        Assert.That((reply.Rejected.Code, reply.Rejected.Field), Is.EqualTo(("INVALID_ARGUMENT", "call_arrived.arrived_at")));
        Assert.That(reply.Rejected.Message, Does.Contain(why));
        var snapshot = await Host.State.GetSnapshotAsync(new GetSnapshotRequest());
        Assert.That(snapshot.Calls.Select(c => c.CallId), Does.Not.Contain("odd-clock"), "a refused arrival creates nothing");

        // The same call with a sound clock is taken: nothing of the refusal lingers.
        var again = await gateway.Answer(Arrival("odd-clock", Host.Clock.Now));
        Assert.That(again.Accepted, Is.Not.Null, again.ToString());
    }

    private static GatewayEvent Arrival(string call, DateTimeOffset arrivedAt) => new()
    {
        CallArrived = new CallArrived
        {
            CallId = call, QueueId = "sales", TierId = "Standard", CallerNumber = "+15550100", ArrivedAt = Timestamp.FromDateTimeOffset(arrivedAt),
        },
    };
}
