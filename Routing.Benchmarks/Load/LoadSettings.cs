using CallCenter.Protos.V1;

namespace CallCenter.Routing.Benchmarks.Load;

/// <summary>What one load run plays: how many gateways and agents, how calls arrive, and how callers and agents behave.</summary>
internal sealed record LoadSettings
{
    public int Gateways { get; init; } = 4;
    public int Agents { get; init; } = 1_000;
    /// <summary>Calls per second.</summary>
    public double Rate { get; init; } = 1_000;
    /// <summary>Open-loop Poisson arrivals (exponential gaps) instead of a fixed rate.</summary>
    public bool Poisson { get; init; }
    public double Seconds { get; init; } = 60;
    /// <summary>Arrivals before the measured window, so it does not pay for warming up.</summary>
    public double WarmUpSeconds { get; init; } = 5;
    /// <summary>Calls per second while warming up; null for <see cref="Rate"/>. A fresh server compiles its code as it goes, and at a rate it cannot take cold it starts the window with a line it is still working off.</summary>
    public double? WarmUpRate { get; init; }
    /// <summary>Mean talk time (exponential) before the caller hangs up.</summary>
    public double HandleMilliseconds { get; init; } = 100;
    /// <summary>How long an agent takes to finish wrap-up after a call.</summary>
    public double WrapUpMilliseconds { get; init; }
    /// <summary>Share of callers who hang up if not connected within their patience.</summary>
    public double AbandonShare { get; init; } = 0.02;
    /// <summary>Mean patience (exponential) of the callers who abandon.</summary>
    public double PatienceMilliseconds { get; init; } = 20;
    /// <summary>Share of offers the agent rejects.</summary>
    public double RejectShare { get; init; } = 0.01;
    /// <summary>Share of offers at which the softphone drops its stream instead of answering, then reconnects.</summary>
    public double DisconnectShare { get; init; } = 0.001;
    public double ReconnectMilliseconds { get; init; } = 200;
    /// <summary>How long to wait after the last arrival for every call to end.</summary>
    public double DrainSeconds { get; init; } = 60;
    public int Seed { get; init; } = 1;
    /// <summary>The most events a gateway sends in one message when several are waiting; 1 sends each alone.</summary>
    public int GatewayBatch { get; init; } = 64;
    /// <summary>Gateways ask in their hello for the server's replies in batches.</summary>
    public bool ReplyBatches { get; init; } = true;

    public int WarmUpCalls => (int)(WarmUpSeconds * (WarmUpRate ?? Rate));

    public static LoadSettings From(CommandOptions options, LoadSettings defaults) => new()
    {
        Gateways = options.Count("--gateways", defaults.Gateways),
        Agents = options.Count("--agents", defaults.Agents),
        Rate = options.Number("--rate", defaults.Rate),
        Poisson = options.Text("--arrivals") is { } arrivals ? arrivals == "poisson" : defaults.Poisson,
        Seconds = options.Number("--seconds", defaults.Seconds),
        WarmUpSeconds = options.Number("--warm-up", defaults.WarmUpSeconds),
        WarmUpRate = options.Text("--warm-up-rate") is { } warmUpRate ? double.Parse(warmUpRate, System.Globalization.CultureInfo.InvariantCulture) : defaults.WarmUpRate,
        HandleMilliseconds = options.Number("--handle-ms", defaults.HandleMilliseconds),
        WrapUpMilliseconds = options.Number("--wrap-up-ms", defaults.WrapUpMilliseconds),
        AbandonShare = options.Number("--abandon", defaults.AbandonShare),
        PatienceMilliseconds = options.Number("--patience-ms", defaults.PatienceMilliseconds),
        RejectShare = options.Number("--reject", defaults.RejectShare),
        DisconnectShare = options.Number("--disconnect", defaults.DisconnectShare),
        ReconnectMilliseconds = options.Number("--reconnect-ms", defaults.ReconnectMilliseconds),
        DrainSeconds = options.Number("--drain", defaults.DrainSeconds),
        Seed = options.Count("--seed", defaults.Seed),
        GatewayBatch = options.Count("--gateway-batch", defaults.GatewayBatch),
        ReplyBatches = !options.Flag("--no-reply-batches") && defaults.ReplyBatches,
    };
}

/// <summary>
/// Who calls and who answers, drawn to fit the server's default configuration (appsettings.json):
/// four queues, four tiers, agents with a language and one or two product skills.
/// </summary>
internal static class LoadProfile
{
    private static readonly (string Queue, double Share)[] Queues = [("general", 0.4), ("billing", 0.2), ("technical", 0.2), ("sales", 0.2)];
    private static readonly (string Tier, double Share)[] Tiers = [("VIP", 0.1), ("Gold", 0.2), ("Standard", 0.5), ("Basic", 0.2)];
    private static readonly string[] Products = ["billing", "technical", "sales"];
    public static readonly string[] Dispositions = ["resolved", "follow-up", "escalated", "billing-question", "cancelled"];

    public static (string Queue, string Tier) Call(Random random) => (Draw(Queues, random), Draw(Tiers, random));

    /// <summary>Every agent speaks English; each knows one product well enough for its queue, and one in five a second.</summary>
    public static IEnumerable<AgentSkill> AgentSkills(int agent, Random random)
    {
        yield return new AgentSkill { SkillId = "english", Level = random.Next(1, 10) };
        var product = Products[agent % Products.Length];
        // The technical queue asks for level 5, billing for 3: agents of those groups qualify.
        yield return new AgentSkill { SkillId = product, Level = random.Next(5, 10) };
        if (random.NextDouble() < 0.2)
        {
            yield return new AgentSkill { SkillId = Products[(agent + 1) % Products.Length], Level = random.Next(1, 10) };
        }
    }

    private static string Draw((string Name, double Share)[] choices, Random random)
    {
        var roll = random.NextDouble();
        foreach (var (name, share) in choices)
        {
            if ((roll -= share) < 0)
            {
                return name;
            }
        }

        return choices[^1].Name;
    }
}
