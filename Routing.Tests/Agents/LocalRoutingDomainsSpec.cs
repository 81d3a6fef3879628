using Akka.Actor;
using Akka.Cluster.Sharding;
using CallCenter.Routing.Agents.Domain;

namespace CallCenter.Routing.Tests.Agents;

/// <summary>
/// The routing domains without a cluster: one child per domain, found by the shard region's own
/// extractor, so what reaches a domain is the same in one process as across nodes.
/// </summary>
public sealed class LocalRoutingDomainsSpec : ActorSpec
{
    /// <summary>Answers every message with its domain's id and the message, so the test sees where it went.</summary>
    private sealed class EchoDomain : ReceiveActor
    {
        public EchoDomain(string domain) => ReceiveAny(message => Sender.Tell((domain, message)));
    }

    private IActorRef Domains() => Sys.ActorOf(LocalRoutingDomains.Props(
        domain => Props.Create(() => new EchoDomain(domain)), new RoutingDomainExtractor("default")));

    [Test]
    public void A_message_naming_no_domain_goes_to_the_default_domain()
    {
        var domains = Domains();

        domains.Tell("hello", TestActor);

        Assert.That(ExpectMsg<(string, object)>(), Is.EqualTo(("default", (object)"hello")));
    }

    [Test]
    public void A_message_naming_its_domain_goes_to_that_domain_and_each_domain_is_started_once()
    {
        var domains = Domains();

        domains.Tell(new ShardingEnvelope("north", "first"), TestActor);
        var first = ExpectMsg<(string Domain, object Message)>();
        var north = LastSender;
        domains.Tell(new ShardingEnvelope("north", "second"), TestActor);
        var secondSender = ExpectMsg<(string Domain, object Message)>();
        Assert.That(LastSender, Is.EqualTo(north), "the same domain actor");
        domains.Tell(new ShardingEnvelope("south/east", "wrapped"), TestActor);
        var wrapped = ExpectMsg<(string Domain, object Message)>();

        Assert.That(first, Is.EqualTo(("north", (object)"first")), "an envelope's message is delivered unwrapped");
        Assert.That(secondSender.Domain, Is.EqualTo("north"));
        Assert.That(wrapped, Is.EqualTo(("south/east", (object)"wrapped")));
        Assert.That(north.Path.Name, Is.EqualTo("north"));
        Assert.That(LastSender.Path.Name, Is.EqualTo("south%2Feast"), "an id is escaped into a child's name");
    }

    [Test]
    public void Every_domain_is_a_shard_of_its_own()
    {
        var extractor = new RoutingDomainExtractor("default");

        Assert.That(extractor.ShardId("north"), Is.EqualTo("north"));
        Assert.That(extractor.EntityId(42), Is.EqualTo("default"));
    }
}
