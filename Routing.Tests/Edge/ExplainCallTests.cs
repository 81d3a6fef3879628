using CallCenter.Protos.V1;

namespace CallCenter.Routing.Tests.Edge;

/// <summary>
/// Reports.ExplainCall over real gRPC, from what the server logged to its PostgreSQL: the candidates
/// each decision weighed, the runner-up and what decided, and why a call waited.
/// </summary>
public sealed class ExplainCallTests : ServerPerTest
{
    private Protos.V1.Reports.ReportsClient ReportsClient => new(Host.Channel);

    [Test]
    public async Task A_call_goes_to_the_agent_idle_longest_and_the_log_says_whom_it_beat()
    {
        await using var gateway = await Host.ConnectGateway("gw-1");
        await using var ann = await Host.AgentReady("ann", ("billing", 5));
        Host.Clock.Advance(TimeSpan.FromSeconds(10));
        await using var ben = await Host.AgentReady("ben", ("billing", 8));

        await gateway.Arrive("call-1", "billing");
        Assert.That((await ann.Offer("call-1")).Offer.CallId, Is.EqualTo("call-1"));

        var why = await ExplainOnceDecided("call-1");
        var decision = why.Decisions.Single();
        using (Assert.EnterMultipleScope())
        {
            Assert.That((decision.Chose, decision.Considered, decision.TieBreak), Is.EqualTo(("agent", 2, "idle-time")));
            Assert.That(decision.Candidates.Select(c => (c.AgentId, c.Chosen)), Is.EqualTo(new[] { ("ann", true), ("ben", false) }));
            var (chosen, next) = (decision.Candidates[0], decision.Candidates[1]);
            Assert.That(next.IdleSince.ToDateTime() - chosen.IdleSince.ToDateTime(), Is.EqualTo(TimeSpan.FromSeconds(10)), "ann was idle 10 s longer");
            Assert.That((chosen.Proficiency, next.Proficiency), Is.EqualTo((5, 8)), "ben's better level did not count under LongestIdle");
            Assert.That(decision.Reason, Does.StartWith("ann was chosen over 1 other suitable idle agent(s); the closest, ben, came second on idle time"));
            Assert.That(why.Summary, Does.Contain(decision.Reason));
        }
    }

    [Test]
    public async Task A_call_goes_to_the_most_proficient_agent_where_the_queue_says_so()
    {
        await using var gateway = await Host.ConnectGateway("gw-1");
        await using var tom = await Host.AgentReady("tom", ("technical", 6));
        Host.Clock.Advance(TimeSpan.FromSeconds(10)); // tom idles longer, which the queue's BestProficiency does not weigh first
        await using var tim = await Host.AgentReady("tim", ("technical", 9));

        await gateway.Arrive("tech-1", "technical");
        Assert.That((await tim.Offer("tech-1")).Offer.CallId, Is.EqualTo("tech-1"));

        var decision = (await ExplainOnceDecided("tech-1")).Decisions.Single();
        Assert.That((decision.AgentId, decision.TieBreak, decision.Candidates[1].AgentId), Is.EqualTo(("tim", "proficiency", "tom")));
        Assert.That(decision.Reason, Does.EndWith("the closest, tom, came second on proficiency (9 against 6 in the required skills)."));
    }

    [Test]
    public async Task A_Standard_call_passed_over_for_a_VIP_says_so_while_it_waits_and_after()
    {
        await using var gateway = await Host.ConnectGateway("gw-1");
        await gateway.Arrive("standard", "sales", "Standard");
        Host.Clock.Advance(TimeSpan.FromSeconds(5));
        await gateway.Arrive("vip", "sales", "VIP");

        await using var sam = await Host.AgentReady("sam", ("sales", 3));
        var offer = await sam.Offer();
        Assert.That(offer.Offer.CallId, Is.EqualTo("vip"));

        var vip = (await ExplainOnceDecided("vip")).Decisions.Single();
        Assert.That((vip.Chose, vip.Considered, vip.TieBreak, vip.Candidates[1].CallId), Is.EqualTo(("call", 2, "band", "standard")));
        Assert.That(vip.Candidates.Select(c => c.TierId), Is.EqualTo(new[] { "VIP", "Standard" }));
        Assert.That(vip.Reason, Does.EndWith("the next, standard, came second on band (tier VIP before tier Standard)."));

        var waiting = await ReportsClient.ExplainCallAsync(new ExplainCallRequest { CallId = "standard" });
        using (Assert.EnterMultipleScope())
        {
            Assert.That(waiting.Decisions, Is.Empty);
            Assert.That(waiting.PassedOver.Select(p => (p.CallId, p.AgentId, p.TieBreak)), Is.EqualTo(new[] { ("vip", "sam", "band") }));
            Assert.That(waiting.Summary, Does.StartWith("Never offered to an agent: it waited in sales (position 1 at "));
            Assert.That(waiting.Summary, Does.Contain("while no agent with the skills it needs was staffed)"), "nobody was logged in for sales when it arrived");
            Assert.That(waiting.Summary, Does.Contain("While it waited, 1 call(s) went ahead of it: at ")
                .And.EndWith(" sam took vip, which came first on band (tier VIP before tier Standard)."));
        }

        // sam finishes with the VIP; the Standard call is next, and its explanation keeps the VIP that went first.
        await Host.Softphone.AcceptOfferAsync(new OfferAnswer { AgentId = "sam", CallId = "vip", Epoch = offer.Offer.Epoch });
        await sam.Expect(u => u.Assignment is not null);
        await Host.Softphone.EndCallAsync(new CallRequest { AgentId = "sam", CallId = "vip" });
        await Host.Softphone.FinishWrapUpAsync(new FinishWrapUpRequest { AgentId = "sam", CallId = "vip", DispositionCode = "done" });
        await sam.Offer("standard");

        var served = await ExplainOnceDecided("standard");
        Assert.That(served.Decisions.Single().Reason, Is.EqualTo("It was the only one of the waiting calls sam could take."));
        Assert.That(served.Summary, Does.StartWith("Offered to sam when sam became free, as the best call it could take, under its queue's full skill requirement"));
        Assert.That(served.Summary, Does.Contain("While it waited, 1 call(s) went ahead of it: at"));
    }

    [Test]
    public async Task Two_calls_equal_in_all_else_go_in_the_order_they_reached_the_server()
    {
        await using var gateway = await Host.ConnectGateway("gw-1");
        // The clock does not move between them: same tier, same queue, same arrival time.
        await gateway.Arrive("first", "billing");
        await gateway.Arrive("second", "billing");

        await using var ann = await Host.AgentReady("ann", ("billing", 5));
        Assert.That((await ann.Offer()).Offer.CallId, Is.EqualTo("first"));

        var decision = (await ExplainOnceDecided("first")).Decisions.Single();
        var (chosen, next) = (decision.Candidates[0], decision.Candidates[1]);
        using (Assert.EnterMultipleScope())
        {
            Assert.That((decision.TieBreak, next.CallId), Is.EqualTo(("arrival-order", "second")));
            Assert.That((next.WaitingSince, next.QueuePriority, next.Band), Is.EqualTo((chosen.WaitingSince, chosen.QueuePriority, chosen.Band)));
            Assert.That(chosen.ArrivalOrder, Is.LessThan(next.ArrivalOrder));
            Assert.That(decision.Reason, Does.EndWith(
                "the next, second, came second on arrival order (equal in band, time waited and queue priority, first reached the server first)."));
        }

        var second = await ReportsClient.ExplainCallAsync(new ExplainCallRequest { CallId = "second" });
        Assert.That(second.PassedOver.Single().TieBreak, Is.EqualTo("arrival-order"));
    }

    [Test]
    public async Task A_call_nobody_staffed_can_take_says_so()
    {
        await using var gateway = await Host.ConnectGateway("gw-1");
        await using var ann = await Host.AgentReady("ann", ("billing", 9));
        await gateway.Arrive("tech-call", "technical");

        var why = await ReportsClient.ExplainCallAsync(new ExplainCallRequest { CallId = "tech-call" });

        Assert.That(why.Summary, Does.StartWith("Never offered to an agent: it waited in technical (position 1 at ")
            .And.Contain("while no agent with the skills it needs was staffed)."));
        Assert.That(why.PassedOver, Is.Empty);
    }

    /// <summary>Decisions reach the log after the offer, not before the gateway's acknowledgement: wait for the call's to be committed.</summary>
    private async Task<CallExplanation> ExplainOnceDecided(string callId)
    {
        CallExplanation? explanation = null;
        await EdgeHost.WaitUntil(async () =>
        {
            explanation = await ReportsClient.ExplainCallAsync(new ExplainCallRequest { CallId = callId });
            return explanation.Decisions.Count > 0;
        }, $"the decision for {callId} is logged");
        return explanation!;
    }
}
