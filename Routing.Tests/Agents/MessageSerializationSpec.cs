using CallCenter.Routing.Agents.AgentActors;
using CallCenter.Routing.Agents.Calls;
using CallCenter.Routing.Lifecycle;
using CallCenter.Routing.Model;

namespace CallCenter.Routing.Tests.Agents;

/// <summary>Messages between an agent and a call could cross a cluster: each survives Akka's serialization as it is.</summary>
public sealed class MessageSerializationSpec : ActorSpec
{
    private static readonly object[] Messages =
    [
        new CallProtocol.Connect(new CallId("call-1"), new AgentId("alice"), 7),
        new AgentProtocol.ConnectReply(new CallId("call-1"), 7, Outcome.Ok),
        new AgentProtocol.ConnectReply(new CallId("call-1"), 7, Outcome.Conflict("call", "call 'call-1' ended (AbandonedWhileRinging)"))
        {
            Reason = WithdrawalReason.CallerHungUp,
        },
        new AgentProtocol.CallerLeft(new AgentId("alice"), new CallId("call-1"), 7) { Reason = WithdrawalReason.CallbackCancelled },
        new AgentEvent.OfferWithdrawn(new AgentId("alice"), DateTimeOffset.UnixEpoch, new CallAssignment(new CallId("call-1"), 7), WithdrawalReason.CallerHungUp),
    ];

    [TestCaseSource(nameof(Messages))]
    public void Message_must_come_back_equal_from_serialization(object message)
    {
        var serializer = Sys.Serialization.FindSerializerFor(message);

        var back = serializer.FromBinary(serializer.ToBinary(message), message.GetType());

        Assert.That(back, Is.EqualTo(message));
    }
}
