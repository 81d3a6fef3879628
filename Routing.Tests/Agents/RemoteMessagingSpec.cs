using Akka.Actor;
using Akka.Configuration;
using CallCenter.Routing.Agents.AgentActors;
using CallCenter.Routing.Agents.Serialization;
using CallCenter.Routing.Lifecycle;
using CallCenter.Routing.Model;
using static CallCenter.Routing.Tests.Core.Lifecycle.RecoveryFixtures;

namespace CallCenter.Routing.Tests.Agents;

/// <summary>
/// Two actor systems joined by Akka's remoting on loopback, as two nodes of a cluster: a routing
/// message and the actor reference inside it cross from one to the other and back.
/// </summary>
public sealed class RemoteMessagingSpec : ActorSpec
{
    private static readonly Config Remoting = ConfigurationFactory.ParseString("""
        akka.actor.provider = remote
        akka.remote.dot-netty.tcp.hostname = 127.0.0.1
        akka.remote.dot-netty.tcp.port = 0
        akka.loglevel = WARNING
        """);

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);

    private ActorSystem? _otherNode;

    public RemoteMessagingSpec()
        : base(Remoting)
    {
    }

    [TearDown]
    public void StopTheOtherNode() => _otherNode?.Terminate().Wait(Patience);

    [Test]
    public void A_softphone_on_another_node_subscribes_and_receives_the_agents_state()
    {
        _otherNode = ActorSystem.Create("other-node", Remoting.WithFallback(RoutingSerialization.Configuration));
        var agent = CreateTestProbe("agent");
        var screen = CreateTestProbe("screen");

        // On the other node: a softphone that shows on this node's screen whatever it is told.
        var softphone = _otherNode.ActorOf(Props.Create(() => new Relay(OnTheOtherNode(screen.Ref))), "softphone");
        OnTheOtherNode(agent.Ref).Tell(new AgentProtocol.Subscribe(Alice, softphone));

        var subscription = agent.ExpectMsg<AgentProtocol.Subscribe>(Patience);
        Assert.That(subscription.Subscriber.Path.Address, Is.EqualTo(AddressOf(_otherNode)), "the subscriber is the other node's softphone");

        var state = AgentsInEveryStatus().First(a => a.State.Status == AgentStatus.Reserved).State;
        subscription.Subscriber.Tell(state);

        var shown = screen.ExpectMsg<AgentState>(Patience);
        Assert.That(shown.Skills, Is.EqualTo(state.Skills));
        Assert.That(shown with { Skills = state.Skills }, Is.EqualTo(state));
    }

    /// <summary>An actor of this node as the other node reaches it: through remoting.</summary>
    private IActorRef OnTheOtherNode(IActorRef here) =>
        ((ExtendedActorSystem)_otherNode!).Provider.ResolveActorRef(here.Path.ToStringWithAddress(AddressOf(Sys)));

    private static Address AddressOf(ActorSystem system) => ((ExtendedActorSystem)system).Provider.DefaultAddress;

    private sealed class Relay : ReceiveActor
    {
        public Relay(IActorRef to) => ReceiveAny(m => to.Forward(m));
    }
}
