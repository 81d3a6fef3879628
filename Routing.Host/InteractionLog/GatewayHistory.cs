using CallCenter.Routing.Host.Configuration;
using CallCenter.Routing.Host.Edge;
using CallCenter.Routing.Model;
using Dapper;
using Npgsql;

namespace CallCenter.Routing.Host.InteractionLog;

/// <summary>
/// What the log holds of the gateways: the open calls each owns, and the events it was told were
/// accepted within the resend window. Taken back at start for every gateway, and again for one
/// gateway when it says hello: in a cluster it may have sent its calls through another node, so what
/// this node remembers of it can be behind.
/// </summary>
public sealed class GatewayHistory(LogDatabase database, GatewayRegistry gateways, EdgeSettings edge, TimeProvider clock, ILogger<GatewayHistory> logger)
{
    /// <summary>At start: forgets events older than the resend window, then takes back every gateway's calls and events.</summary>
    public async Task<(int Calls, int EventIds)> RestoreAllAsync(NpgsqlConnection connection, CancellationToken cancellation)
    {
        var forgetBefore = clock.GetUtcNow() - edge.EventIdRetention;
        await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM gateway_events WHERE accepted_at < @forgetBefore", new { forgetBefore }, cancellationToken: cancellation));
        return await RestoreAsync(connection, null, cancellation);
    }

    /// <summary>
    /// On a gateway's hello: takes back its calls and events as the log has them, adding to what this
    /// node knows. While the database is away the gateway is served with what the node knows.
    /// </summary>
    public async Task RestoreAsync(string gatewayId, CancellationToken cancellation)
    {
        if (database.DataSource is not { } dataSource)
        {
            return;
        }

        try
        {
            await using var connection = await dataSource.OpenConnectionAsync(cancellation);
            await RestoreAsync(connection, gatewayId, cancellation);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException && !cancellation.IsCancellationRequested)
        {
            logger.LogWarning("Gateway {Gateway}: its calls and events cannot be read from the log ({Error}); it is served with what this node knows",
                gatewayId, e.Message);
        }
    }

    private async Task<(int Calls, int EventIds)> RestoreAsync(NpgsqlConnection connection, string? gatewayId, CancellationToken cancellation)
    {
        var which = new { gatewayId, since = clock.GetUtcNow() - edge.EventIdRetention };
        var owners = (await connection.QueryAsync<(string Gateway, string Call)>(new CommandDefinition(
            "SELECT gateway_id, call_id FROM interactions WHERE outcome IS NULL AND gateway_id IS NOT NULL AND (@gatewayId IS NULL OR gateway_id = @gatewayId)",
            which, cancellationToken: cancellation))).ToList();
        var accepted = (await connection.QueryAsync<(string Gateway, string EventId)>(new CommandDefinition(
            "SELECT gateway_id, event_id FROM gateway_events WHERE accepted_at >= @since AND (@gatewayId IS NULL OR gateway_id = @gatewayId) ORDER BY accepted_at",
            which, cancellationToken: cancellation))).ToList();
        gateways.Restore(owners.Select(o => (o.Gateway, new CallId(o.Call))), accepted);
        return (owners.Count, accepted.Count);
    }
}
