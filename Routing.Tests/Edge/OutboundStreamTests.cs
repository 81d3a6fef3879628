using System.Threading.Channels;
using CallCenter.Routing.Host.Edge;
using Grpc.Core;

namespace CallCenter.Routing.Tests.Edge;

/// <summary>
/// Which writes of a server stream flush: the last of each burst, and every 64th of a long one;
/// and for a client that takes batches, which messages go out packed together.
/// </summary>
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

    [TestCase(1, new[] { 1 })]
    [TestCase(2, new[] { 2 })]
    [TestCase(64, new[] { 64 })]
    [TestCase(65, new[] { 64, 1 })]
    [TestCase(150, new[] { 64, 64, 22 })]
    public async Task Messages_waiting_together_go_out_packed_at_most_64_to_a_message(int waiting, int[] sizes)
    {
        var outbound = Channel.CreateUnbounded<int[]>();
        for (var i = 0; i < waiting; i++)
        {
            outbound.Writer.TryWrite([i]);
        }

        outbound.Writer.Complete();
        var stream = new PackedStream();

        await OutboundStream.WriteBatchedAsync(outbound.Reader, stream, stream.Pack, CancellationToken.None);

        Assert.That(stream.Written.Select(w => w.Length), Is.EqualTo(sizes));
        Assert.That(stream.Written.SelectMany(w => w), Is.EqualTo(Enumerable.Range(0, waiting)), "every message once, in order");
        Assert.That(stream.Packs, Is.EqualTo(sizes.Count(size => size > 1)), "only messages waiting with others are packed");
    }

    [Test]
    public async Task A_message_that_arrives_alone_goes_out_unpacked()
    {
        var outbound = Channel.CreateUnbounded<int[]>();
        var stream = new PackedStream();
        var writing = OutboundStream.WriteBatchedAsync(outbound.Reader, stream, stream.Pack, CancellationToken.None);

        outbound.Writer.TryWrite([1]);
        await EdgeHost.WaitUntil(() => Task.FromResult(stream.Written.Count == 1), "the first message is written");
        outbound.Writer.TryWrite([2]);
        outbound.Writer.Complete();
        await writing;

        Assert.That(stream.Written, Is.EqualTo(new[] { new[] { 1 }, new[] { 2 } }));
        Assert.That(stream.Packs, Is.Zero);
    }

    /// <summary>Records what is written, and packs messages by joining them.</summary>
    private sealed class PackedStream : IServerStreamWriter<int[]>
    {
        public List<int[]> Written { get; } = [];

        public int Packs { get; private set; }

        public int[] Pack(IReadOnlyList<int[]> messages)
        {
            Packs++;
            return messages.SelectMany(m => m).ToArray();
        }

        public WriteOptions? WriteOptions { get; set; }

        public Task WriteAsync(int[] message)
        {
            lock (Written)
            {
                Written.Add(message);
            }

            return Task.CompletedTask;
        }
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
