using CallCenter.Routing.Host.Configuration;
using Akka.Actor;
using Akka.Hosting;
using CallCenter.Routing.Agents.Domain;
using CallCenter.Routing.Host.Edge;
using Npgsql;

namespace CallCenter.Routing.Host.InteractionLog;

/// <summary>
/// Before the routing domain starts: the recorded configuration changes are taken back (the agent
/// profiles, and the version to go on from); the gateways own their open calls again and
/// remember the events they were told were accepted within the resend window (older ones are
/// deleted), so what the domain's recovery tells a gateway reaches it, and a resend is a duplicate.
/// Waits for the database.
/// </summary>
internal sealed class EdgeRecoveryService(
    LogDatabase database, GatewayHistory gateways, DomainAdministration administration, ILogger<EdgeRecoveryService> logger) : IHostedService
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var dataSource = database.DataSource ?? throw new InvalidOperationException("the interaction log has not started");
        while (true)
        {
            try
            {
                await SchemaMigrator.ApplyAsync(dataSource, cancellationToken: cancellationToken);
                foreach (var domain in administration.All)
                {
                    var effective = await domain.CatchUpAsync(cancellationToken);
                    logger.LogInformation("Routing domain {Domain}: configuration at version {Version} ({Queues} queues, {Skills} skills)",
                        domain.Domain, effective.Version, effective.Routing.Queues.Count, effective.Routing.Skills.Count);
                }

                await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
                var (calls, eventIds) = await gateways.RestoreAllAsync(connection, cancellationToken);
                logger.LogInformation("Gateways: {Calls} open calls owned again, {EventIds} accepted event ids remembered", calls, eventIds);
                return;
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException && !cancellationToken.IsCancellationRequested)
            {
                logger.LogWarning("Gateways cannot be recovered yet, the database is away ({Error}); trying again in {Delay}", e.Message, RetryDelay);
                await Task.Delay(RetryDelay, cancellationToken);
            }
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>
/// Holds the server's start until the routing domain has rebuilt itself from its journal (it retries
/// while the database is away): the gRPC endpoints open only after this, so no client meets a server
/// that has forgotten what it acknowledged.
/// </summary>
internal sealed class DomainRecoveryService(IRequiredActor<RoutingDomainActor> domain, RoutingDomains domains, ILogger<DomainRecoveryService> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var routing = await domain.GetAsync(cancellationToken);
        await Task.WhenAll(domains.Ids.Select(async id =>
        {
            var ready = await routing.Ask<DomainProtocol.Ready>(DomainClient.To(id, DomainProtocol.WhenReady.Instance), Timeout.InfiniteTimeSpan, cancellationToken);
            logger.LogInformation("Routing domain {Domain} serving: {Calls} calls and {Agents} agents recovered; offers start at epoch {Epoch}",
                id, ready.CallsRecovered, ready.AgentsRecovered, ready.FirstEpoch);
        }));
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
