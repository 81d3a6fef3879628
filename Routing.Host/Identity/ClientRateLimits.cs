using System.Threading.RateLimiting;

namespace CallCenter.Routing.Host.Identity;

/// <summary>
/// Each client's share of the server: a token bucket per identity (role and subject), so one client
/// flooding the server is refused RESOURCE_EXHAUSTED while every other client is served as before.
/// Calls count, not the events inside a stream (a stream's events are held back by its own limit of
/// events in flight). Calls without a token, where none is required, are not limited.
/// </summary>
public sealed class ClientRateLimits(IdentitySettings settings) : IDisposable
{
    private readonly PartitionedRateLimiter<EdgeIdentity> _limiter = PartitionedRateLimiter.Create<EdgeIdentity, (EdgeRole, string)>(
        identity => RateLimitPartition.GetTokenBucketLimiter((identity.Role, identity.Subject), _ => Bucket(settings)));

    /// <summary>Whether the client may make one more call now.</summary>
    public bool TryTake(EdgeIdentity identity)
    {
        using var lease = _limiter.AttemptAcquire(identity);
        return lease.IsAcquired;
    }

    public void Dispose() => _limiter.Dispose();

    /// <summary>
    /// <see cref="IdentitySettings.ClientCallsPerSecond"/> on average, up to <see cref="IdentitySettings.ClientCallBurst"/>
    /// at once: a rate below one a second gives one call every so many seconds.
    /// </summary>
    private static TokenBucketRateLimiterOptions Bucket(IdentitySettings settings)
    {
        var perSecond = settings.ClientCallsPerSecond;
        var (tokens, period) = perSecond >= 1
            ? ((int)Math.Round(perSecond / 10), TimeSpan.FromMilliseconds(100))
            : (1, TimeSpan.FromSeconds(1 / perSecond));
        return new TokenBucketRateLimiterOptions
        {
            TokenLimit = settings.ClientCallBurst,
            TokensPerPeriod = Math.Max(1, tokens),
            ReplenishmentPeriod = period,
            QueueLimit = 0,
            AutoReplenishment = true,
        };
    }
}
