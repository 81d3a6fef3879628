using System.Text.RegularExpressions;
using CallCenter.Protos.V1;
using CallCenter.Routing.Host.Edge;
using CallCenter.Routing.Lifecycle;
using CallCenter.Routing.Model;
using CallCenter.Routing.Tests.InteractionLog;
using Google.Protobuf;

namespace CallCenter.Routing.Tests.Edge;

/// <summary>Every kind of call event reads, in GetCall, as its own typed case with what the event says.</summary>
public sealed class CallEventViewTests
{
    private static IEnumerable<TestCaseData> EveryKind() =>
        JournalRoundTripTests.EveryKind().Select(c => new TestCaseData(c.Arguments[0]).SetName(c.TestName!.Replace("A row gives back the event", "A typed view")));

    [TestCaseSource(nameof(EveryKind))]
    public void Each_kind_has_its_own_case_named_after_it(CallEvent callEvent)
    {
        var view = callEvent.ToProto();

        var expectedCase = Regex.Replace(callEvent.GetType().Name, "(?<=[a-z])([A-Z])", "_$1").ToLowerInvariant();
        Assert.That(view.Kind, Is.EqualTo(expectedCase));
        Assert.That(CallEventView.Descriptor.FindFieldByNumber((int)view.EventCase).Name, Is.EqualTo(expectedCase));
        Assert.That((view.Sequence, view.At.ToDateTimeOffset()), Is.EqualTo((callEvent.Sequence, callEvent.At)));
    }

    [TestCaseSource(nameof(EveryKind))]
    public void Every_agent_and_queue_the_event_names_is_in_its_view(CallEvent callEvent)
    {
        var shown = JsonFormatter.Default.Format(callEvent.ToProto());
        foreach (var id in NamedIds(callEvent))
        {
            Assert.That(shown, Does.Contain($"\"{id}\""), $"{callEvent.GetType().Name} names {id}");
        }
    }

    [Test]
    public void The_check_of_named_ids_sees_the_ids_of_most_kinds()
    {
        var kindsNamingIds = JournalRoundTripTests.EveryKind().Select(c => (CallEvent)c.Arguments[0]!).Where(e => NamedIds(e).Any()).Select(e => e.GetType()).Distinct();
        Assert.That(kindsNamingIds.Count(), Is.GreaterThanOrEqualTo(15));
    }

    [Test]
    public void An_offer_that_came_back_says_why_in_the_words_of_the_edge()
    {
        var offer = new AgentAssignment(new AgentId("alice"), 7);
        var view = new CallEvent.OfferReturned(new CallId("c"), 3, DateTimeOffset.UnixEpoch, offer, OfferReturnReason.TimedOut).ToProto();
        Assert.That((view.OfferReturned.AgentId, view.OfferReturned.Epoch, view.OfferReturned.Reason), Is.EqualTo(("alice", 7L, "timed-out")));
    }

    private static IEnumerable<string> NamedIds(CallEvent callEvent)
    {
        foreach (var property in callEvent.GetType().GetProperties().Where(p => p.Name != nameof(CallEvent.Call)))
        {
            switch (property.GetValue(callEvent))
            {
                case AgentId agent:
                    yield return agent.Value;
                    break;
                case QueueId queue:
                    yield return queue.Value;
                    break;
                case AgentAssignment assignment:
                    yield return assignment.Agent.Value;
                    break;
                case CallTransfer transfer:
                    yield return transfer.FromAgent.Value;
                    yield return transfer.FromQueue.Value;
                    yield return (transfer.Target.Queue?.Value ?? transfer.Target.Agent?.Value)!;
                    break;
            }
        }
    }
}
