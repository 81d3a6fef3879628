using Akka.Actor;
using CallCenter.Routing.Agents.Dispatching;
using CallCenter.Routing.Configuration;
using CallCenter.Routing.Statistics;

namespace CallCenter.Routing.Agents.Queues;

/// <summary>
/// One queue's live statistics. The order of its waiting calls and its timers live in the
/// dispatcher's engine (one place decides); this actor counts what its calls report and
/// answers for the queue, joining its figures with the engine's view of the moment.
/// </summary>
public sealed class QueueActor : ReceiveActor
{
    private readonly IActorRef _dispatcher;
    private QueueStatistics _statistics;

    public QueueActor(QueueConfig queue, TimeSpan serviceLevelThreshold, IActorRef dispatcher)
    {
        _dispatcher = dispatcher;
        _statistics = new QueueStatistics(queue.Id, queue.ServiceLevelThreshold ?? serviceLevelThreshold);
        Receive<QueueProtocol.Record>(m => _statistics = _statistics.Apply(m.Fact));
        Receive<QueueProtocol.GetSnapshot>(HandleGetSnapshot);
        Receive<Answer>(m => m.ReplyTo.Tell(new QueueProtocol.QueueSnapshot(_statistics, m.View.View)));
    }

    public static Props Props(QueueConfig queue, TimeSpan serviceLevelThreshold, IActorRef dispatcher) =>
        Akka.Actor.Props.Create(() => new QueueActor(queue, serviceLevelThreshold, dispatcher));

    private void HandleGetSnapshot(QueueProtocol.GetSnapshot message)
    {
        var replyTo = Sender;
        _dispatcher.Ask<Dispatch.QueueViewReply>(new Dispatch.GetQueueView(message.Queue), TimeSpan.FromSeconds(5))
            .PipeTo(Self, success: view => new Answer(view, replyTo), failure: _ => new Answer(new Dispatch.QueueViewReply(message.Queue, null), replyTo));
    }

    // Private to the queue's own PipeTo.
    private sealed record Answer(Dispatch.QueueViewReply View, IActorRef ReplyTo) : INoSerializationVerificationNeeded;
}
