using Npgsql;

namespace CallCenter.Routing.Host.InteractionLog;

/// <summary>One group commit: the records of many appends, in one transaction.</summary>
internal static class LogBatch
{
    /// <summary>
    /// Writes the records and commits; returns how many records were written. Interactions are
    /// upserted from array parameters, their pieces merged into the rows there. The other records
    /// (agents' checkpoints too: appended, each agent's newest version being its state)
    /// of a batch written for the first time are copied straight into their tables (PostgreSQL
    /// does half the work); only if that meets a row already there, or the batch is a retry, are
    /// they inserted with ON CONFLICT DO NOTHING instead.
    /// </summary>
    /// <param name="turn">When this batch may write into the shared tables (see <see cref="TableTurn"/>).</param>
    /// <param name="fences">The incarnations of the domains whose records these are: a later one started stops the whole batch.</param>
    public static async Task<int> WriteAsync(
        NpgsqlConnection connection, IReadOnlyList<LogRecord> records, IReadOnlyList<LogFence> fences, bool firstAttempt, TableTurn turn,
        CancellationToken stop)
    {
        if (firstAttempt)
        {
            try
            {
                return await WriteOnceAsync(connection, records, fences, direct: true, turn, stop).ConfigureAwait(false);
            }
            catch (PostgresException error) when (error.SqlState == PostgresErrorCodes.UniqueViolation)
            {
                // A replayed record: the transaction rolled back, so write the batch the careful way.
            }
        }

        return await WriteOnceAsync(connection, records, fences, direct: false, turn, stop).ConfigureAwait(false);
    }

    private static async Task<int> WriteOnceAsync(
        NpgsqlConnection connection, IReadOnlyList<LogRecord> records, IReadOnlyList<LogFence> fences, bool direct, TableTurn turn,
        CancellationToken stop)
    {
        var interactions = new List<LogRecord.Interaction>();
        var callEvents = new List<LogRecord.CallEventEntry>();
        var agentStates = new List<LogRecord.AgentStateChange>();
        var decisions = new List<LogRecord.RoutingDecision>();
        var gatewayEvents = new List<LogRecord.GatewayEvent>();
        Dictionary<Model.AgentId, LogRecord.AgentCheckpoint>? checkpoints = null;
        foreach (var record in records)
        {
            switch (record)
            {
                case LogRecord.Interaction r: interactions.Add(r); break;
                case LogRecord.CallEventEntry r: callEvents.Add(r); break;
                case LogRecord.AgentStateChange r: agentStates.Add(r); break;
                case LogRecord.RoutingDecision r: decisions.Add(r); break;
                case LogRecord.GatewayEvent r: gatewayEvents.Add(r); break;
                case LogRecord.AgentCheckpoint r:
                    // Only an agent's newest checkpoint of the batch is written: the others are already out of date.
                    checkpoints ??= [];
                    if (!checkpoints.TryGetValue(r.Agent, out var held) || held.Version < r.Version)
                    {
                        checkpoints[r.Agent] = r;
                    }

                    break;
            }
        }

        await using var transaction = await connection.BeginTransactionAsync(stop).ConfigureAwait(false);
        await using var moves = new NpgsqlBatch(connection, transaction);
        if (fences.Count > 0)
        {
            // In the batch's transaction: a later incarnation's start waits for this commit, or this write sees it and fails.
            moves.BatchCommands.Add(LogFence.Command(fences));
        }

        // One statement may touch a row once, so the pieces of one call are merged first.
        Add(moves, LogSql.Interactions, LogSql.UpsertInteractions, InteractionMerge.MergeByCall(interactions));
        var newestCheckpoints = checkpoints?.Values.ToList() ?? [];
        if (!direct)
        {
            Add(moves, LogSql.AgentCheckpoints, LogSql.AgentCheckpoints.InsertNew, newestCheckpoints);
            Add(moves, LogSql.CallEvents, LogSql.CallEvents.InsertNew, callEvents);
            Add(moves, LogSql.AgentStates, LogSql.AgentStates.InsertNew, agentStates);
            Add(moves, LogSql.Decisions, LogSql.Decisions.InsertNew, decisions);
            Add(moves, LogSql.GatewayEvents, LogSql.GatewayEvents.InsertNew, gatewayEvents);
        }

        if (moves.BatchCommands.Count > 0)
        {
            // Parsed once per connection, not per batch: preparing again finds the statements already prepared.
            await moves.PrepareAsync(stop).ConfigureAwait(false);
        }

        await turn.WaitAsync(stop).ConfigureAwait(false);
        if (direct)
        {
            await CopyAsync(connection, LogSql.CallEvents, callEvents, stop).ConfigureAwait(false);
            await CopyAsync(connection, LogSql.AgentStates, agentStates, stop).ConfigureAwait(false);
            await CopyAsync(connection, LogSql.Decisions, decisions, stop).ConfigureAwait(false);
            await CopyAsync(connection, LogSql.GatewayEvents, gatewayEvents, stop).ConfigureAwait(false);
            await CopyAsync(connection, LogSql.AgentCheckpoints, newestCheckpoints, stop).ConfigureAwait(false);
        }

        if (moves.BatchCommands.Count > 0)
        {
            await moves.ExecuteNonQueryAsync(stop).ConfigureAwait(false);
        }

        // Every row this batch writes is now written (and locked until the commit): the next batch may write its own.
        turn.Release();
        await transaction.CommitAsync(stop).ConfigureAwait(false);
        return interactions.Count + callEvents.Count + agentStates.Count + decisions.Count + gatewayEvents.Count + newestCheckpoints.Count;
    }

    private static void Add<T>(NpgsqlBatch moves, LogTable<T> table, string sql, IReadOnlyList<T> rows)
    {
        if (rows.Count > 0)
        {
            moves.BatchCommands.Add(table.Command(sql, rows));
        }
    }

    private static async Task CopyAsync<T>(NpgsqlConnection connection, LogTable<T> table, IReadOnlyList<T> rows, CancellationToken stop)
    {
        if (rows.Count == 0)
        {
            return;
        }

        await using var importer = await connection.BeginBinaryImportAsync(table.Copy, stop).ConfigureAwait(false);
        foreach (var row in rows)
        {
            table.WriteRow(importer, row);
        }

        await importer.CompleteAsync(stop).ConfigureAwait(false);
    }
}

/// <summary>
/// Orders the batches that two connections write at once. A batch prepares its rows whenever it
/// likes, but writes into the shared tables only once the batch before it has written its rows;
/// it may then go on while that one commits. So the pieces of one interaction are
/// applied in the order they were appended (a later batch's upsert waits on the earlier one's row
/// locks until that commits), and no writer transaction ever waits for a later one, so two of
/// them cannot deadlock.
/// </summary>
internal sealed class TableTurn
{
    private readonly Task previous;
    private readonly TaskCompletionSource released = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TableTurn(Task previous) => this.previous = previous;

    /// <summary>A turn with no batch before it (a batch retried alone).</summary>
    public static TableTurn First() => new(Task.CompletedTask);

    /// <summary>Completes once this batch has written its rows, or has failed.</summary>
    public Task Released => released.Task;

    public Task WaitAsync(CancellationToken stop) => previous.WaitAsync(stop);

    public void Release() => released.TrySetResult();
}
