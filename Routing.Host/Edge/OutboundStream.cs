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
}
