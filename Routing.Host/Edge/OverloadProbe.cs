using Akka.Actor;
using Akka.Hosting;
using CallCenter.Routing.Agents.Domain;
using CallCenter.Routing.Admission;
using CallCenter.Routing.Host.Configuration;
using CallCenter.Routing.Host.InteractionLog;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace CallCenter.Routing.Host.Edge;

/// <summary>
/// Measures how far the server lags: every tenth of a second it asks the routing domain to
/// identify itself (an answer that queues behind everything the domain has yet to do, on the
/// same threads as the rest of the server), then waits until the interaction log has committed
/// everything given to it so far (acknowledgements and agents' replies wait for that), and feeds
/// the time taken to the <see cref="OverloadGate"/>. The log's part counts only while the log is
/// healthy: a database that is away is an outage the log rides out by buffering, not overload,
/// and calls keep being routed through it.
/// The gateway service asks <see cref="Admit"/> before it accepts a new call.
/// </summary>
public sealed class OverloadProbe(
    IRequiredActor<RoutingDomainActor> domain, LogDurability log, InteractionLogWriter writer, EdgeSettings settings, TimeProvider clock, ILogger<OverloadProbe> logger)
    : BackgroundService, IHealthCheck
{
    private OverloadGate _gate = new(settings.Overload);
    private long _refused;

    private readonly Lock _credit = new();
    private double _admissionCredit;

    /// <summary>Some new calls are refused now.</summary>
    public bool RefusesArrivals => Volatile.Read(ref _gate).Shedding;

    /// <summary>The share of new calls admitted now, from 0 to 1.</summary>
    public double AdmittedShare => Volatile.Read(ref _gate).AdmittedShare;

    /// <summary>Whether a new call is admitted; a refused one is counted.</summary>
    public bool Admit()
    {
        var gate = Volatile.Read(ref _gate);
        if (!gate.Shedding)
        {
            return true;
        }

        bool admitted;
        lock (_credit)
        {
            (admitted, _admissionCredit) = gate.Admit(_admissionCredit);
        }

        if (!admitted)
        {
            Interlocked.Increment(ref _refused);
        }

        return admitted;
    }

    /// <summary>Calls refused as overload since the server started.</summary>
    public long Refused => Interlocked.Read(ref _refused);

    /// <summary>The last lag measured.</summary>
    public TimeSpan LastLag { get; private set; }

    /// <summary>Takes one measured lag of routing (the probe's, or a test's); with refusal off the gate stays open.</summary>
    public void Observe(TimeSpan lag)
    {
        LastLag = lag;
        if (!settings.RefuseArrivalsWhenOverloaded)
        {
            return;
        }

        var before = _gate;
        var after = before.Observe(lag, clock.GetUtcNow());
        Volatile.Write(ref _gate, after);
        if (after.Shedding != before.Shedding)
        {
            logger.LogWarning(after.Shedding
                ? "Overloaded: routing lags {Lag} ms; refusing a share of new calls until it catches up"
                : "Caught up: routing lags {Lag} ms; accepting every new call ({Refused} refused meanwhile)",
                lag.TotalMilliseconds, Refused);
        }
    }

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(RefusesArrivals
            ? HealthCheckResult.Degraded($"overloaded: routing lags {LastLag.TotalMilliseconds:F0} ms; {AdmittedShare:P0} of new calls admitted")
            : HealthCheckResult.Healthy($"routing lags {LastLag.TotalMilliseconds:F0} ms"));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!settings.RefuseArrivalsWhenOverloaded)
        {
            return;
        }

        var limit = settings.Overload.Target + settings.Overload.Interval;
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(settings.OverloadProbeMilliseconds), clock);
        try
        {
            // Hosted services start alongside the actor system: wait for the domain and the log to be there.
            var routing = await domain.GetAsync(stoppingToken);
            await log.ReadyAsync(stoppingToken);
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                var started = clock.GetTimestamp();
                try
                {
                    await routing.Ask<ActorIdentity>(new Identify(null), limit, stoppingToken);
                    if (writer.Health == LogHealth.Healthy)
                    {
                        await log.WaitUntilLocalLogDurable(stoppingToken).WaitAsync(limit, clock, stoppingToken);
                    }
                }
                catch (Exception e) when (e is AskTimeoutException or TimeoutException)
                {
                    // Lagging past the limit: counted as the limit.
                }

                Observe(clock.GetElapsedTime(started));
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
