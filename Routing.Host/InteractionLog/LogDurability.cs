using Akka.Actor;
using Akka.Hosting;
using CallCenter.Routing.Host.Configuration;

namespace CallCenter.Routing.Host.InteractionLog;

/// <summary>How the edge learns that what an accepted event caused is durable, before it acknowledges the event.</summary>
public sealed class LogDurability(IRequiredActor<InteractionLogActor> log, EdgeSettings settings)
{
    public void Annotate(LogRecord record) => log.ActorRef.Tell(new InteractionLogActor.Annotate(record));

    /// <summary>Completes once the log's actor is running: a background service starts alongside the actor system and may come first.</summary>
    public Task ReadyAsync(CancellationToken cancellation) => log.GetAsync(cancellation);

    /// <summary>
    /// Completes once everything the log was given so far is committed. While the database is away
    /// it waits (the writer buffers and retries); it ends only with the caller's cancellation.
    /// </summary>
    public async Task WaitUntilDurable(CancellationToken cancellation)
    {
        var reached = await log.ActorRef.Ask<InteractionLogActor.BarrierReached>(
            InteractionLogActor.Barrier.Instance, settings.RequestTimeout, cancellation);
        await reached.Committed.WaitAsync(cancellation);
    }
}
