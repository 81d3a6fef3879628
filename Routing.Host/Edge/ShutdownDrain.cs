using Grpc.Core;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace CallCenter.Routing.Host.Edge;

/// <summary>
/// A graceful stop (SIGTERM): for <see cref="Configuration.EdgeSettings.ShutdownDrainSeconds"/> the
/// server refuses new calls (UNAVAILABLE: route them elsewhere) and reports itself unhealthy, so a
/// balancer sends new traffic elsewhere, while it keeps carrying out the events of calls it has;
/// then its long-lived streams end with UNAVAILABLE (the clients reconnect, here once it is back or
/// to another server), and the host goes on to stop: the HTTP/2 connections are closed with GOAWAY,
/// the actors stop and the interaction log writes what it holds. The next start recovers from it.
/// </summary>
public sealed class ShutdownDrain(Configuration.EdgeSettings settings, TimeProvider clock, ILogger<ShutdownDrain> logger) : IHealthCheck
{
    private readonly CancellationTokenSource _streamsEnd = new();
    private volatile bool _draining;

    public bool IsDraining => _draining;

    /// <summary>Cancelled when the long-lived streams are to end.</summary>
    public CancellationToken StreamsEnd => _streamsEnd.Token;

    /// <summary>Runs in the host's stopping callback: the stop waits for it.</summary>
    public void Drain()
    {
        _draining = true;
        logger.LogInformation("Stopping: new calls are refused for {Seconds} s, then streams end", settings.ShutdownDrainSeconds);
        Task.Delay(TimeSpan.FromSeconds(settings.ShutdownDrainSeconds), clock).Wait();
        _streamsEnd.Cancel();
    }

    /// <summary>A token that ends with the call or with the streams.</summary>
    public CancellationTokenSource Link(CancellationToken call) => CancellationTokenSource.CreateLinkedTokenSource(call, _streamsEnd.Token);

    /// <summary>What a stream ended by the stop tells its client.</summary>
    public static RpcException Unavailable() =>
        RequestChecks.Unavailable("the server is stopping; reconnect (to another server, or to this one once it is back)").ToRpcException();

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(_draining ? HealthCheckResult.Unhealthy("stopping: new calls are refused") : HealthCheckResult.Healthy("serving"));
}
