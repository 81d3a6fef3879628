using System.Globalization;
using System.Text.Json;
using CallCenter.Routing.Host.InteractionLog;

namespace CallCenter.Routing.Benchmarks.Load;

/// <summary>
/// <c>load</c>: plays gateways and softphones against the routing server over real gRPC with
/// the interaction log on. <c>--suite</c> measures the machine's floors, then the latency,
/// throughput and capacity targets, each on a fresh server, and writes one report.
/// </summary>
internal static class LoadCommand
{
    public static int Run(IReadOnlyList<string> args) => RunAsync(new CommandOptions(args)).GetAwaiter().GetResult();

    private static async Task<int> RunAsync(CommandOptions options)
    {
        var json = options.Text("--json") ?? "load-report.json";
        var target = options.Text("--target");
        await using var postgres = target is null
            ? await LocalPostgres.StartAsync(Path.GetFullPath(options.Text("--data") ?? ".data/load-postgres"))
            : null;
        var report = new SuiteReport { Machine = MachineDescription() };
        Console.WriteLine($"load: {report.Machine}");

        if (postgres is not null && (options.Flag("--suite") || options.Flag("--floors")))
        {
            report.Echo = await EchoFloor.MeasureAsync(1_000, 10);
            report.Copy = await CopyFloor.MeasureAsync(postgres, 10);
        }

        if (options.Flag("--suite"))
        {
            report.Runs.Add(await OneRunAsync(options, postgres, "latency", LoadSettings.From(options, new LoadSettings { Rate = 1_000, Agents = 1_000, WarmUpSeconds = 20 })));
            report.Runs.Add(await OneRunAsync(options, postgres, "throughput", LoadSettings.From(options, new LoadSettings { Rate = 10_000, Agents = 3_000, WarmUpSeconds = 20, WarmUpRate = 2_000, DrainSeconds = 30 })));
            report.Capacity = await CapacityAsync(options, postgres);
        }
        else if (options.Flag("--capacity"))
        {
            report.Capacity = await CapacityAsync(options, postgres);
        }
        else
        {
            report.Runs.Add(await OneRunAsync(options, postgres, options.Text("--name") ?? "load", LoadSettings.From(options, new LoadSettings())));
        }

        report.Print();
        await File.WriteAllTextAsync(json, JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals }));
        Console.WriteLine($"report written to {Path.GetFullPath(json)}");
        return report.Correct ? 0 : 1;
    }

    private static async Task<RunReport> OneRunAsync(CommandOptions options, LocalPostgres? postgres, string name, LoadSettings settings)
    {
        await using var server = await ServerAsync(options, postgres, name);
        return await LoadRun.RunAsync(server, settings, name);
    }

    private static async Task<CapacityReport> CapacityAsync(CommandOptions options, LocalPostgres? postgres)
    {
        // The run measures what the server holds. Its loader paces the calls by their acknowledgements
        // (a thousand in flight per gateway), so the server lags behind half a million arrivals by
        // design: with overload refusal on, it would refuse some and the line would fall short.
        await using var server = await ServerAsync(options, postgres, "capacity", "--Edge:RefuseArrivalsWhenOverloaded=false");
        var report = await CapacityRun.RunAsync(server, options.Count("--capacity-agents", 50_000), options.Count("--capacity-calls", 500_000), options.Count("--gateways", 8), options.Number("--settle-seconds", 90));
        // Time to look inside the loaded server (a heap census, a profiler) before it goes.
        await Task.Delay(TimeSpan.FromSeconds(options.Number("--hold-seconds", 0)));
        return report;
    }

    /// <summary>The running server named by --target, or a fresh one on a new database.</summary>
    private static async Task<ServerUnderLoad> ServerAsync(CommandOptions options, LocalPostgres? postgres, string name, params string[] settings)
    {
        if (postgres is null)
        {
            return ServerUnderLoad.Running(options.Text("--target")!, options.Text("--target-http") ?? "http://127.0.0.1:5081", options.Text("--database"));
        }

        var database = string.Create(CultureInfo.InvariantCulture, $"load_{name}_{DateTime.UtcNow:MMddHHmmss}");
        // Settings of the server's own (--Edge:OverloadCut=0.75) go to every server started, after the run's.
        return await ServerUnderLoad.StartAsync(
            postgres, database, [.. settings, .. options.ServerSettings()], options.Flag("--keep-databases"), options.Count("--nodes", 1));
    }

    private static string MachineDescription()
    {
        var model = File.Exists("/proc/cpuinfo")
            ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim()
            : null;
        return $"{Environment.ProcessorCount} cores ({model ?? "unknown CPU"}), {GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1L << 30)} GiB, " +
            $"{System.Runtime.InteropServices.RuntimeInformation.OSDescription}, .NET {Environment.Version}";
    }
}
