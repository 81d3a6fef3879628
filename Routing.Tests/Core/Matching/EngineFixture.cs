using CallCenter.Routing.Configuration;
using CallCenter.Routing.Matching;
using CallCenter.Routing.Model;

namespace CallCenter.Routing.Tests.Core.Matching;

/// <summary>An engine, a virtual clock, and short ways to say what happens to it.</summary>
internal sealed class EngineFixture
{
    public static readonly DateTimeOffset Start = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero); // a Monday

    public static readonly SkillId Billing = new("billing");
    public static readonly SkillId Technical = new("technical");
    public static readonly SkillId English = new("english");
    public static readonly SkillId French = new("french");
    public static readonly QueueId Main = new("main");

    public EngineFixture(RoutingConfiguration configuration)
    {
        Engine = new RoutingEngine(configuration);
    }

    public EngineFixture(AntiStarvationMode mode = AntiStarvationMode.None, params QueueConfig[] queues)
        : this(Configuration(mode, queues))
    {
    }

    public RoutingEngine Engine { get; }
    public DateTimeOffset Now { get; private set; } = Start;
    public List<RoutingEvent> Events { get; } = [];

    public static RoutingConfiguration Configuration(AntiStarvationMode mode, params QueueConfig[] queues) => new()
    {
        Skills = [Billing, Technical, English, French],
        Queues = queues.Length == 0 ? [new QueueConfig { Id = Main }] : queues,
        AntiStarvation = mode,
    };

    public void Wait(TimeSpan time)
    {
        Now += time;
        Record(Engine.Advance(Now));
    }

    public void WaitSeconds(double seconds) => Wait(TimeSpan.FromSeconds(seconds));

    public void LogIn(string agent, params (SkillId Skill, int Level)[] skills) => LogIn(agent, null, skills);

    public void LogIn(string agent, string? backup, params (SkillId Skill, int Level)[] skills)
    {
        var outcome = Engine.LogIn(new AgentProfile
        {
            Id = new AgentId(agent),
            Skills = skills.Select(s => new AgentSkill(s.Skill, s.Level)).ToList(),
            Backup = backup is null ? null : new AgentId(backup),
        });
        Assert.That(outcome.Code, Is.EqualTo(OutcomeCode.Ok), outcome.ToString());
    }

    /// <summary>Makes the agent free, idle since now (or the given time), and returns any offer it got.</summary>
    public CallOffered? Free(string agent, DateTimeOffset? idleSince = null, int callsToday = 0)
    {
        var result = Engine.AgentAvailable(new AgentId(agent), new AgentFairness(idleSince ?? Now, callsToday), Now);
        Assert.That(result.Outcome.Succeeded, result.Outcome.ToString());
        return Record(result.Events).OfType<CallOffered>().SingleOrDefault(o => o.Agent.Value == agent);
    }

    public RoutingResult Arrive(
        string call, string tier = "Standard", QueueId? queue = null, bool emergency = false,
        string? preferred = null, params (SkillId Skill, int Level)[] extraSkills)
    {
        var result = Engine.CallArrived(new CallRequest
        {
            Id = new CallId(call),
            Queue = queue ?? Main,
            Tier = new TierId(tier),
            Emergency = emergency,
            PreferredAgent = preferred is null ? null : new AgentId(preferred),
            ExtraSkills = extraSkills.Select(s => new SkillRequirement(s.Skill, s.Level)).ToList(),
        }, Now);
        Record(result.Events);
        return result;
    }

    public CallOffered? OfferOf(string call) =>
        Events.OfType<CallOffered>().LastOrDefault(o => o.Call.Value == call);

    /// <summary>The agent answers its offer for the call.</summary>
    public void Answer(string call)
    {
        var offer = OfferOf(call) ?? throw new AssertionException($"call {call} was never offered");
        Assert.That(Engine.OfferAccepted(offer.Call, offer.Epoch).Code, Is.EqualTo(OutcomeCode.Ok));
    }

    public RoutingResult Decline(string call)
    {
        var offer = OfferOf(call) ?? throw new AssertionException($"call {call} was never offered");
        var result = Engine.OfferDeclined(offer.Call, offer.Epoch, Now);
        Record(result.Events);
        return result;
    }

    /// <summary>Frees the agent and answers what it is offered; returns the call id or null.</summary>
    public string? NextCallFor(string agent)
    {
        var offer = Free(agent);
        if (offer is null)
        {
            return null;
        }

        Answer(offer.Call.Value);
        return offer.Call.Value;
    }

    public IReadOnlyList<RoutingEvent> Record(IReadOnlyList<RoutingEvent> events)
    {
        Events.AddRange(events);
        return events;
    }
}
