using Akka.Actor;
using CallCenter.Routing.Agents.Calls;

namespace CallCenter.Routing.Tests.Agents;

public sealed class CompactMailboxSpec : ActorSpec
{
    /// <summary>Sends each message it gets on to the probe it was made with.</summary>
    private sealed class Relay : ReceiveActor
    {
        public Relay(IActorRef probe) => ReceiveAny(message => probe.Tell(message));
    }

    [Test]
    public async Task Compact_mailbox_must_deliver_every_message_from_many_senders_each_in_its_order()
    {
        var probe = CreateTestProbe();
        var relay = Sys.ActorOf(Props.Create(() => new Relay(probe.Ref)).WithMailbox(CompactMailbox.Id));
        const int Senders = 4;
        const int Each = 2_000;

        await Task.WhenAll(Enumerable.Range(0, Senders).Select(sender => Task.Run(() =>
        {
            for (var i = 0; i < Each; i++)
            {
                relay.Tell((sender, i));
            }
        })));

        var next = new int[Senders];
        for (var received = 0; received < Senders * Each; received++)
        {
            var (sender, i) = probe.ExpectMsg<(int, int)>(TimeSpan.FromSeconds(10));
            Assert.That(i, Is.EqualTo(next[sender]), $"sender {sender}");
            next[sender]++;
        }

        probe.ExpectNoMsg(TimeSpan.Zero);
    }

    [Test]
    public void Compact_mailbox_must_hand_what_is_left_to_dead_letters_when_it_is_cleaned_up()
    {
        var queue = new CompactMailbox.Queue();
        var deadLetters = new CompactMailbox.Queue();
        queue.Enqueue(TestActor, new Envelope("a", TestActor));
        queue.Enqueue(TestActor, new Envelope("b", TestActor));

        queue.CleanUp(TestActor, deadLetters);

        Assert.That(queue.HasMessages, Is.False);
        Assert.That(deadLetters.Count, Is.EqualTo(2));
        Assert.That(deadLetters.TryDequeue(out var first) && first.Message is "a", Is.True);
    }
}
