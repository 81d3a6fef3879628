using CallCenter.Protos.V1;
using Grpc.Core;
using Grpc.Net.Client;

namespace CallCenter.Routing.Host.Commands;

/// <summary>
/// <c>demo</c>: starts the server on free loopback ports, then plays one gateway and three
/// softphones against it over gRPC, printing what each side sees. Three Standard callers wait
/// for sales before a VIP calls; the first agent free takes the VIP.
/// </summary>
public static class DemoCommand
{
    /// <param name="settings">More server arguments ("--Section:Key=value"), e.g. a database to log to.</param>
    /// <returns>0 when the VIP was served first and every call was served.</returns>
    public static async Task<int> Run(TextWriter output, params string[] settings)
    {
        var endpoints = LoopbackEndpoints.Free();
        var app = RoutingServer.Build(
        [
            .. endpoints.Arguments(),
            "--Logging:LogLevel:Default=Warning",
            "--Routing:Timing:WrapUpSeconds=0",

            // A database of its own: the server recovers what its database holds, and the demo's
            // calls and agents of an earlier run would come back into this one.
            $"--Routing:Database:LocalDatabase=demo_{Guid.NewGuid():N}",
            .. settings,
        ]);
        try
        {
            await RoutingServer.StartAsync(app);
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        output.WriteLine($"demo: routing server on {endpoints.GrpcAddress}");
        using var channel = GrpcChannel.ForAddress(endpoints.GrpcAddress);
        var softphone = new Softphone.SoftphoneClient(channel);
        using var stop = new CancellationTokenSource();
        var served = new List<string>();
        try
        {
            using var gateway = new Gateway.GatewayClient(channel).Connect(cancellationToken: stop.Token);
            await gateway.RequestStream.WriteAsync(new GatewayEvent { Hello = new Hello { GatewayId = "demo-gateway" } });
            var gatewayLog = Task.Run(() => PrintGateway(gateway.ResponseStream, output, stop.Token));

            var callers = new[] { ("call-1", "Standard"), ("call-2", "Standard"), ("call-3", "Standard"), ("call-4", "VIP") };
            foreach (var (call, tier) in callers)
            {
                output.WriteLine($"gateway  -> {call} ({tier}) dials +18005550102 (sales)");
                await gateway.RequestStream.WriteAsync(new GatewayEvent
                {
                    EventId = $"arrive-{call}",
                    CallArrived = new CallArrived { CallId = call, DialedNumber = "+18005550102", TierId = tier, CallerNumber = "+15550100" },
                });
                await Task.Delay(100);
            }

            var desks = new List<Task>();
            foreach (var (agent, level) in new[] { ("carol", 6), ("dave", 4) })
            {
                var login = new LogInRequest { AgentId = agent };
                login.Skills.Add(new Protos.V1.AgentSkill { SkillId = "sales", Level = level });
                await softphone.LogInAsync(login);
                var updates = softphone.Subscribe(new AgentRequest { AgentId = agent }, cancellationToken: stop.Token);
                var subscribed = new TaskCompletionSource();
                desks.Add(Task.Run(() => Desk(softphone, agent, updates, subscribed, output, served, stop.Token)));

                // Available only once the subscription is in place, or the first offer would ring unseen.
                await subscribed.Task.WaitAsync(TimeSpan.FromSeconds(10));
                await softphone.SetStateAsync(new SetStateRequest { AgentId = agent, Available = new Available() });
                output.WriteLine($"{agent,-8} -> logged in with sales {level}, available");
                await Task.Delay(300);
            }

            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
            while (DateTime.UtcNow < deadline)
            {
                lock (served)
                {
                    if (served.Count == callers.Length)
                    {
                        break;
                    }
                }

                await Task.Delay(50);
            }

            output.WriteLine($"demo: calls served in this order: {string.Join(", ", served)}");
            return served.Count == callers.Length && served[0] == "call-4" ? 0 : 1;
        }
        finally
        {
            await stop.CancelAsync();
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    private static async Task PrintGateway(IAsyncStreamReader<GatewayReply> replies, TextWriter output, CancellationToken stop)
    {
        try
        {
            await foreach (var reply in replies.ReadAllAsync(stop))
            {
                var line = reply.ReplyCase switch
                {
                    GatewayReply.ReplyOneofCase.Accepted => $"acknowledged {reply.Accepted.EventId}",
                    GatewayReply.ReplyOneofCase.Rejected => $"rejected {reply.Rejected.EventId}: {reply.Rejected.Code} {reply.Rejected.Message}",
                    GatewayReply.ReplyOneofCase.CallUpdate => Describe(reply.CallUpdate),
                    _ => null,
                };
                if (line is not null)
                {
                    output.WriteLine($"gateway  <- {line}");
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or RpcException)
        {
        }
    }

    private static string Describe(CallUpdate update) => update.UpdateCase switch
    {
        CallUpdate.UpdateOneofCase.Announcement =>
            $"{update.CallId}: announce \"you are number {update.Announcement.Position}" +
            (update.Announcement.EstimatedWait is { } wait ? $", about {wait.ToTimeSpan().TotalSeconds:F0} s\"" : "\""),
        CallUpdate.UpdateOneofCase.RingAgent => $"{update.CallId}: ring {update.RingAgent.AgentId}",
        CallUpdate.UpdateOneofCase.ConnectAgent => $"{update.CallId}: connect to {update.ConnectAgent.AgentId}",
        CallUpdate.UpdateOneofCase.Ended => $"{update.CallId}: ended ({update.Ended.Outcome})",
        _ => $"{update.CallId}: {update.UpdateCase}",
    };

    /// <summary>A softphone that accepts each offer, talks briefly and hangs up.</summary>
    private static async Task Desk(
        Softphone.SoftphoneClient softphone, string agent, AsyncServerStreamingCall<AgentUpdate> updates, TaskCompletionSource subscribed,
        TextWriter output, List<string> served, CancellationToken stop)
    {
        try
        {
            await foreach (var update in updates.ResponseStream.ReadAllAsync(stop))
            {
                // The first update of a subscription is the agent's current state.
                subscribed.TrySetResult();
                if (update.Offer is { } offer)
                {
                    output.WriteLine($"{agent,-8} <- offer of {offer.CallId} from {offer.QueueId}; accepting");
                    lock (served)
                    {
                        served.Add(offer.CallId);
                    }

                    await softphone.AcceptOfferAsync(new OfferAnswer { AgentId = agent, CallId = offer.CallId, Epoch = offer.Epoch }, cancellationToken: stop);
                }
                else if (update.Assignment is { } assignment)
                {
                    await Task.Delay(400, stop);
                    output.WriteLine($"{agent,-8} -> ends {assignment.CallId}");
                    await softphone.EndCallAsync(new CallRequest { AgentId = agent, CallId = assignment.CallId }, cancellationToken: stop);
                    await softphone.FinishWrapUpAsync(new FinishWrapUpRequest { AgentId = agent, CallId = assignment.CallId, DispositionCode = "sale" }, cancellationToken: stop);
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or RpcException)
        {
        }
        finally
        {
            updates.Dispose();
        }
    }

}
