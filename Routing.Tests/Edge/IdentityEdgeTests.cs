using System.Security.Cryptography;
using CallCenter.Protos.V1;
using CallCenter.Routing.Host.Identity;
using Google.Rpc;
using Grpc.Core;

namespace CallCenter.Routing.Tests.Edge;

/// <summary>
/// Who may call what, through real gRPC on loopback: a token is checked at every call (a stream's at
/// its start); its role must be one the method allows; a gateway acts only as itself and an agent only
/// as its agent; a token for one routing domain reaches that domain alone.
/// </summary>
public sealed class IdentityEdgeTests
{
    private static readonly TestTokens Tokens = new();
    private static readonly string Key = Tokens.Key;
    private EdgeHost _host = null!;

    [SetUp]
    public async Task StartServer() => _host = await EdgeHost.Start(Tokens.ServerSetting, "Routing:Identity:RequireTokens=true");

    [TearDown]
    public async Task StopServer() => await _host.DisposeAsync();

    private static string Token(EdgeRole role, string subject, string? domain = null, TimeSpan? lifetime = null, DateTimeOffset? now = null,
        IdentitySettings? settings = null, string? key = null) => Tokens.Token(role, subject, domain, lifetime, now, settings, key);

    private static Metadata Bearer(string token, string? domain = null) => TestTokens.Bearer(token, domain);

    private static string FieldOf(RpcException error) =>
        error.GetRpcStatus()?.GetDetail<BadRequest>()?.FieldViolations.FirstOrDefault()?.Field ?? "";

    private static async Task<RpcException> Refused(Func<Task> call) => (await Assert.ThrowsAsync<RpcException>(async () => await call()))!;

    /// <summary>What an admin assigns: the agent's skills, which its log-in takes.</summary>
    private async Task StoreProfile(string agentId, Metadata admin)
    {
        var profile = new CallCenter.Protos.V1.AgentProfile { AgentId = agentId };
        profile.Skills.Add(new AgentSkill { SkillId = "billing", Level = 5 });
        await _host.State.PutAgentProfileAsync(profile, admin);
    }

    private Task<ListQueuesReply> ListQueues(Metadata? headers = null) => _host.State.ListQueuesAsync(new ListQueuesRequest(), headers).ResponseAsync;

    [Test]
    public async Task A_call_without_a_token_is_unauthenticated_on_every_service()
    {
        Assert.That((await Refused(() => ListQueues())).StatusCode, Is.EqualTo(StatusCode.Unauthenticated));
        Assert.That((await Refused(() => _host.Softphone.LogInAsync(new LogInRequest { AgentId = "alice" }).ResponseAsync)).StatusCode,
            Is.EqualTo(StatusCode.Unauthenticated));
        using var gateway = _host.Gateway.Connect();
        await gateway.RequestStream.WriteAsync(new GatewayEvent { Hello = new Hello { GatewayId = "gw-1" } });
        Assert.That((await Refused(() => gateway.ResponseStream.MoveNext())).StatusCode, Is.EqualTo(StatusCode.Unauthenticated));
        var reports = new CallCenter.Protos.V1.Reports.ReportsClient(_host.Channel);
        Assert.That((await Refused(() => reports.SummaryAsync(new SummaryRequest()).ResponseAsync)).StatusCode, Is.EqualTo(StatusCode.Unauthenticated));
    }

    [Test]
    public async Task Expired_forged_and_foreign_tokens_are_unauthenticated()
    {
        var expired = Token(EdgeRole.Supervisor, "sam", now: DateTimeOffset.UtcNow.AddHours(-3), lifetime: TimeSpan.FromHours(1));
        var forged = Token(EdgeRole.Supervisor, "sam", key: Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
        var otherAudience = Token(EdgeRole.Supervisor, "sam", settings: new IdentitySettings { Audience = "someone-else" });
        var otherIssuer = Token(EdgeRole.Supervisor, "sam", settings: new IdentitySettings { Issuer = "someone-else" });

        foreach (var (token, what) in new[] { (expired, "expired"), (forged, "forged"), (otherAudience, "audience"), (otherIssuer, "issuer"), ("not-a-token", "garbage") })
        {
            var refused = await Refused(() => ListQueues(Bearer(token)));
            Assert.That(refused.StatusCode, Is.EqualTo(StatusCode.Unauthenticated), what);
            Assert.That(refused.Status.Detail, Does.StartWith("the token is not valid"), what);
        }

        Assert.That((await ListQueues(Bearer(Token(EdgeRole.Supervisor, "sam")))).Queues, Is.Not.Empty, "the same token, rightly made, is taken");
    }

    [Test]
    public async Task Each_role_calls_only_what_it_may()
    {
        var agent = Bearer(Token(EdgeRole.Agent, "alice"));
        var gateway = Bearer(Token(EdgeRole.Gateway, "gw-1"));
        var supervisor = Bearer(Token(EdgeRole.Supervisor, "sam"));
        var admin = Bearer(Token(EdgeRole.Admin, "ada"));

        Assert.That((await Refused(() => ListQueues(agent))).StatusCode, Is.EqualTo(StatusCode.PermissionDenied));
        Assert.That((await Refused(() => ListQueues(gateway))).StatusCode, Is.EqualTo(StatusCode.PermissionDenied));
        Assert.That((await ListQueues(supervisor)).Queues, Is.Not.Empty);
        Assert.That((await ListQueues(admin)).Queues, Is.Not.Empty);

        var skill = new PutSkillRequest { SkillId = "french" };
        var byASupervisor = await Refused(() => _host.State.PutSkillAsync(skill, supervisor).ResponseAsync);
        Assert.That(byASupervisor.StatusCode, Is.EqualTo(StatusCode.PermissionDenied), "only admins change the configuration");
        Assert.That((await _host.State.PutSkillAsync(skill, admin)).SkillIds, Does.Contain("french"));

        await StoreProfile("alice", admin);
        var login = new LogInRequest { AgentId = "alice" };
        Assert.That((await Refused(() => _host.Softphone.LogInAsync(login, supervisor).ResponseAsync)).StatusCode, Is.EqualTo(StatusCode.PermissionDenied));
        Assert.That((await _host.Softphone.LogInAsync(login, agent)).Changed, Is.True);
    }

    [Test]
    public async Task An_agent_acts_only_as_itself()
    {
        var alice = Bearer(Token(EdgeRole.Agent, "alice"));

        var asBob = await Refused(() => _host.Softphone.LogInAsync(new LogInRequest { AgentId = "bob" }, alice).ResponseAsync);
        Assert.That((asBob.StatusCode, FieldOf(asBob)), Is.EqualTo((StatusCode.PermissionDenied, "agent_id")));
        var outBob = await Refused(() => _host.Softphone.LogOutAsync(new AgentRequest { AgentId = "bob" }, alice).ResponseAsync);
        Assert.That((outBob.StatusCode, FieldOf(outBob)), Is.EqualTo((StatusCode.PermissionDenied, "agent_id")));
        var watchBob = _host.Softphone.Subscribe(new AgentRequest { AgentId = "bob" }, alice);
        var watched = await Refused(() => watchBob.ResponseStream.MoveNext());
        Assert.That((watched.StatusCode, FieldOf(watched)), Is.EqualTo((StatusCode.PermissionDenied, "agent_id")));

        using var session = _host.Softphone.Session(alice);
        await session.RequestStream.WriteAsync(new SoftphoneCommand { Open = new AgentRequest { AgentId = "bob" } });
        var opened = await Refused(() => session.ResponseStream.MoveNext());
        Assert.That((opened.StatusCode, FieldOf(opened)), Is.EqualTo((StatusCode.PermissionDenied, "open.agent_id")));

        var bob = await Refused(() => _host.State.GetAgentAsync(new GetAgentRequest { AgentId = "bob" }, Bearer(Token(EdgeRole.Supervisor, "sam"))).ResponseAsync);
        Assert.That(bob.StatusCode, Is.EqualTo(StatusCode.NotFound), "nothing was done as bob: he never logged in");
        await StoreProfile("alice", Bearer(Token(EdgeRole.Admin, "ada")));
        Assert.That((await _host.Softphone.LogInAsync(new LogInRequest { AgentId = "alice" }, alice)).Changed, Is.True);
    }

    [Test]
    public async Task An_agent_takes_the_skills_its_profile_gives_and_declares_none()
    {
        var alice = Bearer(Token(EdgeRole.Agent, "alice"));
        var declaring = new LogInRequest { AgentId = "alice" };
        declaring.Skills.Add(new AgentSkill { SkillId = "billing", Level = 10 });

        var refused = await Refused(() => _host.Softphone.LogInAsync(declaring, alice).ResponseAsync);

        Assert.That((refused.StatusCode, FieldOf(refused)), Is.EqualTo((StatusCode.PermissionDenied, "skills")));
        await StoreProfile("alice", Bearer(Token(EdgeRole.Admin, "ada")));
        Assert.That((await _host.Softphone.LogInAsync(new LogInRequest { AgentId = "alice" }, alice)).Changed, Is.True);
        var view = await _host.State.GetAgentAsync(new GetAgentRequest { AgentId = "alice" }, Bearer(Token(EdgeRole.Supervisor, "sam")));
        Assert.That(view.Skills.Select(k => (k.SkillId, k.Level)), Is.EqualTo(new[] { ("billing", 5) }), "the profile's level, not the one declared");
    }

    [Test]
    public async Task Only_a_gateway_whose_token_allows_it_flags_an_emergency()
    {
        foreach (var (gatewayId, allowed) in new[] { ("gw-plain", false), ("gw-emergency", true) })
        {
            var token = Tokens.Token(EdgeRole.Gateway, gatewayId, emergency: allowed);
            var session = new GatewaySession(_host.Gateway.Connect(Bearer(token)));
            await session.Send(new GatewayEvent { Hello = new Hello { GatewayId = gatewayId } });
            await session.Expect(r => r.HelloAccepted is not null);

            var reply = await session.Answer(new GatewayEvent
            {
                CallArrived = new CallArrived { CallId = $"{gatewayId}-call", QueueId = "billing", Emergency = true },
            });

            Assert.That((reply.Rejected?.Code, reply.Rejected?.Field), Is.EqualTo(allowed ? ((string?)null, (string?)null) : ("PERMISSION_DENIED", "call_arrived.emergency")), gatewayId);
            Assert.That(reply.Accepted is not null, Is.EqualTo(allowed), gatewayId);
            await session.DisposeAsync();
        }
    }

    [Test]
    public async Task A_gateway_acts_only_as_itself()
    {
        using var impostor = _host.Gateway.Connect(Bearer(Token(EdgeRole.Gateway, "gw-1")));
        await impostor.RequestStream.WriteAsync(new GatewayEvent { Hello = new Hello { GatewayId = "gw-2" } });
        var refused = await Refused(() => impostor.ResponseStream.MoveNext());
        Assert.That((refused.StatusCode, FieldOf(refused)), Is.EqualTo((StatusCode.PermissionDenied, "hello.gateway_id")));

        using var itself = _host.Gateway.Connect(Bearer(Token(EdgeRole.Gateway, "gw-1")));
        await itself.RequestStream.WriteAsync(new GatewayEvent { Hello = new Hello { GatewayId = "gw-1" } });
        Assert.That(await itself.ResponseStream.MoveNext(), Is.True);
        Assert.That(itself.ResponseStream.Current.HelloAccepted, Is.Not.Null);
    }

    [Test]
    public async Task A_token_for_one_domain_reaches_that_domain_alone()
    {
        var north = Token(EdgeRole.Supervisor, "sam", domain: "north");
        var refused = await Refused(() => ListQueues(Bearer(north)));
        Assert.That((refused.StatusCode, FieldOf(refused)), Is.EqualTo((StatusCode.PermissionDenied, "routing-domain")));

        var home = Token(EdgeRole.Supervisor, "sam", domain: "default");
        Assert.That((await ListQueues(Bearer(home))).Queues, Is.Not.Empty, "the default domain, named by no header");
        Assert.That((await ListQueues(Bearer(home, domain: "default"))).Queues, Is.Not.Empty);

        using var gateway = _host.Gateway.Connect(Bearer(Token(EdgeRole.Gateway, "gw-1", domain: "north")));
        await gateway.RequestStream.WriteAsync(new GatewayEvent { Hello = new Hello { GatewayId = "gw-1" } });
        var elsewhere = await Refused(() => gateway.ResponseStream.MoveNext());
        Assert.That((elsewhere.StatusCode, FieldOf(elsewhere)), Is.EqualTo((StatusCode.PermissionDenied, "hello.domain_id")));
    }

    [Test]
    public async Task The_token_command_issues_what_the_server_takes()
    {
        var output = new StringWriter();
        var error = new StringWriter();

        var code = CallCenter.Routing.Host.Commands.TokenCommand.Run(
            ["--role", "supervisor", "--subject", "sam", "--hours", "1", $"--Routing:Identity:SigningKey={Key}"], output, error);

        Assert.That((code, error.ToString()), Is.EqualTo((0, "")));
        Assert.That((await ListQueues(Bearer(output.ToString().Trim()))).Queues, Is.Not.Empty);
    }

    [Test]
    public void The_token_command_refuses_what_it_cannot_issue()
    {
        foreach (var args in new[]
                 {
                     new[] { "--subject", "sam" },
                     ["--role", "boss", "--subject", "sam"],
                     ["--role", "agent", "--subject", "a1", "--hours", "0"],
                     ["--role", "agent", "--subject", "a1", "--colour", "red"],
                 })
        {
            var error = new StringWriter();
            Assert.That(CallCenter.Routing.Host.Commands.TokenCommand.Run(args, new StringWriter(), error), Is.EqualTo(2), string.Join(' ', args));
            Assert.That(error.ToString(), Does.StartWith("token: "), string.Join(' ', args));
        }
    }
}

/// <summary>Where tokens are not required (the setting off), a call without one is served as before, and a call with a bad one is still refused.</summary>
public sealed class OptionalTokensEdgeTests
{
    private EdgeHost _host = null!;

    [SetUp]
    public async Task StartServer() => _host = await EdgeHost.Start(new TestTokens().ServerSetting);

    [TearDown]
    public async Task StopServer() => await _host.DisposeAsync();

    [Test]
    public async Task A_call_without_a_token_is_served_and_one_with_a_bad_token_is_refused()
    {
        Assert.That((await _host.State.ListQueuesAsync(new ListQueuesRequest())).Queues, Is.Not.Empty);

        var refused = (await Assert.ThrowsAsync<RpcException>(async () =>
            await _host.State.ListQueuesAsync(new ListQueuesRequest(), new Metadata { { "authorization", "Bearer not-a-token" } })))!;

        Assert.That(refused.StatusCode, Is.EqualTo(StatusCode.Unauthenticated));
    }
}

/// <summary>A client over its share of calls is refused RESOURCE_EXHAUSTED; the other clients are served as before.</summary>
public sealed class ClientRateLimitsEdgeTests
{
    private readonly TestTokens _tokens = new();
    private EdgeHost _host = null!;

    // One call every hundred seconds on average, three at once: no call comes back within a test.
    [SetUp]
    public async Task StartServer() => _host = await EdgeHost.Start(
        _tokens.ServerSetting, "Routing:Identity:ClientCallsPerSecond=0.01", "Routing:Identity:ClientCallBurst=3");

    [TearDown]
    public async Task StopServer() => await _host.DisposeAsync();

    private Metadata Supervisor(string subject) => _tokens.For(EdgeRole.Supervisor, subject);

    [Test]
    public async Task A_flooding_client_is_refused_and_the_others_are_served()
    {
        for (var i = 0; i < 3; i++)
        {
            Assert.That((await _host.State.ListQueuesAsync(new ListQueuesRequest(), Supervisor("sam"))).Queues, Is.Not.Empty, $"call {i + 1} of the burst");
        }

        var refused = (await Assert.ThrowsAsync<RpcException>(async () => await _host.State.ListQueuesAsync(new ListQueuesRequest(), Supervisor("sam"))))!;

        Assert.That(refused.StatusCode, Is.EqualTo(StatusCode.ResourceExhausted));
        Assert.That(refused.Status.Detail, Does.Contain("supervisor 'sam'"));
        Assert.That((await _host.State.ListQueuesAsync(new ListQueuesRequest(), Supervisor("sue"))).Queues, Is.Not.Empty, "another client keeps its share");
        Assert.That((await _host.State.ListQueuesAsync(new ListQueuesRequest())).Queues, Is.Not.Empty, "a call without a token, where none is required, is not limited");
    }
}
