using Akka.Actor;
using Akka.Hosting;
using CallCenter.Routing.Agents.Domain;
using CallCenter.Routing.Host.Configuration;
using CallCenter.Routing.Host.Edge;
using CallCenter.Routing.Model;
using Dapper;

namespace CallCenter.Routing.Host.InteractionLog;

/// <summary>
/// Holds the server's start until it can serve what was acknowledged before it stopped: the routing
/// domain has rebuilt itself from its journal (it retries while the database is away), and the
/// gateways own their open calls again and remember the events they were told were accepted. The
/// gRPC endpoints open only after this, so no client meets a server that has forgotten.
/// </summary>
internal sealed class RecoveryService(
    IRequiredActor<RoutingDomainActor> domain, LogDatabase database, GatewayRegistry gateways, EdgeSettings edge, TimeProvider clock,
    ILogger<RecoveryService> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var routing = await domain.GetAsync(cancellationToken);
        var ready = await routing.Ask<DomainProtocol.Ready>(DomainProtocol.WhenReady.Instance, Timeout.InfiniteTimeSpan, cancellationToken);
        var dataSource = database.DataSource ?? throw new InvalidOperationException("the interaction log has not started");
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var forgetBefore = clock.GetUtcNow() - edge.EventIdRetention;
        await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM gateway_events WHERE accepted_at < @forgetBefore", new { forgetBefore }, cancellationToken: cancellationToken));
        var owners = await connection.QueryAsync<(string Gateway, string Call)>(new CommandDefinition(
            "SELECT gateway_id, call_id FROM interactions WHERE outcome IS NULL AND gateway_id IS NOT NULL", cancellationToken: cancellationToken));
        var accepted = await connection.QueryAsync<(string Gateway, string EventId)>(new CommandDefinition(
            "SELECT gateway_id, event_id FROM gateway_events ORDER BY accepted_at", cancellationToken: cancellationToken));
        var acceptedList = accepted.ToList();
        gateways.Restore(owners.Select(o => (o.Gateway, new CallId(o.Call))), acceptedList);
        logger.LogInformation(
            "Recovered {Calls} open calls and {Agents} agents; {EventIds} gateway event ids remembered; offers start at epoch {Epoch}",
            ready.CallsRecovered, ready.AgentsRecovered, acceptedList.Count, ready.FirstEpoch);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
