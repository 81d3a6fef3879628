using Npgsql;

namespace CallCenter.Routing.Host.InteractionLog;

/// <summary>One group commit: the records of many appends, in one transaction.</summary>
internal static class LogBatch
{
    /// <summary>
    /// Writes the records and commits; returns how many records were written. A batch written for
    /// the first time is copied straight into its tables (PostgreSQL does half the work); only if
    /// that meets a row already there, or the batch is a retry, does it go through the staging
    /// tables and ON CONFLICT. Interactions always do, since their pieces merge into existing rows.
    /// </summary>
    /// <param name="turn">When this batch may write into the shared tables (see <see cref="TableTurn"/>).</param>
    public static async Task<int> WriteAsync(
        NpgsqlConnection connection, IReadOnlyList<LogRecord> records, bool firstAttempt, TableTurn turn, CancellationToken stop)
    {
        if (firstAttempt)
        {
            try
            {
                return await WriteOnceAsync(connection, records, direct: true, turn, stop).ConfigureAwait(false);
            }
            catch (PostgresException error) when (error.SqlState == PostgresErrorCodes.UniqueViolation)
            {
                // A replayed record: the transaction rolled back, so write the batch the careful way.
            }
        }

        return await WriteOnceAsync(connection, records, direct: false, turn, stop).ConfigureAwait(false);
    }

    private static async Task<int> WriteOnceAsync(
        NpgsqlConnection connection, IReadOnlyList<LogRecord> records, bool direct, TableTurn turn, CancellationToken stop)
    {
        var interactions = new List<LogRecord.Interaction>();
        var callEvents = new List<LogRecord.CallEventEntry>();
        var agentStates = new List<LogRecord.AgentStateChange>();
        var decisions = new List<LogRecord.RoutingDecision>();
        foreach (var record in records)
        {
            switch (record)
            {
                case LogRecord.Interaction r: interactions.Add(r); break;
                case LogRecord.CallEventEntry r: callEvents.Add(r); break;
                case LogRecord.AgentStateChange r: agentStates.Add(r); break;
                case LogRecord.RoutingDecision r: decisions.Add(r); break;
            }
        }

        await using var transaction = await connection.BeginTransactionAsync(stop).ConfigureAwait(false);
        await using var moves = new NpgsqlBatch(connection, transaction);

        // The staging tables are this connection's own: filling them needs no turn.
        if (!direct)
        {
            await CopyAsync(connection, LogSql.CopyCallEvents, callEvents, LogSql.WriteCallEvent, LogSql.InsertCallEvents, moves, stop).ConfigureAwait(false);
            await CopyAsync(connection, LogSql.CopyAgentStates, agentStates, LogSql.WriteAgentState, LogSql.InsertAgentStates, moves, stop).ConfigureAwait(false);
            await CopyAsync(connection, LogSql.CopyDecisions, decisions, LogSql.WriteDecision, LogSql.InsertDecisions, moves, stop).ConfigureAwait(false);
        }

        // One statement may touch a row once, so the pieces of one call are merged first.
        await CopyAsync(connection, LogSql.CopyInteractions, InteractionMerge.MergeByCall(interactions), LogSql.WriteInteraction,
            LogSql.UpsertInteractions, moves, stop).ConfigureAwait(false);

        await turn.WaitAsync(stop).ConfigureAwait(false);
        if (direct)
        {
            await CopyAsync(connection, LogSql.CopyCallEventsDirect, callEvents, LogSql.WriteCallEvent, null, moves, stop).ConfigureAwait(false);
            await CopyAsync(connection, LogSql.CopyAgentStatesDirect, agentStates, LogSql.WriteAgentState, null, moves, stop).ConfigureAwait(false);
            await CopyAsync(connection, LogSql.CopyDecisionsDirect, decisions, LogSql.WriteDecision, null, moves, stop).ConfigureAwait(false);
        }

        if (moves.BatchCommands.Count > 0)
        {
            await moves.ExecuteNonQueryAsync(stop).ConfigureAwait(false);
        }

        // Every row this batch writes is now written (and locked until the commit): the next batch may write its own.
        turn.Release();
        await transaction.CommitAsync(stop).ConfigureAwait(false);
        return interactions.Count + callEvents.Count + agentStates.Count + decisions.Count;
    }

    private static async Task CopyAsync<T>(
        NpgsqlConnection connection, string copy, IReadOnlyList<T> rows, Action<NpgsqlBinaryImporter, T> writeRow,
        string? move, NpgsqlBatch moves, CancellationToken stop)
    {
        if (rows.Count == 0)
        {
            return;
        }

        await using (var importer = await connection.BeginBinaryImportAsync(copy, stop).ConfigureAwait(false))
        {
            foreach (var row in rows)
            {
                writeRow(importer, row);
            }

            await importer.CompleteAsync(stop).ConfigureAwait(false);
        }

        if (move is not null)
        {
            moves.BatchCommands.Add(new NpgsqlBatchCommand(move));
        }
    }
}

/// <summary>
/// Orders the batches that two connections write at once. A batch fills its own staging tables
/// whenever it likes, but writes into the shared tables only once the batch before it has written
/// its rows; it may then go on while that one commits. So the pieces of one interaction are
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
