using CallCenter.Protos.V1;
using CallCenter.Routing.Host.Configuration;
using CallCenter.Routing.Host.Edge;

namespace CallCenter.Routing.Tests.Edge;

/// <summary>A gateway's remembered event ids, without a server: each event is carried out once, and a repeat is answered from what is kept.</summary>
public sealed class GatewayLinkTests
{
    [Test]
    public async Task A_repeat_of_an_accepted_event_is_acknowledged_as_a_duplicate_without_being_carried_out_again()
    {
        var link = new GatewayLink("gw", new EdgeSettings());
        var carriedOut = 0;

        var first = await link.Once("e1", () => { carriedOut++; return Task.FromResult(Accepted("e1")); });
        var again = await link.Once("e1", () => { carriedOut++; return Task.FromResult(Accepted("e1")); });

        Assert.That((first.Accepted.Duplicate, again.Accepted.EventId, again.Accepted.Duplicate, carriedOut), Is.EqualTo((false, "e1", true, 1)));
    }

    [Test]
    public async Task A_repeat_while_the_event_is_being_carried_out_waits_for_its_answer()
    {
        var link = new GatewayLink("gw", new EdgeSettings());
        var answer = new TaskCompletionSource<GatewayReply>();

        var first = link.Once("e1", () => answer.Task);
        var again = link.Once("e1", () => throw new AssertionException("carried out twice"));
        Assert.That(again.IsCompleted, Is.False);
        answer.SetResult(Accepted("e1"));

        Assert.That(((await first).Accepted.Duplicate, (await again).Accepted.Duplicate), Is.EqualTo((false, true)));
    }

    [Test]
    public async Task A_repeat_of_a_rejected_event_gets_the_same_rejection_and_one_told_to_try_again_is_carried_out_anew()
    {
        var link = new GatewayLink("gw", new EdgeSettings());
        var refused = Rejected("e1", "NOT_FOUND");
        await link.Once("e1", () => Task.FromResult(refused));
        Assert.That(await link.Once("e1", () => throw new AssertionException("carried out twice")), Is.SameAs(refused));

        await link.Once("e2", () => Task.FromResult(Rejected("e2", "UNAVAILABLE")));
        var resent = await link.Once("e2", () => Task.FromResult(Accepted("e2")));
        Assert.That(resent.Accepted.Duplicate, Is.False, "carried out again");
    }

    [Test]
    public async Task An_overload_refusal_is_not_remembered_so_the_resend_is_carried_out_once_the_overload_is_over()
    {
        var link = new GatewayLink("gw", new EdgeSettings());
        var carriedOut = 0;

        var refused = await link.Once("e1", () => { carriedOut++; return Task.FromResult(Rejected("e1", "RESOURCE_EXHAUSTED")); });
        var resent = await link.Once("e1", () => { carriedOut++; return Task.FromResult(Accepted("e1")); });
        var again = await link.Once("e1", () => { carriedOut++; return Task.FromResult(Accepted("e1")); });

        Assert.That(refused.Rejected.Code, Is.EqualTo("RESOURCE_EXHAUSTED"));
        Assert.That((resent.Accepted.Duplicate, again.Accepted.Duplicate, carriedOut), Is.EqualTo((false, true, 2)),
            "the resend was carried out; once accepted, its id is remembered as any other");
    }

    [Test]
    public async Task Only_the_last_event_ids_up_to_the_bound_are_remembered_even_when_one_is_answered_after_it_was_pushed_out()
    {
        var link = new GatewayLink("gw", new EdgeSettings { RememberedEventIds = 2 });
        var slow = new TaskCompletionSource<GatewayReply>();
        var first = link.Once("e1", () => slow.Task);
        await link.Once("e2", () => Task.FromResult(Accepted("e2")));
        await link.Once("e3", () => Task.FromResult(Accepted("e3")));
        slow.SetResult(Accepted("e1"));
        await first;

        var carriedOut = 0;
        var e1 = await link.Once("e1", () => { carriedOut++; return Task.FromResult(Accepted("e1")); });
        Assert.That((e1.Accepted.Duplicate, carriedOut), Is.EqualTo((false, 1)), "e1 was pushed out and stays out");
        Assert.That((await link.Once("e3", () => throw new AssertionException("carried out twice"))).Accepted.Duplicate, Is.True);
    }

    private static GatewayReply Accepted(string id) => new() { Accepted = new EventAccepted { EventId = id } };

    private static GatewayReply Rejected(string id, string code) => new() { Rejected = new EventRejected { EventId = id, Code = code } };
}
