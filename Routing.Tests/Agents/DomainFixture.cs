using Akka.Actor;
using Akka.TestKit;
using CallCenter.Routing.Agents.AgentActors;
using CallCenter.Routing.Agents.Calls;
using CallCenter.Routing.Agents.Domain;
using CallCenter.Routing.Configuration;
using CallCenter.Routing.Lifecycle;
using CallCenter.Routing.Model;

namespace CallCenter.Routing.Tests.Agents;

/// <summary>A routing domain in a test's actor system, with short ways to drive and watch it.</summary>
internal sealed class DomainFixture
{
    public static readonly SkillId Billing = new("billing");
    public static readonly SkillId French = new("french");
    public static readonly QueueId Main = new("main");
    public static readonly QueueId Spill = new("spill");

    private readonly TestKitBase _kit;

    public DomainFixture(TestKitBase kit, DomainSettings? settings = null, RoutingConfiguration? configuration = null)
    {
        _kit = kit;
        Settings = settings ?? new DomainSettings
        {
            Agents = new AgentSettings { RingTimeout = TimeSpan.FromSeconds(15), Policy = new AgentPolicy { WrapUpDuration = TimeSpan.FromSeconds(10) } },
        };
        Configuration = configuration ?? new RoutingConfiguration
        {
            Skills = [Billing, French],
            Queues = [new QueueConfig { Id = Main }, new QueueConfig { Id = Spill, RequiredSkills = [new(Billing, 1)] }],
            AntiStarvation = AntiStarvationMode.None,
        };
        Domain = kit.Sys.ActorOf(RoutingDomainActor.Props(Configuration, Settings), "routing");
        CallEvents = kit.CreateTestProbe("call-events");
        AgentEvents = kit.CreateTestProbe("agent-events");
        kit.Sys.FollowDomainEvents<CallEvent>(CallEvents.Ref);
        kit.Sys.FollowDomainEvents<AgentEvent>(AgentEvents.Ref);
    }

    public IActorRef Domain { get; }
    public DomainSettings Settings { get; }
    public RoutingConfiguration Configuration { get; }
    public TestProbe CallEvents { get; }
    public TestProbe AgentEvents { get; }

    public Outcome Send(object message) => Domain.Ask<CommandResult>(message, TimeSpan.FromSeconds(5)).Result.Outcome;

    public T Ask<T>(object message) => Domain.Ask<T>(message, TimeSpan.FromSeconds(5)).Result;

    public Outcome Arrive(string call, string tier = "Standard", QueueId? queue = null, string? preferred = null) =>
        Send(new CallProtocol.Arrive(new CallId(call), queue ?? Main, new TierId(tier),
            PreferredAgent: preferred is null ? null : new AgentId(preferred)));

    /// <summary>Logs the agent in, subscribes a softphone probe to it (an agent that never logged in has nothing to subscribe to), and makes it available.</summary>
    public TestProbe Agent(string agent, params (SkillId Skill, int Level)[] skills)
    {
        var id = new AgentId(agent);
        var softphone = _kit.CreateTestProbe($"softphone-{agent}");
        Assert.That(Send(new AgentProtocol.LogIn(id, skills.Select(s => new AgentSkill(s.Skill, s.Level)).ToList())).Code, Is.EqualTo(OutcomeCode.Ok));
        Assert.That(Send(new AgentProtocol.Subscribe(id, softphone.Ref)).Code, Is.EqualTo(OutcomeCode.Ok));
        Assert.That(Send(new AgentProtocol.MakeAvailable(id)).Code, Is.EqualTo(OutcomeCode.Ok));
        return softphone;
    }

    public static AgentProtocol.OfferPresented NextOffer(TestProbe softphone) =>
        softphone.FishForMessage<AgentProtocol.OfferPresented>(_ => true, TimeSpan.FromSeconds(5));

    public Outcome Accept(string agent, AgentProtocol.OfferPresented offer) =>
        Send(new AgentProtocol.Accept(new AgentId(agent), offer.Call, offer.Epoch));

    public CallState CallState(string call) => Ask<CallState>(new CallProtocol.GetState(new CallId(call)));

    public AgentState AgentState(string agent) => Ask<AgentState>(new AgentProtocol.GetState(new AgentId(agent)));

    /// <summary>Waits for the call's event of type T, skipping others.</summary>
    public T CallEvent<T>(string call)
        where T : CallEvent =>
        CallEvents.FishForMessage<T>(e => e.Call.Value == call, TimeSpan.FromSeconds(5));

    public T AgentEvent<T>(string agent, Func<T, bool>? match = null)
        where T : AgentEvent =>
        AgentEvents.FishForMessage<T>(e => e.Agent.Value == agent && (match?.Invoke(e) ?? true), TimeSpan.FromSeconds(5));
}
