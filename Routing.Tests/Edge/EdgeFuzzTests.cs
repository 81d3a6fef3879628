using System.Security.Cryptography;
using CallCenter.Protos.V1;
using CallCenter.Routing.Host.Identity;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Google.Rpc;
using Grpc.Core;

namespace CallCenter.Routing.Tests.Edge;

/// <summary>
/// Thousands of random and mutated messages to every RPC and every gateway event, from clients with
/// tokens of their own: valid protobuf with wrong values, truncated, oversized and random bytes. The
/// server never fails with an internal error, stays up, answers a refusal of a field with that field
/// named, and changes nothing of a call and an agent that belong to others.
/// </summary>
public sealed class EdgeFuzzTests
{
    private static readonly TestTokens Tokens = new();
    private static readonly Marshaller<byte[]> Bytes = Marshallers.Create(b => b, b => b);

    /// <summary>What the random strings are made of: ids the server knows, and what breaks naive code.</summary>
    private static readonly string[] Words =
    [
        "", " ", "x", "billing", "sales", "general", "VIP", "Gold", "Standard", "fuzz-agent", "fuzz-gw", "fuzz-call-1", "default",
        new string('z', 129), new string('y', 5_000), "\0", "a\u0301", "💥", "-1", "9999999999999999999", "../../etc", "queue:1",
    ];

    private EdgeHost _host = null!;

    [SetUp]
    public async Task StartServer() => _host = await EdgeHost.Start(
        Tokens.ServerSetting, "Routing:Identity:RequireTokens=true", "Routing:Identity:ClientCallBurst=100000",
        "Routing:Identity:ClientCallsPerSecond=100000");

    [TearDown]
    public async Task StopServer() => await _host.DisposeAsync();

    private static Metadata Bearer(EdgeRole role, string subject) => Tokens.For(role, subject);

    /// <summary>Every unary and server-streaming RPC, with the role whose token calls it and a request to start from.</summary>
    private static IEnumerable<(string Service, string Method, MessageDescriptor Request, EdgeRole Role, bool Streams)> Rpcs()
    {
        foreach (var (service, role) in new[]
                 {
                     (Softphone.Descriptor, EdgeRole.Agent), (RoutingState.Descriptor, EdgeRole.Admin), (CallCenter.Protos.V1.Reports.Descriptor, EdgeRole.Supervisor),
                 })
        {
            foreach (var method in service.Methods.Where(m => !m.IsClientStreaming))
            {
                yield return (service.FullName, method.Name, method.InputType, role, method.IsServerStreaming);
            }
        }
    }

    [Test]
    public async Task Random_and_mutated_requests_to_every_rpc_are_refused_by_field_and_change_nothing_of_others()
    {
        var (victimCall, victimAgent) = await Victims();
        var before = await Observe(victimCall, victimAgent);
        var random = new Random(20261208);
        var invoker = _host.Channel.CreateCallInvoker();
        var answered = new Dictionary<StatusCode, int>();
        var sent = 0;

        foreach (var (service, method, request, role, streams) in Rpcs())
        {
            var subject = role == EdgeRole.Agent ? "fuzz-agent" : "fuzz-operator";
            for (var i = 0; i < 150; i++)
            {
                var payload = Payload(request, random, subject);
                var code = await Call(invoker, service, method, request, streams, payload, Bearer(role, subject), $"{service}/{method} #{i}");
                answered[code] = answered.GetValueOrDefault(code) + 1;
                sent++;
            }
        }

        TestContext.Out.WriteLine($"{sent} requests: {string.Join(", ", answered.OrderBy(a => a.Key).Select(a => $"{a.Key} {a.Value}"))}");
        Assert.That(sent, Is.GreaterThan(3_000));
        Assert.That(answered.Keys, Does.Contain(StatusCode.InvalidArgument).And.Contain(StatusCode.OK), "the mutations reach the checks and some pass them");
        Assert.That(await Observe(victimCall, victimAgent), Is.EqualTo(before), "the other gateway's call and the other agent are as they were");
        Assert.That((await _host.State.ListQueuesAsync(new ListQueuesRequest(), Bearer(EdgeRole.Supervisor, "sam"))).Queues, Is.Not.Empty, "the server still serves");
    }

    [Test]
    public async Task Random_and_mutated_gateway_events_are_rejected_by_field_and_change_nothing_of_others()
    {
        var (victimCall, victimAgent) = await Victims();
        var before = await Observe(victimCall, victimAgent);
        var random = new Random(7);
        var codes = new Dictionary<string, int>();
        var arrivalsAccepted = new List<string>();
        var session = new GatewaySession(_host.Gateway.Connect(Bearer(EdgeRole.Gateway, "fuzz-gw")));
        await session.Send(new GatewayEvent { Hello = new Hello { GatewayId = "fuzz-gw" } });
        await session.Expect(r => r.HelloAccepted is not null);

        for (var i = 0; i < 2_000; i++)
        {
            // A third valid, a third valid with one part mutated, a third random throughout.
            var gatewayEvent = (i % 3) switch
            {
                0 => Valid(i),
                1 => MutatedPart(Valid(i), random),
                _ => (GatewayEvent)Mutated(GatewayEvent.Descriptor, random, "fuzz-gw", depth: 0),
            };
            if (gatewayEvent.EventCase is GatewayEvent.EventOneofCase.Hello or GatewayEvent.EventOneofCase.None || gatewayEvent.CalculateSize() > 60_000)
            {
                continue;
            }

            gatewayEvent.EventId = $"fuzz-{i}";
            var reply = await session.Answer(gatewayEvent);
            if (reply.Rejected is { } rejected)
            {
                codes[rejected.Code] = codes.GetValueOrDefault(rejected.Code) + 1;
                Assert.That(rejected.Code, Is.Not.EqualTo("INTERNAL").And.Not.EqualTo("UNKNOWN"), $"{gatewayEvent}: {rejected.Message}");
                if (rejected.Code is "INVALID_ARGUMENT" or "NOT_FOUND")
                {
                    Assert.That(rejected.Field, Is.Not.Empty, $"{gatewayEvent}: {rejected.Message}");
                }
            }
            else
            {
                codes["ACCEPTED"] = codes.GetValueOrDefault("ACCEPTED") + 1;
                if (gatewayEvent.CallArrived is { } arrived && reply.Accepted?.Duplicate == false)
                {
                    arrivalsAccepted.Add(arrived.CallId);
                }
            }
        }

        await session.DisposeAsync();
        TestContext.Out.WriteLine(string.Join(", ", codes.OrderBy(c => c.Key).Select(c => $"{c.Key} {c.Value}")));
        Assert.That(codes.Keys, Does.Contain("INVALID_ARGUMENT").And.Contain("ACCEPTED"));
        Assert.That(codes.Keys, Does.Not.Contain("UNAVAILABLE"), "every accepted event was made durable");
        await using (var database = _host.Database())
        {
            var logged = (await Dapper.SqlMapper.QueryAsync<string>(database, "select call_id from interactions where call_id = any(@ids)", new { ids = arrivalsAccepted.ToArray() })).ToHashSet();
            Assert.That(arrivalsAccepted.Where(id => !logged.Contains(id)), Is.Empty, "every acknowledged arrival is in the log");
        }

        // Bytes that are no gateway event at all end the stream INVALID_ARGUMENT, and change nothing else.
        foreach (var garbage in new[] { [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01], [0x0a, 0xff, 0xff, 0xff, 0x0f], new byte[] { 0x1a, 0x05, 0x0a } })
        {
            var raw = _host.Channel.CreateCallInvoker().AsyncDuplexStreamingCall(
                new Method<byte[], byte[]>(MethodType.DuplexStreaming, "callcenter.v1.Gateway", "Connect", Bytes, Bytes), null,
                new CallOptions(Bearer(EdgeRole.Gateway, "fuzz-gw")));
            await raw.RequestStream.WriteAsync(new GatewayEvent { Hello = new Hello { GatewayId = "fuzz-gw" } }.ToByteArray());
            await raw.RequestStream.WriteAsync(garbage);
            var status = await EndOf(raw.ResponseStream);
            Assert.That(status, Is.EqualTo(StatusCode.InvalidArgument), Convert.ToHexString(garbage));
            raw.Dispose();
        }

        Assert.That(await Observe(victimCall, victimAgent), Is.EqualTo(before), "the other gateway's call and the other agent are as they were");
    }

    /// <summary>An event the server takes: a call of the fuzz gateway's arrives, or one that arrived before goes.</summary>
    private static GatewayEvent Valid(int i) => (i / 3) % 2 == 0
        ? new GatewayEvent { CallArrived = new CallArrived { CallId = $"fuzz-call-{i}", QueueId = "billing", TierId = "Gold" } }
        : new GatewayEvent { CallHungUp = new CallHungUp { CallId = $"fuzz-call-{i - 3}" } };

    /// <summary>The event with one of its event's fields set to a random value of its kind.</summary>
    private static GatewayEvent MutatedPart(GatewayEvent valid, Random random)
    {
        var oneof = GatewayEvent.Descriptor.Oneofs[0].Accessor.GetCaseFieldDescriptor(valid)!;
        var inner = (IMessage)oneof.Accessor.GetValue(valid);
        var fields = inner.Descriptor.Fields.InFieldNumberOrder().Where(f => !f.IsMap && !f.IsRepeated).ToList();
        var field = fields[random.Next(fields.Count)];
        if (Value(field, random, "fuzz-gw", depth: 2) is { } value)
        {
            field.Accessor.SetValue(inner, value);
        }

        return valid;
    }

    /// <summary>A call of another gateway waiting in a queue the fuzz does not name, and another agent logged in, not ready.</summary>
    private async Task<(string Call, string Agent)> Victims()
    {
        var admin = Bearer(EdgeRole.Admin, "ada");
        var profile = new CallCenter.Protos.V1.AgentProfile { AgentId = "victim-agent" };
        profile.Skills.Add(new AgentSkill { SkillId = "technical", Level = 5 });
        await _host.State.PutAgentProfileAsync(profile, admin);
        var victim = Bearer(EdgeRole.Agent, "victim-agent");
        await _host.Softphone.LogInAsync(new LogInRequest { AgentId = "victim-agent" }, victim);
        await _host.Softphone.SetStateAsync(new SetStateRequest { AgentId = "victim-agent", NotReady = new NotReady { Reason = "lunch" } }, victim);

        var gateway = new GatewaySession(_host.Gateway.Connect(Bearer(EdgeRole.Gateway, "victim-gw")));
        await gateway.Send(new GatewayEvent { Hello = new Hello { GatewayId = "victim-gw" } });
        await gateway.Expect(r => r.HelloAccepted is not null);
        Assert.That((await gateway.Arrive("victim-call", "technical")).Accepted, Is.Not.Null);
        return ("victim-call", "victim-agent");
    }

    /// <summary>What a supervisor sees of the two: the call's status and events, the agent's status and skills.</summary>
    private async Task<string> Observe(string call, string agent)
    {
        var supervisor = Bearer(EdgeRole.Supervisor, "sam");
        var history = await _host.State.GetCallAsync(new GetCallRequest { CallId = call }, supervisor);
        var view = await _host.State.GetAgentAsync(new GetAgentRequest { AgentId = agent }, supervisor);
        return $"{history.Call.Status} {history.Call.QueueId} {history.Call.LastSequence} {history.Events.Count} | {view.Status} {view.NotReadyReason} {string.Join(",", view.Skills)}";
    }

    private static bool Parses(MessageDescriptor request, byte[] payload)
    {
        try
        {
            request.Parser.ParseFrom(payload);
            return true;
        }
        catch (InvalidProtocolBufferException)
        {
            return false;
        }
    }

    private static async Task<StatusCode> Call(
        CallInvoker invoker, string service, string method, MessageDescriptor request, bool streams, byte[] payload, Metadata headers, string what)
    {
        var options = new CallOptions(headers, deadline: DateTime.UtcNow.AddSeconds(10));
        var rpc = new Method<byte[], byte[]>(streams ? MethodType.ServerStreaming : MethodType.Unary, service, method, Bytes, Bytes);
        StatusCode code;
        RpcException? error = null;
        try
        {
            if (streams)
            {
                // A stream that starts is left after its first message: a refusal comes before any.
                using var call = invoker.AsyncServerStreamingCall(rpc, null, options, payload);
                using var enough = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
                try
                {
                    await call.ResponseStream.MoveNext(enough.Token);
                }
                catch (RpcException e) when (e.StatusCode == StatusCode.Cancelled && enough.IsCancellationRequested)
                {
                }

                code = StatusCode.OK;
            }
            else
            {
                await invoker.AsyncUnaryCall(rpc, null, options, payload);
                code = StatusCode.OK;
            }
        }
        catch (RpcException e)
        {
            error = e;
            code = e.StatusCode;
        }

        Assert.That(code, Is.Not.EqualTo(StatusCode.Internal).And.Not.EqualTo(StatusCode.Unknown).And.Not.EqualTo(StatusCode.DeadlineExceeded),
            $"{what}: {error?.Status.Detail} ({Convert.ToHexString(payload.AsSpan(0, Math.Min(64, payload.Length)))})");
        if (!Parses(request, payload) && payload.Length <= 64 * 1024)
        {
            Assert.That(code, Is.EqualTo(StatusCode.InvalidArgument), $"{what}: bytes that are no {request.Name}");
            Assert.That(error!.Status.Detail, Does.StartWith($"the request is not a valid {request.Name}"), what);
        }
        if (code is StatusCode.InvalidArgument or StatusCode.NotFound && error!.Status.Detail.Length > 0 && !error.Status.Detail.StartsWith("the request", StringComparison.Ordinal))
        {
            var field = error.GetRpcStatus()?.GetDetail<BadRequest>()?.FieldViolations.FirstOrDefault()?.Field;
            Assert.That(field, Is.Not.Null.And.Not.Empty, $"{what}: {error.Status.Detail}");
        }

        return code;
    }

    /// <summary>A request's bytes: mutated protobuf mostly, else truncated, random or oversized.</summary>
    private static byte[] Payload(MessageDescriptor request, Random random, string subject)
    {
        var message = Mutated(request, random, subject, depth: 0).ToByteArray();
        return random.Next(10) switch
        {
            0 => RandomNumberGenerator.GetBytes(random.Next(1, 200)),
            1 when message.Length > 1 => message[..random.Next(1, message.Length)],
            2 => [.. message, .. RandomNumberGenerator.GetBytes(random.Next(1, 50))],
            3 => new byte[70 * 1024],
            _ => message,
        };
    }

    /// <summary>A message of the type with each field set, or not, to a random value of its kind; agent ids mostly the caller's own.</summary>
    private static IMessage Mutated(MessageDescriptor descriptor, Random random, string subject, int depth)
    {
        var message = descriptor.Parser.ParseFrom([]);
        var oneofsSet = new HashSet<OneofDescriptor>();
        foreach (var field in descriptor.Fields.InFieldNumberOrder())
        {
            if (random.Next(3) == 0 || (field.RealContainingOneof is { } oneof && !oneofsSet.Add(oneof)))
            {
                continue;
            }

            if (field.IsMap || (field.IsRepeated && field.FieldType == FieldType.Message && depth > 2))
            {
                continue;
            }

            if (field.IsRepeated)
            {
                var list = (System.Collections.IList)field.Accessor.GetValue(message);
                for (var n = random.Next(4); n > 0; n--)
                {
                    if (Value(field, random, subject, depth) is { } item)
                    {
                        list.Add(item);
                    }
                }
            }
            else if (Value(field, random, subject, depth) is { } value)
            {
                field.Accessor.SetValue(message, value);
            }
        }

        return message;
    }

    private static object? Value(FieldDescriptor field, Random random, string subject, int depth) => field.FieldType switch
    {
        FieldType.String when field.Name.EndsWith("agent_id", StringComparison.Ordinal) && random.Next(4) > 0 => subject,
        FieldType.String => Words[random.Next(Words.Length)],
        FieldType.Bool => random.Next(2) == 0,
        FieldType.Int32 or FieldType.SInt32 or FieldType.SFixed32 => new[] { 0, -1, 1, 5, int.MaxValue, int.MinValue, random.Next() }[random.Next(7)],
        FieldType.Int64 or FieldType.SInt64 or FieldType.SFixed64 => new[] { 0L, -1L, 1L, long.MaxValue, long.MinValue, random.NextInt64() }[random.Next(6)],
        FieldType.UInt32 or FieldType.Fixed32 => (uint)random.Next(),
        FieldType.UInt64 or FieldType.Fixed64 => (ulong)random.NextInt64(),
        FieldType.Double => new[] { 0.0, -1.0, 1e300, double.NaN, double.PositiveInfinity, random.NextDouble() * 1_000 }[random.Next(6)],
        FieldType.Float => new[] { 0f, -1f, float.NaN, float.MaxValue, (float)random.NextDouble() }[random.Next(5)],
        FieldType.Enum => random.Next(4) == 0 ? random.Next(-5, 100) : field.EnumType.Values[random.Next(field.EnumType.Values.Count)].Number,
        FieldType.Bytes => ByteString.CopyFrom(RandomNumberGenerator.GetBytes(random.Next(20))),
        FieldType.Message when field.MessageType.FullName == "google.protobuf.Timestamp" => new Google.Protobuf.WellKnownTypes.Timestamp
        {
            Seconds = new[] { 0L, -62135596801L, 253402300800L, DateTimeOffset.UtcNow.ToUnixTimeSeconds(), DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 86_400 * 400 }[random.Next(5)],
            Nanos = new[] { 0, -1, 1_000_000_000, 5 }[random.Next(4)],
        },
        FieldType.Message when field.MessageType.FullName == "google.protobuf.Duration" => new Google.Protobuf.WellKnownTypes.Duration
        {
            Seconds = new[] { 0L, -5L, 315576000001L, 30L }[random.Next(4)],
            Nanos = new[] { 0, -1, 1_000_000_000 }[random.Next(3)],
        },
        FieldType.Message when depth < 4 => Mutated(field.MessageType, random, subject, depth + 1),
        _ => null,
    };

    private static async Task<StatusCode> EndOf(IAsyncStreamReader<byte[]> replies)
    {
        try
        {
            using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            while (await replies.MoveNext(patience.Token))
            {
            }

            return StatusCode.OK;
        }
        catch (RpcException e)
        {
            return e.StatusCode;
        }
    }
}
