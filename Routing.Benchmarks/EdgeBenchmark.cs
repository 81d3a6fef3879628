using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using CallCenter.Protos.V1;
using CallCenter.Routing.Host;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;

namespace CallCenter.Routing.Benchmarks;

/// <summary>
/// The gRPC edge over loopback, client and server in one process on the same cores: how many
/// gateway events one stream carries per second, and how long a call takes from the gateway's
/// call-arrived message to the offer on a softphone's stream, at a fixed arrival rate.
/// </summary>
public static class EdgeBenchmark
{
    public static int Run(IReadOnlyList<string> args)
    {
        var events = Option(args, "--events", 100_000);
        var agents = Option(args, "--agents", 200);
        var rate = Option(args, "--rate", 1_000);
        var seconds = Option(args, "--seconds", 10);
        // The runtime recompiles hot methods with their profile some seconds into a run, and a
        // softphone waits while it does: a measure taken two seconds after start saw those stalls,
        // not the server that runs for days. Ten seconds of calls at the same rate settle it.
        var warmUp = Option(args, "--warm-up", 10);
        var domain = TextOption(args, "--domain") ?? "alone";
        if (domain is not ("alone" or "local" or "remote"))
        {
            Console.Error.WriteLine($"--domain must be alone, local or remote, not '{domain}'");
            return 2;
        }

        return RunAsync(events, agents, rate, seconds, warmUp, domain).GetAwaiter().GetResult();
    }

    /// <param name="domain">
    /// alone: one server, a cluster of one; local: a second node joins, the clients stay on the
    /// domain's node; remote: the clients reach the domain through the second node.
    /// </param>
    private static async Task<int> RunAsync(int events, int agents, int rate, int seconds, int warmUp, string domain)
    {
        var endpoints = LoopbackEndpoints.Free();

        // A fresh database per run, dropped after it: the server recovers whatever its database holds,
        // and a run's calls, agents and event ids would come back into the next run.
        await using var postgres = await Host.InteractionLog.LocalPostgres.StartAsync(Path.GetFullPath(".data/edge-postgres"));
        var database = $"edge_{Guid.NewGuid():N}";
        await postgres.CreateDatabaseAsync(database);
        WebApplication Server(LoopbackEndpoints at, params IEnumerable<string> cluster) => RoutingServer.Build(
        [
            .. at.Arguments(),
            .. cluster,
            $"--Routing:Database:ConnectionString={postgres.ConnectionString(database)}",
            "--Logging:LogLevel:Default=Warning",
            "--Routing:Timing:WrapUpSeconds=0",
            // Announcements every 30 s would only add traffic the figures are not about.
            "--Routing:Timing:AnnouncementIntervalSeconds=3600",
        ]);

        // The first node forms the cluster and starts the domain before the second joins, so the domain is on the first.
        var seed = LoopbackEndpoints.FreePort();
        var app = domain == "alone" ? Server(endpoints) : Server(endpoints, $"--Routing:Cluster:Port={seed}", $"--Routing:Cluster:Seeds:0=127.0.0.1:{seed}");
        await app.StartAsync();
        WebApplication? second = null;
        var clientsAt = endpoints;
        if (domain != "alone")
        {
            var secondEndpoints = LoopbackEndpoints.Free();
            second = Server(secondEndpoints, $"--Routing:Cluster:Port={LoopbackEndpoints.FreePort()}", $"--Routing:Cluster:Seeds:0=127.0.0.1:{seed}");
            await second.StartAsync();
            clientsAt = domain == "remote" ? secondEndpoints : endpoints;
        }

        using var channel = GrpcChannel.ForAddress(clientsAt.GrpcAddress);
        Console.WriteLine($"edge benchmark: loopback gRPC, server and clients in one process, {Environment.ProcessorCount} cores; " + domain switch
        {
            "alone" => "one server",
            "local" => "two nodes, the clients at the domain's",
            _ => "two nodes, the clients at the other one",
        });
        try
        {
            var perSecond = await MeasureGatewayThroughput(channel, events);
            Console.WriteLine($"  gateway events through one stream: {perSecond:N0} per second ({events:N0} events: arrivals and hang-ups, each acknowledged)");

            // A run first, so the measured one does not pay for compiling and warming the code paths.
            await MeasureOfferLatency(channel, agents, rate, warmUp, "warm", ready: () => { });
            var paused = TimeSpan.Zero;
            var collections = (0, 0, 0);
            GcPauses? pauses = null;
            var latency = await MeasureOfferLatency(channel, agents, rate, seconds, "run", ready: () =>
            {
                // Once the run's softphones are logged in and subscribed, what start-up, the warm-up and
                // they left alive is promoted, once, as in a server that has been running for a while
                // with its agents logged in long before these calls, instead of inside the measured run.
                GC.Collect();
                GC.WaitForPendingFinalizers();
                GC.Collect();
                paused = GC.GetTotalPauseDuration();
                collections = (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2));
                pauses = new GcPauses();
            });
            var eachPause = pauses!.Stop();
            Console.WriteLine($"  garbage collection during the latency run: {GC.CollectionCount(0) - collections.Item1} gen0, " +
                $"{GC.CollectionCount(1) - collections.Item2} gen1, {GC.CollectionCount(2) - collections.Item3} gen2, " +
                $"paused {(GC.GetTotalPauseDuration() - paused).TotalMilliseconds:F0} ms");
            Console.WriteLine($"  each collection: {GcPauses.Describe(eachPause)}; heap {GC.GetGCMemoryInfo(GCKind.Any).HeapSizeBytes / 1e6:F0} MB");
            Console.WriteLine($"  arrival to offer at {rate:N0} calls/s for {seconds} s with {agents} softphones: " +
                $"p50 {latency.Offer.P50:F2} ms, p99 {latency.Offer.P99:F2} ms, p99.9 {latency.Offer.P999:F2} ms, max {latency.Offer.Max:F2} ms ({latency.Offer.Count:N0} calls)");
            Console.WriteLine($"  live heap after the run (after a full collection): {GC.GetTotalMemory(forceFullCollection: true) / 1e6:F0} MB");
            Console.WriteLine($"  arrival to acknowledgement: p50 {latency.Ack.P50:F2} ms, p99 {latency.Ack.P99:F2} ms, max {latency.Ack.Max:F2} ms");
            Console.WriteLine($"  calls ended {latency.Ended:N0} of {latency.Offer.Count:N0}; events rejected {latency.Rejected}");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"RESULT edge eventsPerSecond={perSecond:F0} offerP99Ms={latency.Offer.P99:F3} offerP50Ms={latency.Offer.P50:F3} " +
                $"maxPauseMs={(eachPause.Count == 0 ? 0 : eachPause.Max(p => p.PausedMs)):F1}"));
            return latency.Ended == latency.Offer.Count && latency.Rejected == 0 ? 0 : 1;
        }
        finally
        {
            if (second is not null)
            {
                await second.StopAsync();
                await second.DisposeAsync();
            }

            await app.StopAsync();
            await app.DisposeAsync();
            await postgres.DropDatabaseAsync(database);
        }
    }

    /// <summary>Arrivals and hang-ups of calls nobody answers, pipelined on one stream; counts acknowledgements.</summary>
    private static async Task<double> MeasureGatewayThroughput(GrpcChannel channel, int events)
    {
        var calls = events / 2;
        using var stream = new Gateway.GatewayClient(channel).Connect();
        await stream.RequestStream.WriteAsync(new GatewayEvent { Hello = new Hello { GatewayId = "bench-throughput" } });
        var answered = 0;
        var rejected = 0;
        var clock = Stopwatch.StartNew();
        var reading = Task.Run(async () =>
        {
            await foreach (var reply in stream.ResponseStream.ReadAllAsync())
            {
                if (reply.Accepted is not null || reply.Rejected is not null)
                {
                    rejected += reply.Rejected is null ? 0 : 1;
                    if (++answered == events)
                    {
                        return;
                    }
                }
            }
        });

        for (var i = 0; i < calls; i++)
        {
            await stream.RequestStream.WriteAsync(new GatewayEvent
            {
                EventId = $"a{i}",
                CallArrived = new CallArrived { CallId = $"t{i}", QueueId = "general", TierId = i % 5 == 0 ? "VIP" : "Standard" },
            });
            if (i >= 1_000)
            {
                await stream.RequestStream.WriteAsync(new GatewayEvent { EventId = $"h{i - 1_000}", CallHungUp = new CallHungUp { CallId = $"t{i - 1_000}" } });
            }
        }

        for (var i = Math.Max(0, calls - 1_000); i < calls; i++)
        {
            await stream.RequestStream.WriteAsync(new GatewayEvent { EventId = $"h{i}", CallHungUp = new CallHungUp { CallId = $"t{i}" } });
        }

        await reading;
        var elapsed = clock.Elapsed;
        await stream.RequestStream.CompleteAsync();
        if (rejected > 0)
        {
            Console.WriteLine($"  {rejected} events were rejected");
        }

        return events / elapsed.TotalSeconds;
    }

    private sealed record LatencyRun(Percentiles Offer, Percentiles Ack, int Ended, int Rejected);

    /// <summary>Open-loop arrivals at a fixed rate; softphones accept every offer and end the call at once.</summary>
    /// <param name="ready">Runs once the softphones are in place and the gateway has said hello, just before the first call.</param>
    private static async Task<LatencyRun> MeasureOfferLatency(GrpcChannel channel, int agents, int rate, int seconds, string prefix, Action ready)
    {
        var softphone = new Softphone.SoftphoneClient(channel);
        var calls = rate * seconds;
        var sentAt = new long[calls];
        var offeredAt = new long[calls];
        var ackedAt = new long[calls];
        var ended = 0;
        var rejected = 0;
        using var stop = new CancellationTokenSource();
        var desks = new List<Task>();
        for (var a = 0; a < agents; a++)
        {
            var agent = $"{prefix}-agent-{a}";
            var login = new LogInRequest { AgentId = agent };
            login.Skills.Add(new Protos.V1.AgentSkill { SkillId = "english", Level = 5 });
            await softphone.LogInAsync(login);
            var updates = softphone.Subscribe(new AgentRequest { AgentId = agent }, cancellationToken: stop.Token);
            var subscribed = new TaskCompletionSource();
            desks.Add(Task.Run(() => Desk(softphone, agent, updates, subscribed, offeredAt, prefix.Length, stop.Token)));
            await subscribed.Task.WaitAsync(TimeSpan.FromSeconds(30));
            await softphone.SetStateAsync(new SetStateRequest { AgentId = agent, Available = new Available() });
        }

        using var stream = new Gateway.GatewayClient(channel).Connect();
        await stream.RequestStream.WriteAsync(new GatewayEvent { Hello = new Hello { GatewayId = $"bench-{prefix}" } });
        var allEnded = new TaskCompletionSource();
        var reading = Task.Run(async () =>
        {
            await foreach (var reply in stream.ResponseStream.ReadAllAsync())
            {
                switch (reply.ReplyCase)
                {
                    case GatewayReply.ReplyOneofCase.Accepted:
                        ackedAt[int.Parse(reply.Accepted.EventId, CultureInfo.InvariantCulture)] = Stopwatch.GetTimestamp();
                        break;
                    case GatewayReply.ReplyOneofCase.Rejected:
                        Interlocked.Increment(ref rejected);
                        break;
                    case GatewayReply.ReplyOneofCase.CallUpdate when reply.CallUpdate.Ended is not null:
                        if (Interlocked.Increment(ref ended) == calls)
                        {
                            allEnded.TrySetResult();
                        }

                        break;
                }
            }
        });

        ready();
        var start = Stopwatch.GetTimestamp();
        for (var i = 0; i < calls; i++)
        {
            var due = start + (long)(i * (double)Stopwatch.Frequency / rate);
            while (Stopwatch.GetTimestamp() < due)
            {
                await Task.Delay(1);
            }

            sentAt[i] = Stopwatch.GetTimestamp();
            await stream.RequestStream.WriteAsync(new GatewayEvent
            {
                EventId = i.ToString(CultureInfo.InvariantCulture),
                CallArrived = new CallArrived { CallId = $"{prefix}{i}", QueueId = "general", TierId = i % 5 == 0 ? "VIP" : "Standard" },
            });
        }

        await Task.WhenAny(allEnded.Task, Task.Delay(TimeSpan.FromSeconds(30)));
        await stream.RequestStream.CompleteAsync();
        await stop.CancelAsync();
        await Task.WhenAll(desks.Select(d => d.ContinueWith(_ => { })));
        await reading.ContinueWith(_ => { });
        for (var a = 0; a < agents; a++)
        {
            await softphone.LogOutAsync(new AgentRequest { AgentId = $"{prefix}-agent-{a}" });
        }

        return new LatencyRun(
            Percentiles.Of(sentAt.Zip(offeredAt, (s, o) => o == 0 ? double.NaN : Milliseconds(o - s))),
            Percentiles.Of(sentAt.Zip(ackedAt, (s, a) => a == 0 ? double.NaN : Milliseconds(a - s))),
            ended,
            rejected);
    }

    /// <summary>One softphone: notes when each offer arrives, accepts it, and ends the call when connected.</summary>
    private static async Task Desk(
        Softphone.SoftphoneClient softphone, string agent, AsyncServerStreamingCall<AgentUpdate> updates, TaskCompletionSource subscribed,
        long[] offeredAt, int prefixLength, CancellationToken stop)
    {
        try
        {
            await foreach (var update in updates.ResponseStream.ReadAllAsync(stop))
            {
                // The first update of a subscription (the agent's current state) says it is in place.
                subscribed.TrySetResult();
                if (update.Offer is { } offer)
                {
                    offeredAt[int.Parse(offer.CallId.AsSpan(prefixLength), CultureInfo.InvariantCulture)] = Stopwatch.GetTimestamp();
                    await softphone.AcceptOfferAsync(new OfferAnswer { AgentId = agent, CallId = offer.CallId, Epoch = offer.Epoch }, cancellationToken: stop);
                }
                else if (update.Assignment is { } assignment)
                {
                    await softphone.EndCallAsync(new CallRequest { AgentId = agent, CallId = assignment.CallId }, cancellationToken: stop);
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or RpcException { StatusCode: StatusCode.Cancelled })
        {
        }
        finally
        {
            updates.Dispose();
        }
    }

    private static double Milliseconds(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;

    private sealed record Percentiles(double P50, double P99, double P999, double Max, int Count)
    {
        public static Percentiles Of(IEnumerable<double> samples)
        {
            var sorted = samples.Where(s => !double.IsNaN(s)).Order().ToArray();
            if (sorted.Length == 0)
            {
                return new Percentiles(double.NaN, double.NaN, double.NaN, double.NaN, 0);
            }

            double At(double q) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];
            return new Percentiles(At(0.50), At(0.99), At(0.999), sorted[^1], sorted.Length);
        }
    }

    private static string? TextOption(IReadOnlyList<string> args, string name)
    {
        for (var i = 0; i < args.Count - 1; i++)
        {
            if (args[i] == name)
            {
                return args[i + 1];
            }
        }

        return null;
    }

    private static int Option(IReadOnlyList<string> args, string name, int fallback) =>
        TextOption(args, name) is { } text ? int.Parse(text, CultureInfo.InvariantCulture) : fallback;
}
