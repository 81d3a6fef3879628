using Akka.Actor;
using CallCenter.Routing.Agents.AgentActors;
using CallCenter.Routing.Agents.Calls;
using CallCenter.Routing.Agents.Domain;
using CallCenter.Routing.Lifecycle;
using CallCenter.Routing.Model;
using static CallCenter.Routing.Tests.Agents.DomainFixture;

namespace CallCenter.Routing.Tests.Agents;

/// <summary>
/// Calls that come back from the journal only waiting get their actors when first needed (or in the
/// background): until then they are routed, hung up, asked about and counted as if their actors ran.
/// </summary>
public sealed class RecoveredWaitingCallsSpec : ActorSpec
{
    private sealed class Journal(DomainJournalContents contents) : IDomainJournal
    {
        public Task<DomainJournalContents> LoadAsync(CancellationToken cancellation) => Task.FromResult(contents);
    }

    private IActorRef Restore(int startedAtOnce, params (string Call, string Tier)[] waiting)
    {
        var start = Clock.Now - TimeSpan.FromMinutes(1);
        var journals = waiting.Select((c, i) =>
        {
            var id = new CallId(c.Call);
            var at = start + TimeSpan.FromSeconds(i);
            return new CallJournal(id,
            [
                new CallEvent.Arrived(id, 1, at, Main, new TierId(c.Tier), false, null, [], at),
                new CallEvent.Queued(id, 2, at, Main, i + 1, null),
            ]);
        }).ToList();
        var fixture = new DomainFixture(this);
        var settings = fixture.Settings with { RecoveredCallsStartedAtOnce = startedAtOnce };
        var domain = Sys.ActorOf(RoutingDomainActor.Props(fixture.Configuration, settings, new Journal(new DomainJournalContents(1 << 20, journals, []))));
        var ready = domain.Ask<DomainProtocol.Ready>(DomainProtocol.WhenReady.Instance, TimeSpan.FromSeconds(5)).Result;
        Assert.That(ready.CallsRecovered, Is.EqualTo(waiting.Length));
        return domain;
    }

    private static Outcome Send(IActorRef domain, object message) => domain.Ask<CommandResult>(message, TimeSpan.FromSeconds(5)).Result.Outcome;

    [TestCase(0, TestName = "Recovered waiting calls started when first needed are offered in their order, hung up and asked about")]
    [TestCase(1, TestName = "Recovered waiting calls started in the background are offered in their order, hung up and asked about")]
    public void Recovered_waiting_calls_behave_as_if_their_actors_ran(int startedAtOnce)
    {
        var domain = Restore(startedAtOnce, ("w1", "Standard"), ("w2", "Standard"), ("w3", "VIP"), ("w4", "Standard"));
        var events = CreateTestProbe();
        Sys.FollowDomainEvents<CallEvent>(events.Ref);

        Assert.That(domain.Ask<CallState>(new CallProtocol.GetState(new CallId("w2")), TimeSpan.FromSeconds(5)).Result.Status, Is.EqualTo(CallStatus.Queued));
        Assert.That(Send(domain, new CallProtocol.HangUp(new CallId("w4"))).Code, Is.EqualTo(OutcomeCode.Ok));
        Assert.That(events.FishForMessage<CallEvent.Ended>(e => e.Call.Value == "w4").Outcome, Is.EqualTo(CallOutcome.AbandonedWhileWaiting));

        var agent = new AgentId("a1");
        var softphone = CreateTestProbe();
        Assert.That(Send(domain, new AgentProtocol.LogIn(agent, [new AgentSkill(Billing, 5)])).Code, Is.EqualTo(OutcomeCode.Ok));
        Assert.That(Send(domain, new AgentProtocol.Subscribe(agent, softphone.Ref)).Code, Is.EqualTo(OutcomeCode.Ok));
        Assert.That(Send(domain, new AgentProtocol.MakeAvailable(agent)).Code, Is.EqualTo(OutcomeCode.Ok));

        var served = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var offer = NextOffer(softphone);
            served.Add(offer.Call.Value);
            Assert.That(Send(domain, new AgentProtocol.Accept(agent, offer.Call, offer.Epoch)).Code, Is.EqualTo(OutcomeCode.Ok));
            Assert.That(events.FishForMessage<CallEvent.Connected>(e => e.Call == offer.Call).Connection.Agent, Is.EqualTo(agent));
            Assert.That(Send(domain, new AgentProtocol.HangUp(agent, offer.Call)).Code, Is.EqualTo(OutcomeCode.Ok));
            Assert.That(Send(domain, new AgentProtocol.FinishWrapUp(agent)).Code, Is.EqualTo(OutcomeCode.Ok));
        }

        Assert.That(served, Is.EqualTo(new[] { "w3", "w1", "w2" }), "VIP first, then by arrival; the hung-up call is not offered");
    }

    /// <summary>
    /// The call's Connected event was committed and the agent's checkpoints before or after it were not
    /// (a crash between two batches committing side by side): the agent comes back on that call (the calls'
    /// journal wins), not free for the next one, whichever change its last checkpoint shows.
    /// </summary>
    [TestCase("rung")]
    [TestCase("available before the offer")]
    [TestCase("not ready before it was available")]
    [TestCase("wrapping up the call before")]
    public void An_agent_whose_answer_only_the_calls_journal_holds_comes_back_on_that_call(string lastCheckpointed)
    {
        var at = Clock.Now - TimeSpan.FromMinutes(1);
        var talking = new CallId("talking");
        var waiting = new CallId("waiting");
        var agent = new AgentId("a1");
        CallJournal Waiting(CallId id, DateTimeOffset arrived) => new(id,
        [
            new CallEvent.Arrived(id, 1, arrived, Main, new TierId("Standard"), false, null, [], arrived),
            new CallEvent.Queued(id, 2, arrived, Main, 1, null),
        ]);
        var answered = Waiting(talking, at) with
        {
            Events =
            [
                .. Waiting(talking, at).Events,
                new CallEvent.Offered(talking, 3, at, new AgentAssignment(agent, 5)),
                new CallEvent.Connected(talking, 4, at, new AgentAssignment(agent, 5)),
            ],
        };
        var rung = new AgentSnapshot
        {
            Id = agent.Value, Status = AgentStatus.Reserved, Skills = [new AgentSkill(Billing, 5)], StatusSince = at,
            CurrentOffer = new CallAssignment(talking, 5), AvailableSince = at - TimeSpan.FromMinutes(1),
        };
        var checkpointed = lastCheckpointed switch
        {
            "rung" => rung,
            "available before the offer" => rung with { Status = AgentStatus.Available, CurrentOffer = null },
            "not ready before it was available" => rung with { Status = AgentStatus.NotReady, NotReadyReason = "coaching", CurrentOffer = null },
            _ => rung with
            {
                Status = AgentStatus.WrapUp, CurrentOffer = null, WrapUpEndsAt = at + TimeSpan.FromMinutes(5), CallsHandledToday = 3,
            },
        };
        var checkpoint = new AgentProtocol.Checkpoint(
            checkpointed, 7, null, null, checkpointed.CurrentOffer is null ? null : Main, false, at - TimeSpan.FromHours(1));
        var fixture = new DomainFixture(this);
        var domain = Sys.ActorOf(RoutingDomainActor.Props(fixture.Configuration, fixture.Settings,
            new Journal(new DomainJournalContents(1 << 20, [answered, Waiting(waiting, at + TimeSpan.FromSeconds(1))], [checkpoint]))));
        domain.Ask<DomainProtocol.Ready>(DomainProtocol.WhenReady.Instance, TimeSpan.FromSeconds(5)).Wait();

        var softphone = CreateTestProbe();
        Assert.That(Send(domain, new AgentProtocol.Subscribe(agent, softphone.Ref)).Code, Is.EqualTo(OutcomeCode.Ok));
        var state = domain.Ask<AgentState>(new AgentProtocol.GetState(agent), TimeSpan.FromSeconds(5)).Result;
        Assert.That((state.Status, state.CurrentCall), Is.EqualTo((AgentStatus.OnCall, (CallAssignment?)new CallAssignment(talking, 5))));

        var events = CreateTestProbe();
        Sys.FollowDomainEvents<CallEvent>(events.Ref);
        Assert.That(Send(domain, new AgentProtocol.HangUp(agent, talking)).Code, Is.EqualTo(OutcomeCode.Ok), "the agent ends the call it is on");
        Assert.That(events.FishForMessage<CallEvent.Ended>(e => e.Call == talking).Outcome, Is.EqualTo(CallOutcome.Answered));
        Assert.That(domain.Ask<CallState>(new CallProtocol.GetState(waiting), TimeSpan.FromSeconds(5)).Result.Status, Is.EqualTo(CallStatus.Queued),
            "the waiting call still waits: the agent is in wrap-up");
    }

    [Test]
    public void Recovered_waiting_calls_started_in_the_background_announce_their_place_again()
    {
        Restore(2, ("w1", "Standard"), ("w2", "Standard"), ("w3", "Standard"));
        var events = CreateTestProbe();
        Sys.FollowDomainEvents<CallEvent, CallEvent.PositionAnnounced>(events.Ref);

        // The background starts them two at a time; once all have started, their announcements run again.
        // Announcement intervals pass one by one in virtual time (the TestKit's own deadlines would pass with them).
        var announced = new HashSet<string>();
        for (var interval = 0; interval < 20 && announced.Count < 3; interval++)
        {
            Clock.Advance(TimeSpan.FromSeconds(30));
            announced.UnionWith(events.ReceiveWhile(TimeSpan.FromMilliseconds(200), m => ((CallEvent.PositionAnnounced)m).Call.Value));
        }

        Assert.That(announced, Is.EquivalentTo(new[] { "w1", "w2", "w3" }));
    }
}
