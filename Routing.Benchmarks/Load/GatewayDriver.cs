using System.Globalization;
using System.Threading.Channels;
using CallCenter.Protos.V1;
using Grpc.Core;
using Grpc.Net.Client;

namespace CallCenter.Routing.Benchmarks.Load;

/// <summary>
/// One telephony gateway: a stream of call events to the server, one writer so events keep
/// their order, and a reader that notes acknowledgements, connections and ends, and plays the
/// callers (hanging up after their talk time, or abandoning when their patience runs out).
/// </summary>
internal sealed class GatewayDriver(GrpcChannel channel, string gatewayId, CallBook book, DelayedActions delays, LoadSettings settings)
{
    private readonly Channel<GatewayEvent> _outbox = Channel.CreateUnbounded<GatewayEvent>(new UnboundedChannelOptions { SingleReader = true });
    private AsyncDuplexStreamingCall<GatewayEvent, GatewayReply>? _stream;
    private Task _writing = Task.CompletedTask;
    private Task _reading = Task.CompletedTask;

    public async Task ConnectAsync()
    {
        _stream = new Gateway.GatewayClient(channel).Connect();
        await _stream.RequestStream.WriteAsync(new GatewayEvent { Hello = new Hello { GatewayId = gatewayId, BatchReplies = settings.ReplyBatches } });
        if (!await _stream.ResponseStream.MoveNext() || _stream.ResponseStream.Current.HelloAccepted is null)
        {
            throw new InvalidOperationException($"gateway {gatewayId}: the server did not accept the hello");
        }

        _writing = Task.Run(WriteAsync);
        _reading = Task.Run(ReadAsync);
    }

    public void Arrive(int call, string queue, string tier)
    {
        book.MarkSent(call);
        _outbox.Writer.TryWrite(new GatewayEvent
        {
            EventId = EventId('a', call),
            CallArrived = new CallArrived
            {
                CallId = book.CallId(call),
                QueueId = queue,
                TierId = tier,
                CallerNumber = "+1555" + (call % 10_000_000).ToString("D7", CultureInfo.InvariantCulture),
            },
        });
        if (settings.AbandonShare > 0 && Random.Shared.NextDouble() < settings.AbandonShare)
        {
            delays.After(Exponential(settings.PatienceMilliseconds), () => Abandon(call));
        }
    }

    /// <summary>Stops sending and waits until the server has closed its side.</summary>
    public async Task CompleteAsync()
    {
        _outbox.Writer.TryComplete();
        await _writing;
        await _reading.WaitAsync(TimeSpan.FromSeconds(30)).ContinueWith(_ => { });
        _stream?.Dispose();
    }

    private async Task WriteAsync()
    {
        try
        {
            while (await _outbox.Reader.WaitToReadAsync())
            {
                await _stream!.RequestStream.WriteAsync(NextMessage());
                Interlocked.Increment(ref book.Messages);
            }

            await _stream!.RequestStream.CompleteAsync();
        }
        catch (RpcException e)
        {
            book.Error($"gateway stream: {e.StatusCode}");
        }
    }

    /// <summary>The next event, or the events waiting (up to the batch size) as one batch.</summary>
    private GatewayEvent NextMessage()
    {
        _outbox.Reader.TryRead(out var first);
        if (settings.GatewayBatch <= 1 || !_outbox.Reader.TryPeek(out _))
        {
            return first!;
        }

        var batch = new EventBatch { Events = { first! } };
        while (batch.Events.Count < settings.GatewayBatch && _outbox.Reader.TryRead(out var next))
        {
            batch.Events.Add(next);
        }

        return new GatewayEvent { Batch = batch };
    }

    private async Task ReadAsync()
    {
        try
        {
            await foreach (var reply in _stream!.ResponseStream.ReadAllAsync())
            {
                Interlocked.Increment(ref book.Messages);
                Handle(reply);
            }
        }
        catch (RpcException e) when (e.StatusCode != StatusCode.Cancelled)
        {
            book.Error($"gateway stream: {e.StatusCode}");
        }
    }

    private void Handle(GatewayReply reply)
    {
        switch (reply.ReplyCase)
        {
            case GatewayReply.ReplyOneofCase.Accepted when reply.Accepted.EventId[0] == 'a':
                book.MarkAcknowledged(int.Parse(reply.Accepted.EventId.AsSpan(1), CultureInfo.InvariantCulture));
                break;
            case GatewayReply.ReplyOneofCase.Rejected when reply.Rejected is { Code: "RESOURCE_EXHAUSTED", Field: "call_arrived" } refused
                                                          && refused.EventId.StartsWith('a'):
                book.MarkRefused(int.Parse(refused.EventId.AsSpan(1), CultureInfo.InvariantCulture));
                break;
            case GatewayReply.ReplyOneofCase.Rejected when reply.Rejected is { Code: "NOT_FOUND", Field: "call_hung_up.call_id" } gone
                                                          && gone.EventId.Length > 1 && book.RefusedCall[int.Parse(gone.EventId.AsSpan(1), CultureInfo.InvariantCulture)]:
                // The caller gave up before the gateway heard that the server had refused the call.
                break;
            case GatewayReply.ReplyOneofCase.Rejected:
                book.Error($"event rejected: {reply.Rejected.Code} {reply.Rejected.Field}");
                break;
            case GatewayReply.ReplyOneofCase.CallUpdate:
                Handle(reply.CallUpdate);
                break;
            case GatewayReply.ReplyOneofCase.Batch:
                foreach (var batched in reply.Batch.Replies)
                {
                    Handle(batched);
                }

                break;
        }
    }

    private void Handle(CallUpdate update)
    {
        var call = book.CallNumber(update.CallId);
        if (call < 0)
        {
            book.Error("update for an unknown call");
            return;
        }

        switch (update.UpdateCase)
        {
            case CallUpdate.UpdateOneofCase.ConnectAgent:
                Interlocked.Increment(ref book.Connects);
                book.MarkAgent(book.ConnectedAgent, call, book.AgentNumber(update.ConnectAgent.AgentId));
                if (Interlocked.CompareExchange(ref book.Phase[call], CallBook.Connected, CallBook.Waiting) == CallBook.Waiting)
                {
                    delays.After(Exponential(settings.HandleMilliseconds), () => HangUp(call, 'h'));
                }

                break;
            case CallUpdate.UpdateOneofCase.Ended:
                book.MarkEnded(call, update.Ended.Outcome.ToString());
                break;
            case CallUpdate.UpdateOneofCase.Announcement:
                Interlocked.Increment(ref book.Announcements);
                break;
        }
    }

    private void Abandon(int call)
    {
        if (Interlocked.CompareExchange(ref book.Phase[call], CallBook.HungUp, CallBook.Waiting) == CallBook.Waiting)
        {
            Interlocked.Increment(ref book.Abandons);
            HangUp(call, 'x');
        }
    }

    private void HangUp(int call, char kind)
    {
        book.Phase[call] = CallBook.HungUp;
        _outbox.Writer.TryWrite(new GatewayEvent
        {
            EventId = EventId(kind, call),
            CallHungUp = new CallHungUp { CallId = book.CallId(call), Party = Party.Caller },
        });
    }

    private static string EventId(char kind, int call) => string.Create(CultureInfo.InvariantCulture, $"{kind}{call}");

    private static double Exponential(double mean) => mean <= 0 ? 0 : -mean * Math.Log(1 - Random.Shared.NextDouble());
}
