using System.Diagnostics;
using System.Globalization;
using CallCenter.Protos.V1;

namespace CallCenter.Routing.Benchmarks.Load;

/// <summary>
/// How much the server holds: many agents logged in and available, and many calls waiting in
/// a queue none of them can take (billing, which they lack), then the server's memory.
/// </summary>
internal static class CapacityRun
{
    private const double Mebibyte = 1 << 20;

    /// <summary>Arrivals the server has answered: acknowledged, or refused as overload (a running server given by --target may refuse).</summary>
    private static long Answered(CallBook book) => Interlocked.Read(ref book.Acknowledged) + Interlocked.Read(ref book.Refused);

    public static async Task<CapacityReport> RunAsync(ServerUnderLoad server, int agents, int waiting, int gateways, double settleSeconds)
    {
        var tag = string.Create(CultureInfo.InvariantCulture, $"cap{DateTime.UtcNow:MMddHHmmss}");
        var book = new CallBook(tag, waiting, waiting);
        var settings = new LoadSettings { AbandonShare = 0, Gateways = gateways };
        await using var delays = new DelayedActions();
        var softphone = new Softphone.SoftphoneClient(server.Channel);
        Console.WriteLine($"capacity: {agents:N0} agents logged in and available, {waiting:N0} calls waiting");

        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, agents), new ParallelOptions { MaxDegreeOfParallelism = 64 }, async (a, _) =>
        {
            var agentId = book.AgentId(a);
            var login = new LogInRequest { AgentId = agentId };
            login.Skills.Add(new AgentSkill { SkillId = "english", Level = 1 + a % 9 });
            login.Skills.Add(new AgentSkill { SkillId = "mandarin", Level = 1 + a % 7 });
            await softphone.LogInAsync(login);
            await softphone.SetStateAsync(new SetStateRequest { AgentId = agentId, Available = new Available() });
        });
        Console.WriteLine($"  {agents:N0} agents logged in and available in {clock.Elapsed.TotalSeconds:F1} s");

        var drivers = Enumerable.Range(0, gateways).Select(g => new GatewayDriver(server.Channel, $"{tag}-gw-{g}", book, delays, settings)).ToArray();
        foreach (var driver in drivers)
        {
            await driver.ConnectAsync();
        }

        clock.Restart();
        var tiers = new[] { "VIP", "Gold", "Standard", "Standard", "Basic" };
        for (var call = 0; call < waiting; call++)
        {
            // Held to what the server has acknowledged: its streams take at most 2,000 events in flight each.
            while (call - Answered(book) > gateways * 1_000)
            {
                await Task.Delay(1);
            }

            drivers[call % gateways].Arrive(call, "billing", tiers[call % tiers.Length]);
            if (call % 100_000 == 99_999)
            {
                Console.WriteLine($"  {call + 1:N0} calls sent in {clock.Elapsed.TotalSeconds:F1} s");
            }
        }

        while (Answered(book) < waiting && clock.Elapsed < TimeSpan.FromMinutes(10))
        {
            await Task.Delay(50);
        }

        var loaded = clock.Elapsed;
        var state = new RoutingState.RoutingStateClient(server.Channel);
        var queue = await state.GetQueueAsync(new GetQueueRequest { QueueId = "billing" });
        // The general queue needs no skill, so every available agent counts there.
        var general = await state.GetQueueAsync(new GetQueueRequest { QueueId = "general" });
        var metrics = await server.MetricsAsync();
        // The line then lives on: every call is announced each interval and its queue's rules
        // relax after a minute. The figure is the most the server held while that went on.
        var peak = metrics?.WorkingSetBytes ?? 0;
        var settle = System.Diagnostics.Stopwatch.StartNew();
        while (settle.Elapsed.TotalSeconds < settleSeconds)
        {
            await Task.Delay(TimeSpan.FromSeconds(10));
            var now = await server.MetricsAsync();
            peak = Math.Max(peak, now?.WorkingSetBytes ?? 0);
            metrics = now ?? metrics;
            Console.WriteLine($"  {settle.Elapsed.TotalSeconds,4:F0} s after loading: server memory {(now?.WorkingSetBytes ?? 0) / Mebibyte:N0} MiB (GC heap {(now?.GcHeapBytes ?? 0) / Mebibyte:N0} MiB), " +
                $"{Interlocked.Read(ref book.Announcements):N0} announcements so far");
        }

        var report = new CapacityReport(
            agents,
            waiting,
            queue.Waiting,
            general.AgentsAvailable,
            loaded.TotalSeconds,
            settleSeconds,
            peak / Mebibyte,
            (metrics?.GcHeapBytes ?? 0) / Mebibyte,
            book.Errors.Values.Sum());
        Console.WriteLine($"  {Interlocked.Read(ref book.Acknowledged):N0} calls acknowledged ({Interlocked.Read(ref book.Refused):N0} refused as overload) in {loaded.TotalSeconds:F1} s; the server counts {queue.Waiting:N0} waiting in billing and {general.AgentsAvailable:N0} agents available; " +
            $"peak server memory {report.WorkingSetMebibytes:N0} MiB (GC heap at the end {report.GcHeapMebibytes:N0} MiB); errors {report.Errors}");
        foreach (var (what, count) in book.Errors)
        {
            Console.WriteLine($"    {count,7:N0} × {what}");
        }

        foreach (var driver in drivers)
        {
            await driver.CompleteAsync();
        }

        return report;
    }
}

internal sealed record CapacityReport(
    int Agents, int CallsSent, int CallsWaiting, int AgentsAvailable, double LoadSeconds, double SettleSeconds, double WorkingSetMebibytes, double GcHeapMebibytes, int Errors)
{
    public bool Held => CallsWaiting == CallsSent && AgentsAvailable == Agents && Errors == 0;
}
