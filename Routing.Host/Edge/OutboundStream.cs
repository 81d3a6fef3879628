using System.Threading.Channels;
using Grpc.Core;

namespace CallCenter.Routing.Host.Edge;

/// <summary>
/// Writes what a channel holds to a server stream, one writer for the stream. Messages that are
/// already waiting go out together: each is written with a buffer hint while another waits behind
/// it, so the transport flushes (one frame flush, one send to the socket) once per burst rather
/// than once per message. A long burst is still flushed every <see cref="MostBuffered"/>
/// messages: an unflushed write takes no back-pressure from the client, so a burst of a few
/// hundred thousand announcements would otherwise be held in the server's memory at once.
/// </summary>
public static class OutboundStream
{
    public const int MostBuffered = 64;

    private static readonly WriteOptions Buffered = new(WriteFlags.BufferHint);

    private static readonly WriteOptions Flushed = new();

    public static async Task WriteAllAsync<T>(ChannelReader<T> outbound, IServerStreamWriter<T> stream, CancellationToken cancellation)
    {
        var buffered = 0;
        while (await outbound.WaitToReadAsync(cancellation))
        {
            while (outbound.TryRead(out var message))
            {
                var flush = buffered == MostBuffered - 1 || !outbound.TryPeek(out _);
                stream.WriteOptions = flush ? Flushed : Buffered;
                buffered = flush ? 0 : buffered + 1;
                await stream.WriteAsync(message, cancellation);
            }
        }
    }

    /// <summary>
    /// Writes what a channel holds to a server stream, packing the messages that are already
    /// waiting into one (at most <see cref="MostBuffered"/> to a message) with
    /// <paramref name="pack"/>, for a client that takes batches: a burst then costs one message on
    /// the wire, one frame and one flush. A message waiting alone goes out as it is.
    /// <paramref name="pack"/> must copy the list it is given, which is reused.
    /// </summary>
    public static async Task WriteBatchedAsync<T>(
        ChannelReader<T> outbound, IServerStreamWriter<T> stream, Func<IReadOnlyList<T>, T> pack, CancellationToken cancellation)
    {
        var waiting = new List<T>(MostBuffered);
        while (await outbound.WaitToReadAsync(cancellation))
        {
            while (waiting.Count < MostBuffered && outbound.TryRead(out var message))
            {
                waiting.Add(message);
            }

            var next = waiting.Count == 1 ? waiting[0] : pack(waiting);
            waiting.Clear();
            await stream.WriteAsync(next, cancellation);
        }
    }
}
