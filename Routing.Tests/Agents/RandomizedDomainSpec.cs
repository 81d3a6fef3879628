using Akka.Actor;
using Akka.TestKit;
using CallCenter.Routing.Agents.AgentActors;
using CallCenter.Routing.Agents.Calls;
using CallCenter.Routing.Agents.Domain;
using CallCenter.Routing.Lifecycle;
using CallCenter.Routing.Model;
using static CallCenter.Routing.Tests.Agents.DomainFixture;

namespace CallCenter.Routing.Tests.Agents;

/// <summary>
/// Thousands of calls, logins, logouts, answers (some stale), rejections, hang-ups, answers
/// racing hang-ups and callbacks thrown at a live domain in bursts that are not waited for, so
/// messages between the dispatcher, agents and calls interleave as they will. After every burst
/// the domain settles and every invariant is checked against the states of all agents and calls,
/// and against what the events say happened: an ended call is never connected.
/// </summary>
public sealed class RandomizedDomainSpec : ActorSpec
{
    private const int AgentCount = 16;

    [TestCase(1)]
    [TestCase(2)]
    [TestCase(3)]
    public void Invariants_hold_however_messages_interleave(int seed)
    {
        var random = new Random(seed);
        var domain = new DomainFixture(this);
        var agents = Enumerable.Range(0, AgentCount).Select(i => new AgentId("agent-" + i)).ToList();
        var skilled = agents.Where((_, i) => i % 2 == 0).ToHashSet();
        var calls = new List<CallId>();
        var offers = new List<(AgentId Agent, CallId Call, long Epoch)>();
        var offeredTo = new Dictionary<CallId, HashSet<AgentId>>();
        var lastSequence = new Dictionary<CallId, long>();
        var connections = new Dictionary<CallId, AgentId>();
        var answers = new AnswerLedger();
        var sent = 0;
        var races = 0;

        for (var step = 0; step < 1000; step++)
        {
            var burst = random.Next(1, 8);
            for (var i = 0; i < burst; i++)
            {
                sent++;
                var agent = agents[random.Next(agents.Count)];
                switch (random.Next(106))
                {
                    case < 22:
                        var call = new CallId($"call-{calls.Count}");
                        calls.Add(call);
                        var queue = random.Next(3) == 0 ? Spill : Main;
                        domain.Domain.Tell(new CallProtocol.Arrive(call, queue, new TierId(random.Next(2) == 0 ? "VIP" : "Standard")));
                        break;
                    case < 30:
                        var skills = skilled.Contains(agent) ? new List<AgentSkill> { new(Billing, 5) } : [];
                        domain.Domain.Tell(new AgentProtocol.LogIn(agent, skills));
                        domain.Domain.Tell(new AgentProtocol.MakeAvailable(agent));
                        break;
                    case < 34:
                        domain.Domain.Tell(new AgentProtocol.LogOut(agent));
                        break;
                    case < 40:
                        domain.Domain.Tell(new AgentProtocol.GoNotReady(agent, "break"));
                        break;
                    case < 50:
                        domain.Domain.Tell(new AgentProtocol.MakeAvailable(agent));
                        break;
                    case < 64 when offers.Count > 0:
                        // Sometimes the newest offer, sometimes an old (stale) one.
                        var accepted = offers[random.Next(2) == 0 ? offers.Count - 1 : random.Next(offers.Count)];
                        domain.Domain.Tell(new AgentProtocol.Accept(accepted.Agent, accepted.Call, accepted.Epoch));
                        break;
                    case < 70 when offers.Count > 0:
                        var rejected = offers[random.Next(offers.Count)];
                        domain.Domain.Tell(new AgentProtocol.Reject(rejected.Agent, rejected.Call, rejected.Epoch));
                        break;
                    case < 78 when calls.Count > 0:
                        // Mostly a recent call, sometimes any (a late or repeated hang-up).
                        var hangUp = random.Next(4) == 0 ? calls[random.Next(calls.Count)] : calls[Math.Max(0, calls.Count - 1 - random.Next(20))];
                        domain.Domain.Tell(new CallProtocol.HangUp(hangUp));
                        break;
                    case < 86 when connections.Count > 0:
                        var (talking, talker) = connections.ElementAt(random.Next(connections.Count));
                        domain.Domain.Tell(new AgentProtocol.HangUp(talker, talking));
                        break;
                    case < 88:
                        domain.Domain.Tell(new AgentProtocol.FinishWrapUp(agent));
                        break;
                    case < 91 when calls.Count > 0:
                        domain.Domain.Tell(new CallProtocol.RequestCallback(calls[random.Next(calls.Count)]));
                        break;
                    case < 97 when offers.Count > 0:
                        // An answer and the caller's hang-up at once, in either order, for a recent offer (most likely still ringing);
                        // sometimes the gateway reports the same answer again.
                        var (answering, answered, epoch) = offers[offers.Count - 1 - random.Next(Math.Min(3, offers.Count))];
                        object answer = new AgentProtocol.Accept(answering, answered, epoch), hangingUp = new CallProtocol.HangUp(answered);
                        if (random.Next(2) == 0)
                        {
                            (answer, hangingUp) = (hangingUp, answer);
                        }

                        domain.Domain.Tell(answer);
                        domain.Domain.Tell(hangingUp);
                        if (random.Next(4) == 0)
                        {
                            domain.Domain.Tell(new AgentProtocol.Accept(answering, answered, epoch));
                        }

                        races++;
                        break;
                    default:
                        Clock.Advance(TimeSpan.FromSeconds(random.Next(1, 12)));
                        break;
                }
            }

            // Let the burst play out, then look at everything.
            AwaitAssert(() => CheckEverything(domain, agents, calls, skilled, offeredTo), TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(20));
            Collect(domain, offers, offeredTo, lastSequence, connections, answers);
        }

        Assert.That(calls.Count, Is.GreaterThan(600), "the run made calls");
        TestContext.Out.WriteLine($"{calls.Count} calls, {offers.Count} offers, {sent} messages, {races} answers racing hang-ups, " +
            $"{answers.Connected} calls connected, {answers.EndedUnanswered} ended unanswered");
        Assert.That(offers.Count, Is.GreaterThan(200), "the run made offers");
        Assert.That(sent, Is.GreaterThan(1000));
        Assert.That(races, Is.GreaterThan(50), "the run raced answers against hang-ups");
        Assert.That(answers.Connected, Is.GreaterThan(100), "the run connected calls");
        Assert.That(answers.EndedUnanswered, Is.GreaterThan(100), "the run had calls end unanswered");
    }

    /// <summary>
    /// Reads the event streams: offers to answer later, who was offered what, the order of each call's
    /// events, and what the agents went on. The agents' events are read first: a call's connection is
    /// published before the agent goes on it, so every acceptance read has its connection read too.
    /// </summary>
    private static void Collect(
        DomainFixture domain, List<(AgentId, CallId, long)> offers, Dictionary<CallId, HashSet<AgentId>> offeredTo,
        Dictionary<CallId, long> lastSequence, Dictionary<CallId, AgentId> connections, AnswerLedger answers)
    {
        var agentEvents = Drain<AgentEvent>(domain.AgentEvents);
        foreach (var agentEvent in agentEvents)
        {
            if (agentEvent is AgentEvent.OfferReserved reserved)
            {
                offers.Add((reserved.Agent, reserved.Offer.Call, reserved.Offer.Epoch));
            }
        }

        foreach (var callEvent in Drain<CallEvent>(domain.CallEvents))
        {
            answers.Saw(callEvent);
            var previous = lastSequence.GetValueOrDefault(callEvent.Call);
            Assert.That(callEvent.Sequence, Is.EqualTo(previous + 1), $"events of {callEvent.Call} out of order");
            lastSequence[callEvent.Call] = callEvent.Sequence;
            switch (callEvent)
            {
                case CallEvent.Offered offered:
                    (offeredTo.TryGetValue(offered.Call, out var set) ? set : offeredTo[offered.Call] = []).Add(offered.Offer.Agent);
                    break;
                case CallEvent.Connected connected:
                    connections[connected.Call] = connected.Connection.Agent;
                    break;
                case CallEvent.Ended ended:
                    connections.Remove(ended.Call);
                    break;
            }
        }

        foreach (var agentEvent in agentEvents)
        {
            answers.Saw(agentEvent);
        }
    }

    /// <summary>
    /// What the events say of answers: an agent goes on a call (OfferAccepted) only once that call has
    /// connected it, and no agent goes on or wraps up a call that ended unanswered. (The run makes no
    /// transfers, so a connected call can only end answered or as a completed callback.)
    /// </summary>
    private sealed class AnswerLedger
    {
        private readonly HashSet<(AgentId Agent, CallId Call, long Epoch)> _connections = [];
        private readonly HashSet<CallId> _takenByAgents = [];
        private readonly Dictionary<CallId, CallOutcome> _endedUnanswered = [];

        public int Connected => _connections.Count;

        public int EndedUnanswered => _endedUnanswered.Count;

        public void Saw(CallEvent callEvent)
        {
            switch (callEvent)
            {
                case CallEvent.Connected connected:
                    _connections.Add((connected.Connection.Agent, connected.Call, connected.Connection.Epoch));
                    break;
                case CallEvent.Ended { Outcome: not (CallOutcome.Answered or CallOutcome.CallbackCompleted) } ended:
                    _endedUnanswered[ended.Call] = ended.Outcome;
                    Require(!_takenByAgents.Contains(ended.Call), $"{ended.Call} ended {ended.Outcome}, yet an agent went on it");
                    break;
            }
        }

        public void Saw(AgentEvent agentEvent)
        {
            switch (agentEvent)
            {
                case AgentEvent.OfferAccepted accepted:
                    Require(_connections.Contains((accepted.Agent, accepted.Offer.Call, accepted.Offer.Epoch)),
                        $"{accepted.Agent} went on {accepted.Offer} before (or without) the call connecting it");
                    TakenBy(accepted.Agent, accepted.Offer.Call);
                    break;
                case AgentEvent.CallHandled handled:
                    TakenBy(handled.Agent, handled.Call.Call);
                    break;
            }
        }

        private void TakenBy(AgentId agent, CallId call)
        {
            _takenByAgents.Add(call);
            Require(!_endedUnanswered.TryGetValue(call, out var outcome), $"{agent} went on (or wrapped up) {call}, which ended {outcome}");
        }
    }

    private static List<T> Drain<T>(TestProbe probe)
    {
        var messages = new List<T>();
        while (probe.HasMessages)
        {
            messages.Add((T)probe.ReceiveOne(TimeSpan.Zero)!);
        }

        return messages;
    }

    private static void CheckEverything(
        DomainFixture domain, List<AgentId> agents, List<CallId> calls, HashSet<AgentId> skilled,
        Dictionary<CallId, HashSet<AgentId>> offeredTo)
    {
        var agentStates = agents.ToDictionary(a => a, a => domain.AgentState(a.Value));
        var callStates = new Dictionary<CallId, CallState>();
        foreach (var call in calls)
        {
            try
            {
                callStates[call] = domain.CallState(call.Value);
            }
            catch (AggregateException)
            {
                // Retired or never accepted: nothing to check.
            }
        }

        var ringingAt = new Dictionary<AgentId, CallId>();
        var connectedTo = new Dictionary<AgentId, CallId>();
        foreach (var (id, call) in callStates)
        {
            if (call.Status == CallStatus.Ringing)
            {
                var offer = call.Offer!.Value;
                Require(ringingAt.TryAdd(offer.Agent, id), $"{offer.Agent} rings for two calls");
                var agent = agentStates[offer.Agent];
                Require(agent.CurrentOffer == new CallAssignment(id, offer.Epoch),
                    $"{id} rings at {offer.Agent} (epoch {offer.Epoch}), which holds {agent.CurrentOffer} ({agent.Status})");
            }

            if (call.Status == CallStatus.Connected)
            {
                var connection = call.Connection!.Value;
                Require(connectedTo.TryAdd(connection.Agent, id), $"{connection.Agent} is connected to two calls");
                var agent = agentStates[connection.Agent];
                Require(agent.CurrentCall?.Call == id, $"{id} is connected to {connection.Agent}, which is {agent.Status} with {agent.CurrentCall}");
            }
        }

        foreach (var (id, agent) in agentStates)
        {
            if (agent.CurrentOffer is { } offer)
            {
                Require(ringingAt.GetValueOrDefault(id) == offer.Call, $"{id} holds an offer of {offer} that no call rings for");
            }

            if (agent.CurrentCall is { } current && agent.Status == AgentStatus.OnCall)
            {
                Require(connectedTo.GetValueOrDefault(id) == current.Call, $"{id} is on {current.Call}, which is not connected to it");
            }
        }

        // No call waits while a free agent who may take it, and was never offered it, stands idle.
        foreach (var (id, call) in callStates.Where(c => c.Value.Status is CallStatus.Queued or CallStatus.CallbackRequested))
        {
            foreach (var (agentId, agent) in agentStates)
            {
                var suitable = call.Queue == Main || skilled.Contains(agentId);
                var declinedBefore = offeredTo.TryGetValue(id, out var set) && set.Contains(agentId);
                if (agent.Status == AgentStatus.Available && suitable && !declinedBefore)
                {
                    Require(false, $"{id} waits in {call.Queue} while {agentId} is available");
                }
            }
        }
    }

    /// <summary>Throws without recording a failure, so a check retried until the domain settles does not fail the test early.</summary>
    private static void Require(bool condition, string message)
    {
        if (!condition)
        {
            throw new AssertionException(message);
        }
    }
}
