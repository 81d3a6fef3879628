using System.Diagnostics;
using System.Globalization;
using CallCenter.Protos.V1;

namespace CallCenter.Routing.Benchmarks.Load;

/// <summary>
/// One load run: agents log in and subscribe, gateways connect, calls arrive open-loop on a
/// schedule that never waits for the server, a line of progress every second, then every call
/// is waited for and checked against what the server logged.
/// </summary>
internal static class LoadRun
{
    public static async Task<RunReport> RunAsync(ServerUnderLoad server, LoadSettings settings, string name)
    {
        var tag = string.Create(CultureInfo.InvariantCulture, $"{name}{DateTime.UtcNow:MMddHHmmss}");
        var random = new Random(settings.Seed);
        var arrivals = Schedule(settings, random);
        var book = new CallBook(tag, arrivals.Length, settings.WarmUpCalls);
        var calls = arrivals.Select(_ => LoadProfile.Call(random)).ToArray();
        await using var delays = new DelayedActions();

        Console.WriteLine($"{name}: {settings.Agents:N0} agents, {settings.Gateways} gateways, {settings.Rate:N0} calls/s " +
            $"({(settings.Poisson ? "Poisson" : "fixed rate")}) for {settings.WarmUpSeconds:0} s warm-up{(settings.WarmUpRate is { } warmUpRate ? $" at {warmUpRate:N0}/s" : "")} + {settings.Seconds:0} s measured, " +
            $"talk {settings.HandleMilliseconds:0} ms, abandon {settings.AbandonShare:P0}, reject {settings.RejectShare:P1}, disconnect {settings.DisconnectShare:P1}");
        // With several nodes, agents and gateways are spread over them in turn.
        var softphones = server.Channels.Select(channel => new Softphone.SoftphoneClient(channel)).ToArray();
        var phones = Enumerable.Range(0, settings.Agents)
            .Select(a => new SoftphoneDriver(softphones[a % softphones.Length], a, book, delays, settings)).ToArray();
        var skills = phones.Select((_, a) => LoadProfile.AgentSkills(a, random).ToArray()).ToArray();
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, phones.Length), new ParallelOptions { MaxDegreeOfParallelism = 32 },
            async (a, _) => await phones[a].LogInAsync(skills[a]));
        await Parallel.ForEachAsync(phones, new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (phone, _) => await phone.SubscribeAsync());
        Console.WriteLine($"  {phones.Length:N0} agents logged in, subscribed and available in {clock.Elapsed.TotalSeconds:F1} s");

        var gateways = Enumerable.Range(0, settings.Gateways)
            .Select(g => new GatewayDriver(server.Channels[g % server.Channels.Count], $"{tag}-gw-{g}", book, delays, settings)).ToArray();
        foreach (var gateway in gateways)
        {
            await gateway.ConnectAsync();
        }

        using var stop = new CancellationTokenSource();
        var heartbeats = Task.Run(() => HeartbeatAsync(phones, stop.Token));
        var progress = new Progress(server, book);
        var reporting = Task.Run(() => progress.RunAsync(stop.Token));

        var window = await ArriveAsync(arrivals, calls, gateways, book, settings, progress);
        var drain = Stopwatch.StartNew();
        while (Interlocked.Read(ref book.Ended) < book.Calls && drain.Elapsed.TotalSeconds < settings.DrainSeconds)
        {
            await Task.Delay(100);
        }

        await stop.CancelAsync();
        await reporting;
        await heartbeats;
        foreach (var phone in phones)
        {
            await phone.StopAsync();
        }

        foreach (var gateway in gateways)
        {
            await gateway.CompleteAsync();
        }

        var log = await LogAccounting.CheckAsync(server.ConnectionString, book);
        return RunReport.From(name, settings, book, window, progress, log);
    }

    /// <summary>
    /// Seconds from the start at which each call arrives: evenly spaced, or with exponential gaps;
    /// the warm-up's calls at its own rate, the measured window's from the end of the warm-up.
    /// </summary>
    internal static double[] Schedule(LoadSettings settings, Random random)
    {
        var warmUp = settings.WarmUpCalls;
        var warmUpRate = settings.WarmUpRate ?? settings.Rate;
        var at = new double[warmUp + (int)(settings.Seconds * settings.Rate)];
        var time = 0.0;
        for (var i = 0; i < at.Length; i++)
        {
            var measured = i >= warmUp;
            if (i == warmUp)
            {
                // Poisson warm-up arrivals may run past its end; the window never starts before it.
                time = Math.Max(time, settings.WarmUpSeconds);
            }

            at[i] = settings.Poisson ? time : measured ? settings.WarmUpSeconds + (i - warmUp) / settings.Rate : i / warmUpRate;
            time += -Math.Log(1 - random.NextDouble()) / (measured ? settings.Rate : warmUpRate);
        }

        return at;
    }

    /// <summary>Sends every call at its time (the calls due are sent together when the loop wakes) and returns the measured window.</summary>
    private static async Task<MeasuredWindow> ArriveAsync(
        double[] arrivals, (string Queue, string Tier)[] calls, GatewayDriver[] gateways, CallBook book, LoadSettings settings, Progress progress)
    {
        var start = Stopwatch.GetTimestamp();
        Counters? opened = null;
        for (var call = 0; call < arrivals.Length; call++)
        {
            if (call == settings.WarmUpCalls)
            {
                opened = Counters.Of(book);
                progress.Measuring = true;
            }

            var due = start + (long)(arrivals[call] * Stopwatch.Frequency);
            while (Stopwatch.GetTimestamp() < due)
            {
                await Task.Delay(1);
            }

            gateways[call % gateways.Length].Arrive(call, calls[call].Queue, calls[call].Tier);
        }

        progress.Measuring = false;
        var closed = Counters.Of(book);
        return new MeasuredWindow(opened ?? Counters.Zero(start), closed);
    }

    /// <summary>Every softphone says it is alive every 10 s, well inside the server's heartbeat timeout.</summary>
    private static async Task HeartbeatAsync(SoftphoneDriver[] phones, CancellationToken stop)
    {
        const int Slices = 100;
        for (var slice = 0; !stop.IsCancellationRequested; slice = (slice + 1) % Slices)
        {
            for (var a = slice; a < phones.Length; a += Slices)
            {
                _ = phones[a].HeartbeatAsync();
            }

            try
            {
                await Task.Delay(TimeSpan.FromSeconds(10.0 / Slices), stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}

/// <summary>The book's counters at one moment.</summary>
internal sealed record Counters(long At, long Sent, long Connects, long Ended)
{
    public static Counters Of(CallBook book) => new(Stopwatch.GetTimestamp(), Interlocked.Read(ref book.Sent),
        Interlocked.Read(ref book.Connects), Interlocked.Read(ref book.Ended));

    public static Counters Zero(long at) => new(at, 0, 0, 0);
}

internal sealed record MeasuredWindow(Counters Opened, Counters Closed)
{
    public double Seconds => (Closed.At - Opened.At) / (double)Stopwatch.Frequency;

    public double PerSecond(Func<Counters, long> counter) => Seconds <= 0 ? 0 : (counter(Closed) - counter(Opened)) / Seconds;
}
