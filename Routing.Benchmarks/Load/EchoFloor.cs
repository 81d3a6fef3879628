using System.Diagnostics;
using System.Globalization;
using System.Net;
using CallCenter.Benchmarks.V1;
using CallCenter.Routing.Host;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CallCenter.Routing.Benchmarks.Load;

/// <summary>
/// The gRPC floor: a server that only echoes, in a process of its own like the routing server,
/// with the same runtime settings, driven over the same loopback as the load runs.
/// </summary>
internal static class EchoFloor
{
    private static readonly string Payload = new('x', 64);

    public static async Task<EchoFigures> MeasureAsync(double rate, double seconds)
    {
        var port = LoopbackEndpoints.FreePort();
        using var server = StartServer(port);
        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}");
        var client = new Echo.EchoClient(channel);
        var patience = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                await RoundTripsAsync(client, 1, 1);
                break;
            }
            catch (RpcException) when (patience.Elapsed < TimeSpan.FromSeconds(30))
            {
                await Task.Delay(200);
            }
        }

        await ThroughputAsync(client, 50_000);
        const int messages = 300_000;
        var load = new MachineLoad();
        var clock = Stopwatch.StartNew();
        var perSecond = await ThroughputAsync(client, messages);
        // Every core's time while the echo ran, client and server alike: what a message costs the machine at the least.
        var cpuPerMessage = load.Next().Machine * clock.Elapsed.TotalSeconds * 1e6 / messages;
        var latency = await RoundTripsAsync(client, rate, seconds);
        server.Kill(entireProcessTree: true);
        var figures = new EchoFigures(perSecond, cpuPerMessage, latency);
        Console.WriteLine($"  gRPC echo floor: {perSecond:N0} messages/s through one stream, {cpuPerMessage:F1} µs of CPU a message (both ends); round trip at {rate:N0}/s: " +
            $"p50 {latency.P50:F2} ms, p99 {latency.P99:F2} ms, p99.9 {latency.P999:F2} ms, max {latency.Max:F2} ms");
        return figures;
    }

    /// <summary>Messages pipelined through one stream, at most 2,000 unanswered (the gateway stream's own bound).</summary>
    private static async Task<double> ThroughputAsync(Echo.EchoClient client, int messages)
    {
        using var stream = client.Stream();
        using var window = new SemaphoreSlim(2_000);
        var clock = Stopwatch.StartNew();
        var reading = Task.Run(async () =>
        {
            var received = 0;
            await foreach (var _ in stream.ResponseStream.ReadAllAsync())
            {
                window.Release();
                if (++received == messages)
                {
                    return;
                }
            }
        });
        for (var i = 0; i < messages; i++)
        {
            await window.WaitAsync();
            await stream.RequestStream.WriteAsync(new EchoMessage { Id = i, Payload = Payload });
        }

        await reading;
        var elapsed = clock.Elapsed.TotalSeconds;
        await stream.RequestStream.CompleteAsync();
        return messages / elapsed;
    }

    /// <summary>Round trips at a fixed rate, paced like the load generator's arrivals.</summary>
    private static async Task<LatencySummary> RoundTripsAsync(Echo.EchoClient client, double rate, double seconds)
    {
        var count = Math.Max(1, (int)(rate * seconds));
        var sentAt = new long[count];
        var histogram = new LatencyHistogram();
        using var stream = client.Stream();
        var reading = Task.Run(async () =>
        {
            var received = 0;
            await foreach (var reply in stream.ResponseStream.ReadAllAsync())
            {
                histogram.Record((Stopwatch.GetTimestamp() - sentAt[reply.Id]) * 1_000_000 / Stopwatch.Frequency);
                if (++received == count)
                {
                    return;
                }
            }
        });
        var start = Stopwatch.GetTimestamp();
        for (var i = 0; i < count; i++)
        {
            var due = start + (long)(i / rate * Stopwatch.Frequency);
            while (Stopwatch.GetTimestamp() < due)
            {
                await Task.Delay(1);
            }

            sentAt[i] = Stopwatch.GetTimestamp();
            await stream.RequestStream.WriteAsync(new EchoMessage { Id = i, Payload = Payload });
        }

        await reading;
        await stream.RequestStream.CompleteAsync();
        return histogram.Summary();
    }

    /// <summary>This program again, as <c>echo-server PORT</c>.</summary>
    private static Process StartServer(int port)
    {
        var program = Environment.ProcessPath ?? throw new InvalidOperationException("the program's path is unknown");
        var start = new ProcessStartInfo(program) { UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(program) == "dotnet")
        {
            start.ArgumentList.Add(typeof(EchoFloor).Assembly.Location);
        }

        start.ArgumentList.Add("echo-server");
        start.ArgumentList.Add(port.ToString(CultureInfo.InvariantCulture));
        return Process.Start(start) ?? throw new InvalidOperationException("could not start the echo server");
    }

    /// <summary>The echo server's own entry: serves until killed.</summary>
    public static int Serve(IReadOnlyList<string> args)
    {
        var port = int.Parse(args[0], CultureInfo.InvariantCulture);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port, listen => listen.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc();
        var app = builder.Build();
        app.MapGrpcService<EchoService>();
        app.Run();
        return 0;
    }

    private sealed class EchoService : Echo.EchoBase
    {
        public override async Task Stream(IAsyncStreamReader<EchoMessage> requestStream, IServerStreamWriter<EchoMessage> responseStream, ServerCallContext context)
        {
            await foreach (var message in requestStream.ReadAllAsync(context.CancellationToken))
            {
                await responseStream.WriteAsync(message);
            }
        }
    }
}

/// <param name="CpuMicrosecondsPerMessage">CPU of the whole machine (client and server) per message echoed, pipelined through one stream.</param>
internal sealed record EchoFigures(double MessagesPerSecond, double CpuMicrosecondsPerMessage, LatencySummary RoundTrip);
