using CallCenter.Protos.V1;
using Dapper;
using Grpc.Core;

namespace CallCenter.Routing.Tests.Edge;

/// <summary>A softphone on its session stream: commands and their results among the agent's updates.</summary>
public sealed class SoftphoneSessionTests : ServerPerTest
{
    [Test]
    public async Task A_call_is_offered_accepted_ended_and_wrapped_up_on_one_stream()
    {
        await using var gateway = await Host.ConnectGateway("gw-1");
        await Host.Softphone.LogInAsync(LogIn("alice", "billing"));
        await using var alice = await Host.OpenSession("alice");

        var available = await alice.Run(new SoftphoneCommand { SetState = new SetStateRequest { Available = new Available() } });
        Assert.That((available.Code, available.Changed), Is.EqualTo(("", true)), available.ToString());
        await alice.Expect(u => u.StateChanged?.To == AgentStatus.Available, "available");

        await gateway.Arrive("call-1", "billing", "Standard");
        var offer = await alice.Offer("call-1");
        var answer = new OfferAnswer { CallId = "call-1", Epoch = offer.Offer.Epoch };
        var accepted = await alice.Run(new SoftphoneCommand { AcceptOffer = answer });
        Assert.That((accepted.Code, accepted.Changed), Is.EqualTo(("", true)), accepted.ToString());
        var again = await alice.Run(new SoftphoneCommand { AcceptOffer = answer });
        Assert.That((again.Code, again.Changed), Is.EqualTo(("", false)), "a repeated accept changes nothing");
        Assert.That((await alice.Expect(u => u.Assignment is not null, "assignment")).Assignment.CallId, Is.EqualTo("call-1"));
        await gateway.Update("call-1", CallUpdate.UpdateOneofCase.ConnectAgent);

        var hangUp = await alice.Run(new SoftphoneCommand { EndCall = new CallRequest { CallId = "call-1" } });
        Assert.That(hangUp.Code, Is.Empty, hangUp.ToString());
        var ended = await gateway.Update("call-1", CallUpdate.UpdateOneofCase.Ended);
        Assert.That(ended.CallUpdate.Ended.Outcome, Is.EqualTo(CallOutcome.Answered));
        await alice.Expect(u => u.StateChanged?.To == AgentStatus.WrapUp, "wrap-up");

        var wrapUp = await alice.Run(new SoftphoneCommand
        {
            FinishWrapUp = new FinishWrapUpRequest { CallId = "call-1", DispositionCode = "resolved", SatisfactionScore = 4 },
        });
        Assert.That((wrapUp.Code, wrapUp.Changed), Is.EqualTo(("", true)), wrapUp.ToString());
        await alice.Expect(u => u.StateChanged?.To == AgentStatus.Available, "available after wrap-up");

        await using var database = Host.Database();
        await EdgeHost.WaitUntil(async () => (await database.QueryAsync<string>(
            "SELECT disposition_code FROM interactions WHERE call_id = 'call-1' AND disposition_code IS NOT NULL")).Any(), "the disposition is logged");
        var logged = await database.QuerySingleAsync<(string Agent, string Disposition, short Score)>(
            "SELECT agent_id, disposition_code, satisfaction_score FROM interactions WHERE call_id = 'call-1'");
        Assert.That(logged, Is.EqualTo(("alice", "resolved", (short)4)));
    }

    /// <summary>
    /// The softphone's accept and the gateway's hang-up sent together, each first in turn: a call is
    /// either connected (and ends answered, the agent wrapping up) or the accept is refused naming the
    /// call (and it ends abandoned while ringing, the agent free); never an accepted answer for a call
    /// that ended unanswered.
    /// </summary>
    [Test]
    public async Task An_accept_racing_the_callers_hang_up_is_connected_or_refused_never_both()
    {
        await using var gateway = await Host.ConnectGateway("gw-1");
        await Host.Softphone.LogInAsync(LogIn("alice", "billing"));
        await using var alice = await Host.OpenSession("alice");
        await alice.Run(new SoftphoneCommand { SetState = new SetStateRequest { Available = new Available() } });
        var refused = new List<string>();
        for (var round = 0; round < 10; round++)
        {
            var call = $"call-{round}";
            await gateway.Arrive(call, "billing");
            var offer = await alice.Offer(call);
            var accept = new SoftphoneCommand { CommandId = $"accept-{round}", AcceptOffer = new OfferAnswer { CallId = call, Epoch = offer.Offer.Epoch } };
            var hangUp = new GatewayEvent { EventId = $"hang-up-{round}", CallHungUp = new CallHungUp { CallId = call } };
            if (round % 2 == 0)
            {
                await alice.Send(accept);
                await gateway.Send(hangUp);
            }
            else
            {
                await gateway.Send(hangUp);
                await alice.Send(accept);
            }

            var result = await alice.ResultOf(accept.CommandId);
            Assert.That((await gateway.AnswerTo(hangUp.EventId)).Accepted, Is.Not.Null, "the hang-up");
            var ended = (await gateway.Update(call, CallUpdate.UpdateOneofCase.Ended)).CallUpdate.Ended;
            if (result.Code == "")
            {
                Assert.That(ended.Outcome, Is.EqualTo(CallOutcome.Answered), $"{call} was accepted");
                await alice.Expect(u => u.Assignment?.CallId == call, $"assignment of {call}");
                await alice.Expect(u => u.StateChanged?.To == AgentStatus.WrapUp, "wrap-up");
                await alice.Run(new SoftphoneCommand { FinishWrapUp = new FinishWrapUpRequest { CallId = call } });
            }
            else
            {
                refused.Add(call);
                Assert.That((result.Code, result.Field, ended.Outcome),
                    Is.EqualTo(("FAILED_PRECONDITION", "accept_offer.call_id", CallOutcome.AbandonedWhileRinging)), $"{call} was refused: {result}");
                var revoked = await alice.Expect(u => u.Revoked?.CallId == call, $"revocation of {call}");
                Assert.That(revoked.Revoked.Reason, Is.EqualTo("caller-hung-up"));
            }
        }

        alice.ExpectNone(u => refused.Contains(u.Assignment?.CallId ?? ""), "an assignment of a refused call");
        TestContext.Out.WriteLine($"{refused.Count} of 10 accepts lost the race");
    }

    private static IEnumerable<TestCaseData> BadCommands()
    {
        yield return Case(new SoftphoneCommand { AcceptOffer = new OfferAnswer { Epoch = 1 } }, "INVALID_ARGUMENT", "accept_offer.call_id", "no call");
        yield return Case(new SoftphoneCommand { SetState = new SetStateRequest { AgentId = "bob", Available = new Available() } },
            "INVALID_ARGUMENT", "set_state.agent_id", "another agent");
        yield return Case(new SoftphoneCommand { SetState = new SetStateRequest() }, "INVALID_ARGUMENT", "set_state.state", "no state");
        yield return Case(new SoftphoneCommand { SetState = new SetStateRequest { NotReady = new NotReady() } },
            "INVALID_ARGUMENT", "set_state.not_ready.reason", "not ready without a reason");
        yield return Case(new SoftphoneCommand { FinishWrapUp = new FinishWrapUpRequest { CallId = "c", SatisfactionScore = 9 } },
            "INVALID_ARGUMENT", "finish_wrap_up.satisfaction_score", "score out of range");
        yield return Case(new SoftphoneCommand { RequestTransfer = new AgentTransferRequest { CallId = "c" } },
            "INVALID_ARGUMENT", "request_transfer.to_queue_id", "transfer with no target");
        yield return Case(new SoftphoneCommand(), "INVALID_ARGUMENT", "command", "no command");
        yield return Case(new SoftphoneCommand { Open = new AgentRequest { AgentId = "alice" } }, "FAILED_PRECONDITION", "open", "opened twice");
        yield return Case(new SoftphoneCommand { AcceptOffer = new OfferAnswer { CallId = "nobody-rang", Epoch = 7 } },
            "NOT_FOUND", "accept_offer.call_id", "accepting an offer for a call that never arrived");

        static TestCaseData Case(SoftphoneCommand command, string code, string field, string name) =>
            new TestCaseData(command, code, field).SetName($"Bad session command: {name}");
    }

    [TestCaseSource(nameof(BadCommands))]
    public async Task Bad_session_command(SoftphoneCommand command, string code, string field)
    {
        await Host.Softphone.LogInAsync(LogIn("alice", "billing"));
        await using var alice = await Host.OpenSession("alice");

        var result = await alice.Run(command);

        Assert.That((result.Code, result.Field), Is.EqualTo((code, field)), result.ToString());
        Assert.That(result.Message, Is.Not.Empty.And.Not.StartWith(field), "the message is for people; the field has its own");
        var heartbeat = await alice.Run(new SoftphoneCommand { Heartbeat = new AgentRequest() });
        Assert.That(heartbeat.Code, Is.Empty, "the session goes on after a refused command");
    }

    [Test]
    public async Task A_session_must_open_first()
    {
        await using var session = new SoftphoneCommandStream(Host.Softphone.Session());
        await session.Send(new SoftphoneCommand { CommandId = "1", Heartbeat = new AgentRequest { AgentId = "alice" } });

        var ended = await session.Ended();

        Assert.That(ended?.StatusCode, Is.EqualTo(StatusCode.FailedPrecondition));
        Assert.That(ended!.Status.Detail, Does.StartWith("open"));
    }

    [Test]
    public async Task A_session_opened_for_no_agent_is_refused()
    {
        await using var session = new SoftphoneCommandStream(Host.Softphone.Session());
        await session.Open("");

        var ended = await session.Ended();

        Assert.That(ended?.StatusCode, Is.EqualTo(StatusCode.InvalidArgument));
        Assert.That(ended!.Status.Detail, Does.StartWith("open.agent_id"));
    }

    [Test]
    public async Task Closing_the_command_side_ends_the_session_after_every_command_is_answered()
    {
        await Host.Softphone.LogInAsync(LogIn("alice", "billing"));
        await using var alice = await Host.OpenSession("alice");
        var ids = Enumerable.Range(1, 20).Select(i => $"h{i}").ToList();
        foreach (var id in ids)
        {
            await alice.Send(new SoftphoneCommand { CommandId = id, Heartbeat = new AgentRequest() });
        }

        await alice.Close();
        var ended = await alice.Ended();

        Assert.That(ended, Is.Null, "a clean end");
        Assert.That(alice.Unread.Where(u => u.Result is not null).Select(u => u.Result.CommandId), Is.EquivalentTo(ids));
    }

    [Test]
    public async Task Updates_and_results_reach_a_session_and_a_subscription_of_the_same_agent()
    {
        await Host.Softphone.LogInAsync(LogIn("alice", "billing"));
        await using var subscription = await Host.Subscribe("alice");
        await using var alice = await Host.OpenSession("alice");

        await alice.Run(new SoftphoneCommand { SetState = new SetStateRequest { Available = new Available() } });

        await subscription.Expect(u => u.StateChanged?.To == AgentStatus.Available, "available on the subscription");
        await alice.Expect(u => u.StateChanged?.To == AgentStatus.Available, "available on the session");
        subscription.ExpectNone(u => u.Result is not null, "a session's result on a subscription");
    }

    [Test]
    public async Task A_session_that_drops_loses_the_softphone()
    {
        await Host.Softphone.LogInAsync(LogIn("alice", "billing"));
        var alice = await Host.OpenSession("alice");
        await alice.Run(new SoftphoneCommand { SetState = new SetStateRequest { Available = new Available() } });
        Assert.That((await Host.State.GetQueueAsync(new GetQueueRequest { QueueId = "billing" })).AgentsAvailable, Is.EqualTo(1));

        await alice.DisposeAsync();

        await EdgeHost.WaitUntil(async () => (await Host.State.GetQueueAsync(new GetQueueRequest { QueueId = "billing" })).AgentsAvailable == 0,
            "the lost agent is out of routing");
        await using var back = await Host.OpenSession("alice");
        var returned = await back.Run(new SoftphoneCommand { Heartbeat = new AgentRequest() });
        Assert.That(returned.Code, Is.Empty, "a new session works at once");
        await EdgeHost.WaitUntil(async () => (await Host.State.GetQueueAsync(new GetQueueRequest { QueueId = "billing" })).AgentsAvailable == 1,
            "alice is routable again");
    }

    private static LogInRequest LogIn(string agent, string skill)
    {
        var login = new LogInRequest { AgentId = agent };
        login.Skills.Add(new Protos.V1.AgentSkill { SkillId = skill, Level = 5 });
        return login;
    }
}
