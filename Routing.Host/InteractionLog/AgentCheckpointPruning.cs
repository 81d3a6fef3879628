using Dapper;
using Npgsql;

namespace CallCenter.Routing.Host.InteractionLog;

/// <summary>
/// Deletes the agents' checkpoints that a newer version of the same agent has replaced. The log's
/// writer appends a checkpoint at every change of an agent (each agent's newest version is its
/// state), so without this the table would grow by a few rows per call.
/// </summary>
public static class AgentCheckpointPruning
{
    /// <summary>Only rows already committed are seen, so the version an agent is recovered from is never deleted.</summary>
    private const string DeleteReplaced =
        """
        DELETE FROM agent_checkpoints c
        USING (SELECT agent_id, max(version) AS newest FROM agent_checkpoints GROUP BY agent_id) n
        WHERE c.agent_id = n.agent_id AND c.version < n.newest
        """;

    /// <summary>Returns how many checkpoints were deleted.</summary>
    public static async Task<int> PruneAsync(NpgsqlDataSource dataSource, CancellationToken cancellation)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellation);
        return await connection.ExecuteAsync(new CommandDefinition(DeleteReplaced, cancellationToken: cancellation));
    }
}

/// <summary>Prunes the agents' checkpoints every <see cref="DatabaseSettings.CheckpointPruneInterval"/> while the server runs.</summary>
internal sealed class AgentCheckpointPruningService(
    LogDatabase database, DatabaseSettings settings, TimeProvider clock, ILogger<AgentCheckpointPruningService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(settings.CheckpointPruneInterval, clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            if (database.DataSource is not { } dataSource)
            {
                continue;
            }

            try
            {
                var deleted = await AgentCheckpointPruning.PruneAsync(dataSource, stoppingToken);
                logger.LogDebug("Agents' checkpoints: {Deleted} replaced versions deleted", deleted);
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException && !stoppingToken.IsCancellationRequested)
            {
                // The database is away: the next tick tries again; nothing depends on the old rows' being gone.
                logger.LogDebug("Agents' checkpoints not pruned: {Error}", e.Message);
            }
        }
    }
}
