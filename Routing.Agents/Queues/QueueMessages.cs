using CallCenter.Routing.Agents.Serialization;
using CallCenter.Routing.Matching;
using CallCenter.Routing.Model;
using CallCenter.Routing.Statistics;

namespace CallCenter.Routing.Agents.Queues;

public static class QueueProtocol
{
    /// <summary>Messages that name their queue, so the domain can route them.</summary>
    public interface IQueueMessage : IRoutingMessage
    {
        QueueId Queue { get; }
    }

    /// <summary>A call actor reports what happened to its call in the queue.</summary>
    public sealed record Record(QueueFact Fact) : IQueueMessage
    {
        public QueueId Queue => Fact.Queue;
    }

    /// <summary>Query: answered with a <see cref="QueueSnapshot"/>.</summary>
    public sealed record GetSnapshot(QueueId Queue) : IQueueMessage;

    /// <summary>The queue's running figures and its state now (waiting, longest wait, agents).</summary>
    public sealed record QueueSnapshot(QueueStatistics Statistics, QueueView? Now) : IRoutingMessage;
}
