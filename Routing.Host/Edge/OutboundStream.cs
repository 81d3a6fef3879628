using System.Threading.Channels;
using Grpc.Core;

namespace CallCenter.Routing.Host.Edge;

/// <summary>
/// Writes what a channel holds to a server stream, one writer for the stream. Messages that are
/// already waiting go out together: each is written with a buffer hint while another waits behind
/// it, so the transport flushes (one frame flush, one send to the socket) once per burst rather
/// than once per message.
/// </summary>
public static class OutboundStream
{
    private static readonly WriteOptions Buffered = new(WriteFlags.BufferHint);

    private static readonly WriteOptions Flushed = new();

    public static async Task WriteAllAsync<T>(ChannelReader<T> outbound, IServerStreamWriter<T> stream, CancellationToken cancellation)
    {
        while (await outbound.WaitToReadAsync(cancellation))
        {
            while (outbound.TryRead(out var message))
            {
                stream.WriteOptions = outbound.TryPeek(out _) ? Buffered : Flushed;
                await stream.WriteAsync(message, cancellation);
            }
        }
    }
}
