using CallCenter.Routing.Host.Identity;
using System.Threading.Channels;
using CallCenter.Protos.V1;
using CallCenter.Routing.Host.InteractionLog;
using Grpc.Core;

namespace CallCenter.Routing.Host.Edge;

/// <summary>
/// The gateways' stream. Events are carried out as they are read (a batch's one after another),
/// several at once (up to a bound, beyond which the stream is read no further), in the order
/// they arrived: the domain receives them in that order, so one call's events keep theirs. One
/// task writes the stream; for a gateway that asked for batches, the replies waiting together go
/// out as one.
/// </summary>
public sealed class GatewayService(
    GatewayRegistry registry, GatewayHistory history, GatewayEvents events, DomainClient domains, Configuration.EdgeSettings settings, ShutdownDrain drain,
    ILogger<GatewayService> logger)
    : Gateway.GatewayBase
{
    public override async Task Connect(IAsyncStreamReader<GatewayEvent> requestStream, IServerStreamWriter<GatewayReply> responseStream, ServerCallContext context)
    {
        var cancellation = context.CancellationToken;
        if (!await requestStream.MoveNext(cancellation))
        {
            return;
        }

        var hello = requestStream.Current;
        if (hello.EventCase != GatewayEvent.EventOneofCase.Hello)
        {
            throw RequestChecks.FailedPrecondition("hello", "the first message must be a hello naming the gateway").ToRpcException();
        }

        var gatewayId = ValidGatewayId(hello.Hello.GatewayId);
        var domainId = domains.Resolve(hello.Hello.DomainId, "hello.domain_id");
        CheckIdentity(context, gatewayId, domainId);
        // A gateway without a token (where none is required) flags emergencies as before.
        var mayFlagEmergency = EdgeAuthorization.IdentityOf(context) is not { } caller || caller.MayFlagEmergency;
        await history.RestoreAsync(gatewayId, cancellation);
        var outbound = Channel.CreateUnbounded<GatewayReply>(new UnboundedChannelOptions { SingleReader = true });
        var gateway = registry.Attach(gatewayId, domainId, outbound.Writer, out var resumed);

        logger.LogInformation("Gateway {Gateway} connected{Resumed} for routing domain {Domain}", gatewayId, resumed ? " again" : "", domainId);
        var writing = WriteAll(outbound.Reader, responseStream, hello.Hello.BatchReplies, cancellation);
        using var inFlight = new SemaphoreSlim(settings.MaxEventsInFlight);
        using var reading = drain.Link(cancellation);
        var stopping = false;

        // Waits for room among the events being carried out, then starts this one's answer.
        async Task StartAnswer(GatewayEvent gatewayEvent)
        {
            await inFlight.WaitAsync(cancellation);
            _ = Answer(gateway, gatewayEvent, mayFlagEmergency, inFlight, cancellation);
        }

        try
        {
            while (await requestStream.MoveNext(reading.Token))
            {
                var gatewayEvent = requestStream.Current;
                if (gatewayEvent.EventCase != GatewayEvent.EventOneofCase.Batch)
                {
                    await StartAnswer(gatewayEvent);
                    continue;
                }

                foreach (var batched in gatewayEvent.Batch.Events)
                {
                    await StartAnswer(batched);
                }
            }

            // The gateway closed its side: answer what is still being carried out, then end.
            for (var i = 0; i < settings.MaxEventsInFlight; i++)
            {
                await inFlight.WaitAsync(cancellation);
            }
        }
        catch (IOException)
        {
            // The gateway reset its stream; it resends what it saw no answer to when it connects again.
        }
        catch (OperationCanceledException) when (drain.StreamsEnd.IsCancellationRequested && !cancellation.IsCancellationRequested)
        {
            // The server is stopping: what was read is answered, then the gateway is told to reconnect.
            for (var i = 0; i < settings.MaxEventsInFlight; i++)
            {
                await inFlight.WaitAsync(cancellation);
            }

            stopping = true;
        }
        finally
        {
            registry.Detach(gateway, outbound.Writer);
            outbound.Writer.TryComplete();
            await writing;
            logger.LogInformation("Gateway {Gateway} disconnected", gatewayId);
        }

        if (stopping)
        {
            throw ShutdownDrain.Unavailable();
        }
    }

    private static GatewayReply Batch(IReadOnlyList<GatewayReply> replies)
    {
        var batch = new ReplyBatch();
        batch.Replies.AddRange(replies);
        return new GatewayReply { Batch = batch };
    }

    /// <summary>A gateway's token is its own: the gateway acts only as itself, and only in its token's domain.</summary>
    private static void CheckIdentity(ServerCallContext context, string gatewayId, string domainId) => RequestChecks.Checked(() =>
    {
        var identity = EdgeAuthorization.IdentityOf(context);
        identity?.MustActAs(gatewayId, "hello.gateway_id");
        identity?.MustReach(domainId, "hello.domain_id");
        return identity;
    });

    private static string ValidGatewayId(string gatewayId) => RequestChecks.Checked(() => RequestChecks.Id(gatewayId, "hello.gateway_id"));

    private async Task Answer(GatewayLink gateway, GatewayEvent gatewayEvent, bool mayFlagEmergency, SemaphoreSlim inFlight, CancellationToken cancellation)
    {
        try
        {
            GatewayReply reply;
            if (string.IsNullOrWhiteSpace(gatewayEvent.EventId) || gatewayEvent.EventId.Length > RequestChecks.MaxIdLength)
            {
                reply = GatewayEvents.Rejected(gatewayEvent.EventId, RequestChecks.Invalid(
                    "event_id", $"is required, at most {RequestChecks.MaxIdLength} characters"));
            }
            else
            {
                reply = await gateway.Once(gatewayEvent.EventId, () => events.CarryOut(gateway, gatewayEvent, mayFlagEmergency, cancellation));
            }

            gateway.Send(reply);
        }
        catch (OperationCanceledException)
        {
            // The stream is gone; the gateway resends what it saw no answer to.
        }
        finally
        {
            inFlight.Release();
        }
    }

    private static async Task WriteAll(
        ChannelReader<GatewayReply> outbound, IServerStreamWriter<GatewayReply> responseStream, bool batchReplies, CancellationToken cancellation)
    {
        try
        {
            if (batchReplies)
            {
                await OutboundStream.WriteBatchedAsync(outbound, responseStream, Batch, cancellation);
            }
            else
            {
                await OutboundStream.WriteAllAsync(outbound, responseStream, cancellation);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or InvalidOperationException or IOException)
        {
            // The client went away; what was not written is resent or held for the next stream.
        }
    }
}
