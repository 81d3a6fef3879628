using System.Threading.Channels;
using Akka.Actor;
using Akka.Hosting;
using Akka.TestKit;
using CallCenter.Protos.V1;
using CallCenter.Routing.Host;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace CallCenter.Routing.Tests.Edge;

/// <summary>
/// The real server on loopback ports, with the shipped appsettings.json and a fresh database of
/// its own on the tests' PostgreSQL, driven by real gRPC clients. Its actor system runs on Akka's test scheduler, so ring, wrap-up and heartbeat timers
/// move only when a test advances the clock.
/// </summary>
public sealed class EdgeHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private readonly string _connectionString;

    private EdgeHost(WebApplication app, string address, string connectionString)
    {
        _app = app;
        _connectionString = connectionString;
        Channel = GrpcChannel.ForAddress(address);
        Gateway = new Gateway.GatewayClient(Channel);
        Softphone = new Softphone.SoftphoneClient(Channel);
        State = new RoutingState.RoutingStateClient(Channel);
    }

    public GrpcChannel Channel { get; }
    public Gateway.GatewayClient Gateway { get; }
    public Softphone.SoftphoneClient Softphone { get; }
    public RoutingState.RoutingStateClient State { get; }

    /// <summary>One of the server's own services.</summary>
    public T Service<T>() where T : notnull => _app.Services.GetRequiredService<T>();

    public TestScheduler Clock => (TestScheduler)_app.Services.GetRequiredService<ActorSystem>().Scheduler;

    /// <param name="settings">Configuration overrides, as "Section:Key=value".</param>
    public static async Task<EdgeHost> Start(params string[] settings)
    {
        var database = await PostgresSetUp.NewDatabaseAsync("edge");
        var endpoints = LoopbackEndpoints.Free();
        string[] args =
        [
            .. endpoints.Arguments(),
            "--Logging:LogLevel:Default=Warning",
            $"--Routing:Database:ConnectionString={PostgresSetUp.Server.ConnectionString(database)}",
            .. settings.Select(s => "--" + s),
        ];
        var app = RoutingServer.Build(args, akka => akka.AddHocon(
            "akka.scheduler.implementation = \"Akka.TestKit.TestScheduler, Akka.TestKit\"", HoconAddMode.Prepend), localDomains: true);
        await app.StartAsync();
        return new EdgeHost(app, endpoints.GrpcAddress, PostgresSetUp.Server.ConnectionString(database)) { DatabaseName = database };
    }

    /// <summary>The name of the server's own database on the tests' PostgreSQL.</summary>
    public string DatabaseName { get; private init; } = "";

    /// <summary>An open connection to the server's own database, to read what it logged.</summary>
    public NpgsqlConnection Database()
    {
        var connection = new NpgsqlConnection(_connectionString);
        connection.Open();
        return connection;
    }

    public async Task<GatewaySession> ConnectGateway(string gatewayId, bool batchReplies = false, string domainId = "")
    {
        var session = new GatewaySession(Gateway.Connect());
        await session.Send(new GatewayEvent { Hello = new Hello { GatewayId = gatewayId, BatchReplies = batchReplies, DomainId = domainId } });
        await session.Expect(r => r.HelloAccepted is not null);
        return session;
    }

    /// <summary>Logs the agent in with the skills, subscribes its softphone and makes it available.</summary>
    public async Task<SoftphoneSession> AgentReady(string agentId, params (string Skill, int Level)[] skills)
    {
        var login = new LogInRequest { AgentId = agentId };
        login.Skills.AddRange(skills.Select(s => new Protos.V1.AgentSkill { SkillId = s.Skill, Level = s.Level }));
        await Softphone.LogInAsync(login);
        var session = await Subscribe(agentId);
        await Softphone.SetStateAsync(new SetStateRequest { AgentId = agentId, Available = new Available() });
        await session.Expect(u => u.StateChanged?.To == Protos.V1.AgentStatus.Available);
        return session;
    }

    public async Task<SoftphoneSession> Subscribe(string agentId)
    {
        var session = new SoftphoneSession(agentId, Softphone.Subscribe(new AgentRequest { AgentId = agentId }));
        // The subscription is in place once the agent actor sent where the agent stands.
        await session.Expect(u => u.Current is not null);
        return session;
    }

    /// <summary>Opens a softphone session for the agent and waits for where it stands.</summary>
    public async Task<SoftphoneCommandStream> OpenSession(string agentId)
    {
        var session = new SoftphoneCommandStream(Softphone.Session());
        await session.Open(agentId);
        await session.Expect(u => u.Current is not null, "current state");
        return session;
    }

    public static async Task WaitUntil(Func<Task<bool>> condition, string? what = null)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new AssertionException($"timed out waiting until {what ?? "the condition held"}");
            }

            await Task.Delay(10);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Channel.Dispose();
        using var stopping = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await _app.StopAsync(stopping.Token);
        await _app.DisposeAsync();
    }

}

/// <summary>A stream's messages as they arrive, read in the background so a test can wait for the one it needs.</summary>
public abstract class StreamReader<T> : IAsyncDisposable where T : class
{
    private readonly Channel<T> _received = System.Threading.Channels.Channel.CreateUnbounded<T>();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _pump;

    protected StreamReader(IAsyncStreamReader<T> stream)
    {
        _pump = Task.Run(async () =>
        {
            try
            {
                while (await stream.MoveNext(_stop.Token))
                {
                    foreach (var message in Unpack(stream.Current))
                    {
                        _received.Writer.TryWrite(message);
                    }
                }

                _received.Writer.TryComplete();
            }
            catch (Exception e)
            {
                _received.Writer.TryComplete(e);
            }
        });
    }

    /// <summary>The messages one message read from the stream carries: itself, unless it is a batch.</summary>
    protected virtual IEnumerable<T> Unpack(T message) => [message];

    /// <summary>Every message read so far that was not consumed by an Expect.</summary>
    public List<T> Unread { get; } = [];

    /// <summary>Waits for the first message matching <paramref name="match"/>; the others read meanwhile stay in <see cref="Unread"/>.</summary>
    public async Task<T> Expect(Func<T, bool> match, string? what = null)
    {
        var kept = Unread.FindIndex(m => match(m));
        if (kept >= 0)
        {
            var found = Unread[kept];
            Unread.RemoveAt(kept);
            return found;
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            while (await _received.Reader.WaitToReadAsync(timeout.Token))
            {
                while (_received.Reader.TryRead(out var message))
                {
                    if (match(message))
                    {
                        return message;
                    }

                    Unread.Add(message);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }

        throw new AssertionException($"no {what ?? typeof(T).Name} arrived; read instead: {string.Join(" | ", Unread)}");
    }

    /// <summary>Fails if a message matching <paramref name="match"/> was read by now.</summary>
    public void ExpectNone(Func<T, bool> match, string what)
    {
        while (_received.Reader.TryRead(out var message))
        {
            Unread.Add(message);
        }

        if (Unread.FirstOrDefault(match) is { } found)
        {
            throw new AssertionException($"unexpected {what}: {found}");
        }
    }

    /// <summary>Waits until the stream ends; the status it ended with, or null for a clean end.</summary>
    public async Task<RpcException?> Ended()
    {
        try
        {
            while (await _received.Reader.WaitToReadAsync(new CancellationTokenSource(TimeSpan.FromSeconds(10)).Token))
            {
                while (_received.Reader.TryRead(out var message))
                {
                    Unread.Add(message);
                }
            }

            return null;
        }
        catch (RpcException e)
        {
            return e;
        }
    }

    public virtual async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _pump;
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }
}

public sealed class GatewaySession(AsyncDuplexStreamingCall<GatewayEvent, GatewayReply> call) : StreamReader<GatewayReply>(call.ResponseStream)
{
    private int _nextEventId;
    private int _batches;

    /// <summary>Messages that came as batches of replies; their replies are read one by one.</summary>
    public int BatchesReceived => Volatile.Read(ref _batches);

    protected override IEnumerable<GatewayReply> Unpack(GatewayReply message)
    {
        if (message.ReplyCase != GatewayReply.ReplyOneofCase.Batch)
        {
            return [message];
        }

        Interlocked.Increment(ref _batches);
        return message.Batch.Replies;
    }

    public Task Send(GatewayEvent gatewayEvent) => call.RequestStream.WriteAsync(gatewayEvent);

    /// <summary>Sends the event with a fresh event id and waits for its answer.</summary>
    public async Task<GatewayReply> Answer(GatewayEvent gatewayEvent)
    {
        if (string.IsNullOrEmpty(gatewayEvent.EventId))
        {
            gatewayEvent.EventId = $"e{Interlocked.Increment(ref _nextEventId)}";
        }

        await Send(gatewayEvent);
        return await AnswerTo(gatewayEvent.EventId);
    }

    public Task<GatewayReply> AnswerTo(string eventId) => Expect(
        r => r.Accepted?.EventId == eventId || r.Rejected?.EventId == eventId, $"answer to {eventId}");

    public async Task<GatewayReply> Arrive(string callId, string queue, string tier = "", params (string Skill, int Level)[] skills)
    {
        var arrived = new CallArrived { CallId = callId, QueueId = queue, TierId = tier, CallerNumber = "+15550100" };
        arrived.RequiredSkills.AddRange(skills.Select(s => new SkillRequirement { SkillId = s.Skill, MinimumLevel = s.Level }));
        return await Answer(new GatewayEvent { CallArrived = arrived });
    }

    public Task<GatewayReply> Update(string callId, CallUpdate.UpdateOneofCase kind) =>
        Expect(r => r.CallUpdate?.CallId == callId && r.CallUpdate.UpdateCase == kind, $"{kind} for {callId}");

    public Task Close() => call.RequestStream.CompleteAsync();

    public override async ValueTask DisposeAsync()
    {
        call.Dispose();
        await base.DisposeAsync();
    }
}

public sealed class SoftphoneSession(string agentId, AsyncServerStreamingCall<AgentUpdate> call) : StreamReader<AgentUpdate>(call.ResponseStream)
{
    public string AgentId { get; } = agentId;

    public Task<AgentUpdate> Offer(string? callId = null) =>
        Expect(u => u.Offer is not null && (callId is null || u.Offer.CallId == callId), $"offer of {callId ?? "a call"} to {AgentId}");

    /// <summary>Ends the subscription from the client side, as a softphone that lost its connection.</summary>
    public void Drop() => call.Dispose();

    public override async ValueTask DisposeAsync()
    {
        call.Dispose();
        await base.DisposeAsync();
    }
}

/// <summary>A softphone on its session stream: commands with fresh ids in, updates and results out.</summary>
public sealed class SoftphoneCommandStream(AsyncDuplexStreamingCall<SoftphoneCommand, AgentUpdate> call) : StreamReader<AgentUpdate>(call.ResponseStream)
{
    private int _nextCommandId;

    public Task Open(string agentId) => Send(new SoftphoneCommand { Open = new AgentRequest { AgentId = agentId } });

    /// <summary>Sends the command as it is (its id included).</summary>
    public Task Send(SoftphoneCommand command) => call.RequestStream.WriteAsync(command);

    /// <summary>Sends the command with a fresh id and waits for its result.</summary>
    public async Task<CommandResult> Run(SoftphoneCommand command)
    {
        command.CommandId = $"c{Interlocked.Increment(ref _nextCommandId)}";
        await Send(command);
        return await ResultOf(command.CommandId);
    }

    public async Task<CommandResult> ResultOf(string commandId) =>
        (await Expect(u => u.Result?.CommandId == commandId, $"result of {commandId}")).Result;

    public Task<AgentUpdate> Offer(string callId) => Expect(u => u.Offer?.CallId == callId, $"offer of {callId}");

    public Task Close() => call.RequestStream.CompleteAsync();

    public override async ValueTask DisposeAsync()
    {
        call.Dispose();
        await base.DisposeAsync();
    }
}
