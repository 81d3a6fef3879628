using Akka.Actor;
using Akka.Hosting;
using CallCenter.Routing.Agents.Domain;
using CallCenter.Routing.Host.Configuration;
using CallCenter.Routing.Host.Edge;

namespace CallCenter.Routing.Host.InteractionLog;

/// <summary>How the edge learns that what an accepted event caused is durable, before it acknowledges the event.</summary>
public sealed class LogDurability(IRequiredActor<InteractionLogActor> log, IRequiredActor<RoutingDomainActor> domain, EdgeSettings settings)
{
    /// <summary>Completes once the log's actor is running: a background service starts alongside the actor system and may come first.</summary>
    public Task ReadyAsync(CancellationToken cancellation) => log.GetAsync(cancellation);

    /// <summary>
    /// Completes once everything the domain <paramref name="domainId"/>'s events caused so far, and <paramref name="records"/>,
    /// are committed to the log of the node the domain runs on (asked through the domain, so it is
    /// that node's log wherever the domain is). With the domain on this node it waits as long as the
    /// database is away (the writer buffers and retries) and ends only with the caller's
    /// cancellation; with the domain on another node, at most the request timeout.
    /// </summary>
    public async Task WaitUntilDurable(string domainId, IReadOnlyList<LogRecord> records, CancellationToken cancellation)
    {
        var answer = await domain.ActorRef.Ask<object>(
            DomainClient.To(domainId, new DomainProtocol.WhenDurable(records)), settings.RequestTimeout, cancellation);
        if (answer is DomainProtocol.Committing committing)
        {
            await committing.Committed.WaitAsync(cancellation);
        }
    }

    /// <summary>Completes once everything this node's log was given so far is committed: how far the log lags.</summary>
    public async Task WaitUntilLocalLogDurable(CancellationToken cancellation)
    {
        var reached = await log.ActorRef.Ask<InteractionLogActor.BarrierReached>(
            InteractionLogActor.Barrier.Instance, settings.RequestTimeout, cancellation);
        await reached.Committed.WaitAsync(cancellation);
    }
}
