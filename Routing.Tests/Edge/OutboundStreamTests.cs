using System.Threading.Channels;
using CallCenter.Routing.Host.Edge;
using Grpc.Core;

namespace CallCenter.Routing.Tests.Edge;

/// <summary>Which writes of a server stream flush: the last of each burst, and every 64th of a long one.</summary>
public sealed class OutboundStreamTests
{
    [TestCase(1, new[] { 0 })]
    [TestCase(3, new[] { 2 })]
    [TestCase(64, new[] { 63 })]
    [TestCase(150, new[] { 63, 127, 149 })]
    public async Task A_burst_is_flushed_at_its_end_and_every_64_messages(int waiting, int[] flushedAt)
    {
        var outbound = Channel.CreateUnbounded<int>();
        for (var i = 0; i < waiting; i++)
        {
            outbound.Writer.TryWrite(i);
        }

        outbound.Writer.Complete();
        var stream = new RecordingStream();

        await OutboundStream.WriteAllAsync(outbound.Reader, stream, CancellationToken.None);

        Assert.That(stream.Written.Select(w => w.Message), Is.EqualTo(Enumerable.Range(0, waiting)), "every message, in order");
        Assert.That(stream.Written.Where(w => w.Flushed).Select(w => w.Message), Is.EqualTo(flushedAt));
    }

    [Test]
    public async Task A_message_that_arrives_alone_is_flushed_at_once()
    {
        var outbound = Channel.CreateUnbounded<int>();
        var stream = new RecordingStream();
        var writing = OutboundStream.WriteAllAsync(outbound.Reader, stream, CancellationToken.None);

        outbound.Writer.TryWrite(1);
        await EdgeHost.WaitUntil(() => Task.FromResult(stream.Written.Count == 1), "the first message is written");
        outbound.Writer.TryWrite(2);
        outbound.Writer.Complete();
        await writing;

        Assert.That(stream.Written, Is.EqualTo(new[] { (1, true), (2, true) }));
    }

    private sealed class RecordingStream : IServerStreamWriter<int>
    {
        public List<(int Message, bool Flushed)> Written { get; } = [];

        public WriteOptions? WriteOptions { get; set; }

        public Task WriteAsync(int message)
        {
            lock (Written)
            {
                Written.Add((message, (WriteOptions?.Flags & WriteFlags.BufferHint) == 0));
            }

            return Task.CompletedTask;
        }
    }
}
