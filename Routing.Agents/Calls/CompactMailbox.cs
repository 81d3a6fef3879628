using Akka.Actor;
using Akka.Configuration;
using Akka.Dispatch;
using Akka.Dispatch.MessageQueues;

namespace CallCenter.Routing.Agents.Calls;

/// <summary>
/// The mailbox of actors that are many and mostly quiet, one per call: a plain queue under a
/// lock that starts empty and grows as needed. The default mailbox's concurrent queue starts
/// with 32 slots, about a kilobyte per actor, which is a fifth of what a waiting call costs.
/// </summary>
public sealed class CompactMailbox(Settings settings, Config config) : MailboxType(settings, config), IProducesMessageQueue<CompactMailbox.Queue>
{
    /// <summary>The configuration path that names this mailbox in <see cref="Props.WithMailbox"/>.</summary>
    public const string Id = "callcenter.compact-mailbox";

    /// <summary>What an actor system needs to know of this mailbox; the routing domain adds it to its system.</summary>
    public static Config Configuration { get; } =
        ConfigurationFactory.ParseString($"{Id}.mailbox-type = \"{typeof(CompactMailbox).AssemblyQualifiedName}\"");

    public override IMessageQueue Create(IActorRef owner, ActorSystem system) => new Queue();

    public sealed class Queue : IMessageQueue, IUnboundedMessageQueueSemantics
    {
        private readonly Queue<Envelope> _envelopes = new();

        public bool HasMessages
        {
            get
            {
                lock (_envelopes)
                {
                    return _envelopes.Count > 0;
                }
            }
        }

        public int Count
        {
            get
            {
                lock (_envelopes)
                {
                    return _envelopes.Count;
                }
            }
        }

        public void Enqueue(IActorRef receiver, Envelope envelope)
        {
            lock (_envelopes)
            {
                _envelopes.Enqueue(envelope);
            }
        }

        public bool TryDequeue(out Envelope envelope)
        {
            lock (_envelopes)
            {
                return _envelopes.TryDequeue(out envelope);
            }
        }

        public void CleanUp(IActorRef owner, IMessageQueue deadletters)
        {
            while (TryDequeue(out var envelope))
            {
                deadletters.Enqueue(owner, envelope);
            }
        }
    }
}
