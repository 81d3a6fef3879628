using Akka.Actor;
using Akka.Configuration;
using Akka.Dispatch;
using Akka.Dispatch.MessageQueues;

namespace CallCenter.Routing.Benchmarks;

/// <summary>
/// An unbounded mailbox that counts every message put in any mailbox of the system, to report
/// messages per call lifecycle. Only used when asked for: the shared counter costs a little.
/// </summary>
public sealed class CountingMailbox : MailboxType, IProducesMessageQueue<CountingMailbox.Queue>
{
    private static long _count;

    public CountingMailbox(Settings settings, Config config)
        : base(settings, config)
    {
    }

    public static long Count => Interlocked.Read(ref _count);

    public override IMessageQueue Create(IActorRef owner, ActorSystem system) => new Queue();

    public sealed class Queue : IMessageQueue, IUnboundedMessageQueueSemantics
    {
        private readonly UnboundedMessageQueue _inner = new();

        public bool HasMessages => _inner.HasMessages;

        public int Count => _inner.Count;

        public void Enqueue(IActorRef receiver, Envelope envelope)
        {
            Interlocked.Increment(ref _count);
            _inner.Enqueue(receiver, envelope);
        }

        public bool TryDequeue(out Envelope envelope) => _inner.TryDequeue(out envelope);

        public void CleanUp(IActorRef owner, IMessageQueue deadletters) => _inner.CleanUp(owner, deadletters);
    }
}
