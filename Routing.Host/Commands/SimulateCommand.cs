using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using CallCenter.Routing.Configuration;
using CallCenter.Routing.Model;
using CallCenter.Routing.Simulation;

namespace CallCenter.Routing.Host.Commands;

/// <summary>
/// <c>simulate</c>: runs the capacity-planning simulation and prints its JSON report.
/// Exit code 0 on success, 2 on bad arguments (with the option at fault on standard error).
/// </summary>
public static class SimulateCommand
{
    public const string Usage = """
        usage: Routing.Host simulate [options]
          --agents N             agents in the pool (default 10)
          --aht SECONDS          mean handle time (default 180)
          --rate PER_SECOND      arrival rate, calls per second (default 0.05)
          --tiers T=S,...        share of each tier, e.g. VIP=0.2,Standard=0.8 (default Standard=1)
          --calls N              calls to simulate (default 100000)
          --seed N               random seed (default 1)
          --patience SECONDS     mean caller patience; callers abandon (default: nobody abandons)
          --wrap-up SECONDS      wrap-up after each call (default 0)
          --threshold SECONDS    service-level threshold for every tier (default: each tier's, 15 s)
          --warm-up SHARE        share of first calls left out of the figures (default 0.1)
          --anti-starvation MODE None, Aging or MaximumWait (default None: strict priority)
        """;

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    /// <summary>The option that sets each settings field, so an error names what the user typed.</summary>
    private static readonly Dictionary<string, string> OptionOf = new()
    {
        ["agents"] = "--agents",
        ["meanHandleTimeSeconds"] = "--aht",
        ["arrivalRatePerSecond"] = "--rate",
        ["tierShares"] = "--tiers",
        ["calls"] = "--calls",
        ["meanPatienceSeconds"] = "--patience",
        ["wrapUpSeconds"] = "--wrap-up",
        ["warmUpShare"] = "--warm-up",
        ["serviceLevelThresholdSeconds"] = "--threshold",
        ["antiStarvation"] = "--anti-starvation",
    };

    public static int Run(IReadOnlyList<string> args, TextWriter output, TextWriter error)
    {
        SimulationSettings settings;
        try
        {
            settings = Parse(args);
        }
        catch (ArgumentException e)
        {
            error.WriteLine(e.Message);
            error.WriteLine(Usage);
            return 2;
        }

        var problems = settings.Validate();
        if (problems.Count > 0)
        {
            foreach (var problem in problems)
            {
                var field = problem.Field.Split('[', '.')[0];
                error.WriteLine(OptionOf.TryGetValue(field, out var option) ? $"{option} ({problem.Field}): {problem.Message}" : problem.ToString());
            }

            return 2;
        }

        output.WriteLine(JsonSerializer.Serialize(Simulator.Run(settings), Json));
        return 0;
    }

    public static SimulationSettings Parse(IReadOnlyList<string> args)
    {
        var settings = new SimulationSettings();
        for (var i = 0; i < args.Count; i++)
        {
            var option = args[i];
            if (i + 1 >= args.Count)
            {
                throw new ArgumentException($"{option}: a value is missing");
            }

            var value = args[++i];
            settings = option switch
            {
                "--agents" => settings with { Agents = Integer(option, value) },
                "--aht" => settings with { MeanHandleTimeSeconds = Number(option, value) },
                "--rate" => settings with { ArrivalRatePerSecond = Number(option, value) },
                "--tiers" => settings with { TierShares = Shares(option, value) },
                "--calls" => settings with { Calls = Integer(option, value) },
                "--seed" => settings with { Seed = Integer(option, value) },
                "--patience" => settings with { MeanPatienceSeconds = Number(option, value) },
                "--wrap-up" => settings with { WrapUpSeconds = Number(option, value) },
                "--threshold" => settings with { ServiceLevelThresholdSeconds = Number(option, value) },
                "--warm-up" => settings with { WarmUpShare = Number(option, value) },
                "--anti-starvation" => settings with
                {
                    AntiStarvation = Enum.GetNames<AntiStarvationMode>().FirstOrDefault(n => n.Equals(value, StringComparison.OrdinalIgnoreCase)) is { } name
                        ? Enum.Parse<AntiStarvationMode>(name)
                        : throw new ArgumentException($"{option}: '{value}' is not None, Aging or MaximumWait"),
                },
                _ => throw new ArgumentException($"{option}: unknown option"),
            };
        }

        return settings;
    }

    private static int Integer(string option, string value) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var number)
            ? number
            : throw new ArgumentException($"{option}: '{value}' is not a whole number");

    private static double Number(string option, string value) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && double.IsFinite(number)
            ? number
            : throw new ArgumentException($"{option}: '{value}' is not a number");

    private static List<TierShare> Shares(string option, string value) =>
        value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(part => part.Split('=', 2) is [var tier, var share]
                ? new TierShare(new TierId(tier), Number(option, share))
                : throw new ArgumentException($"{option}: '{part}' is not TIER=SHARE"))
            .ToList();
}
