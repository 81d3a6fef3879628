using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace CallCenter.Routing.Host.InteractionLog;

public enum LogHealth
{
    /// <summary>The last attempt to write committed (or nothing has needed writing yet).</summary>
    Healthy,

    /// <summary>The database cannot be reached: appends are buffered and the writer retries.</summary>
    Degraded,
}

public sealed record InteractionLogOptions
{
    /// <summary>Appends held in memory before <see cref="InteractionLogWriter.AppendAsync(IReadOnlyList{LogRecord}, CancellationToken)"/> waits for room.</summary>
    public int Capacity { get; init; } = 100_000;

    /// <summary>The most records one transaction commits (group commit takes whatever is waiting, up to this).</summary>
    public int MaxBatchRecords { get; init; } = 10_000;

    public TimeSpan FirstRetryDelay { get; init; } = TimeSpan.FromMilliseconds(50);
    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Apply the schema's migrations before the first write (and again after a failure until it succeeds).</summary>
    public bool ApplyMigrations { get; init; } = true;
}

/// <summary>What the writer has done so far; read at any time from any thread.</summary>
public sealed record InteractionLogMetrics(
    LogHealth Health, long AppendsAccepted, long AppendsCommitted, long RecordsCommitted, long Batches,
    long FailedAttempts, int Buffered, TimeSpan LastCommitDuration, string? LastError);

/// <summary>
/// Writes the interaction log into PostgreSQL. Appends go into a bounded buffer and return at
/// once; one loop takes everything waiting (group commit), writes it in one transaction and then
/// completes the appends' tasks, so a caller that acknowledges on completion acknowledges only
/// what is durable. Routing never waits for the database: only the acknowledgement does.
/// When the database is unreachable the loop keeps its batch, retries with growing delays and
/// reports <see cref="LogHealth.Degraded"/>; the buffer fills, and once it is full further appends
/// wait for room instead of being dropped. Writes are idempotent, so a batch that committed just
/// before the connection broke is simply written again.
/// </summary>
public sealed class InteractionLogWriter : IAsyncDisposable
{
    private readonly InteractionLogOptions options;
    private readonly ILogger logger;
    private readonly Channel<PendingAppend> buffer;
    private readonly CancellationTokenSource stopping = new();
    private Task? loop;
    private NpgsqlConnection? connection;
    private bool schemaReady;

    private long appendsAccepted;
    private long appendsCommitted;
    private long recordsCommitted;
    private long batches;
    private long failedAttempts;
    private int inFlight;
    private long lastCommitTicks;
    private volatile string? lastError;
    private volatile int health = (int)LogHealth.Healthy;

    public InteractionLogWriter(InteractionLogOptions? options = null, ILogger? logger = null)
    {
        this.options = options ?? new InteractionLogOptions();
        this.logger = logger ?? NullLogger.Instance;
        buffer = Channel.CreateBounded<PendingAppend>(new BoundedChannelOptions(this.options.Capacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    public LogHealth Health => (LogHealth)health;

    public InteractionLogMetrics Metrics => new(
        Health, Interlocked.Read(ref appendsAccepted), Interlocked.Read(ref appendsCommitted),
        Interlocked.Read(ref recordsCommitted), Interlocked.Read(ref batches), Interlocked.Read(ref failedAttempts),
        buffer.Reader.Count + Volatile.Read(ref inFlight), TimeSpan.FromTicks(Interlocked.Read(ref lastCommitTicks)), lastError);

    /// <summary>Starts writing into <paramref name="dataSource"/>. Appends made before are kept and written first.</summary>
    public void Start(NpgsqlDataSource dataSource)
    {
        if (loop is not null)
        {
            throw new InvalidOperationException("The interaction log writer is already started.");
        }

        loop = Task.Run(() => RunAsync(dataSource, stopping.Token));
    }

    public Task AppendAsync(LogRecord record, CancellationToken cancellationToken = default) =>
        AppendAsync([record], cancellationToken);

    /// <summary>
    /// Buffers the records (what one event caused) and completes once they are committed, all of
    /// them in one transaction. Waits for room first when the buffer is full.
    /// </summary>
    public Task AppendAsync(IReadOnlyList<LogRecord> records, CancellationToken cancellationToken = default)
    {
        var pending = new PendingAppend(records);
        if (buffer.Writer.TryWrite(pending))
        {
            Interlocked.Increment(ref appendsAccepted);
            return pending.Committed.Task;
        }

        return WaitForRoomAsync(pending, cancellationToken);
    }

    private async Task WaitForRoomAsync(PendingAppend pending, CancellationToken cancellationToken)
    {
        await buffer.Writer.WriteAsync(pending, cancellationToken).ConfigureAwait(false);
        Interlocked.Increment(ref appendsAccepted);
        await pending.Committed.Task.ConfigureAwait(false);
    }

    /// <summary>
    /// Refuses new appends and writes what is buffered. If <paramref name="cancellationToken"/>
    /// fires first (the database is away at shutdown), the rest fail as not committed.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        buffer.Writer.TryComplete();
        if (loop is null)
        {
            FailBuffered(new ObjectDisposedException(nameof(InteractionLogWriter), "The writer never started."));
            return;
        }

        await using (cancellationToken.Register(stopping.Cancel))
        {
            await loop.ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(new CancellationToken(canceled: true)).ConfigureAwait(false);
        stopping.Dispose();
    }

    private async Task RunAsync(NpgsqlDataSource dataSource, CancellationToken stop)
    {
        var batch = new List<PendingAppend>();
        var delay = options.FirstRetryDelay;
        try
        {
            while (batch.Count > 0 || await buffer.Reader.WaitToReadAsync(stop).ConfigureAwait(false))
            {
                // Only a batch that never failed can skip the checks against rows already written.
                var firstAttempt = TakeWaiting(batch);
                try
                {
                    await WriteAsync(dataSource, batch, firstAttempt, stop).ConfigureAwait(false);
                    batch.Clear();
                    Volatile.Write(ref inFlight, 0);
                    delay = options.FirstRetryDelay;
                }
                catch (Exception error) when (!stop.IsCancellationRequested)
                {
                    Interlocked.Increment(ref failedAttempts);
                    await DropConnectionAsync().ConfigureAwait(false);
                    if (!IsTransient(error))
                    {
                        // Bad data, not a bad connection: retrying would block the log for good.
                        await IsolateFailuresAsync(dataSource, batch, stop).ConfigureAwait(false);
                        continue;
                    }

                    BecomeDegraded(error);
                    await Task.Delay(delay, stop).ConfigureAwait(false);
                    delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, options.MaxRetryDelay.Ticks));
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
        finally
        {
            var notCommitted = new OperationCanceledException("The interaction log stopped before these records were committed.");
            batch.ForEach(p => p.Committed.TrySetException(notCommitted));
            FailBuffered(notCommitted);
            await DropConnectionAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Adds what waits in the buffer to the batch, up to the batch's size (always at least one
    /// append). True when the batch is new, false when it is a failed one being retried.
    /// </summary>
    private bool TakeWaiting(List<PendingAppend> batch)
    {
        var fresh = batch.Count == 0;
        var records = batch.Sum(p => p.Records.Count);
        while ((batch.Count == 0 || records < options.MaxBatchRecords) && buffer.Reader.TryRead(out var pending))
        {
            batch.Add(pending);
            records += pending.Records.Count;
        }

        Volatile.Write(ref inFlight, batch.Count);
        return fresh;
    }

    private async Task WriteAsync(NpgsqlDataSource dataSource, List<PendingAppend> batch, bool firstAttempt, CancellationToken stop)
    {
        var started = Stopwatch.GetTimestamp();
        var open = await ConnectAsync(dataSource, stop).ConfigureAwait(false);
        var records = await LogBatch.WriteAsync(open, batch.SelectMany(p => p.Records).ToList(), firstAttempt, stop).ConfigureAwait(false);

        Interlocked.Exchange(ref lastCommitTicks, Stopwatch.GetElapsedTime(started).Ticks);
        Interlocked.Add(ref recordsCommitted, records);
        Interlocked.Add(ref appendsCommitted, batch.Count);
        Interlocked.Increment(ref batches);
        BecomeHealthy();
        foreach (var pending in batch)
        {
            pending.Committed.TrySetResult();
        }
    }

    /// <summary>
    /// Writes each append of a failed batch alone, so only the appends at fault fail. Stops at a
    /// failure of the connection, leaving the rest in the batch for the main loop to retry.
    /// </summary>
    private async Task IsolateFailuresAsync(NpgsqlDataSource dataSource, List<PendingAppend> batch, CancellationToken stop)
    {
        while (batch.Count > 0)
        {
            try
            {
                await WriteAsync(dataSource, [batch[0]], firstAttempt: false, stop).ConfigureAwait(false);
            }
            catch (Exception error) when (!stop.IsCancellationRequested)
            {
                await DropConnectionAsync().ConfigureAwait(false);
                if (IsTransient(error))
                {
                    return;
                }

                logger.LogError(error, "Interaction log: {Count} records refused by the database", batch[0].Records.Count);
                batch[0].Committed.TrySetException(error);
            }

            batch.RemoveAt(0);
        }
    }

    private async Task<NpgsqlConnection> ConnectAsync(NpgsqlDataSource dataSource, CancellationToken stop)
    {
        if (connection is { State: System.Data.ConnectionState.Open } open)
        {
            return open;
        }

        await DropConnectionAsync().ConfigureAwait(false);
        if (options.ApplyMigrations && !schemaReady)
        {
            await SchemaMigrator.ApplyAsync(dataSource, logger, stop).ConfigureAwait(false);
            schemaReady = true;
        }

        var fresh = await dataSource.OpenConnectionAsync(stop).ConfigureAwait(false);
        try
        {
            await using var create = new NpgsqlCommand(LogSql.CreateStagingTables, fresh);
            await create.ExecuteNonQueryAsync(stop).ConfigureAwait(false);
        }
        catch
        {
            await fresh.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        connection = fresh;
        return fresh;
    }

    private async Task DropConnectionAsync()
    {
        if (connection is { } old)
        {
            connection = null;
            try
            {
                await old.DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception error)
            {
                // A broken connection may fail even to close; it is gone either way.
                logger.LogDebug(error, "Interaction log: closing a broken connection failed");
            }
        }
    }

    /// <summary>Data errors (class 22, 23) will fail again however often they are tried; anything else may pass later.</summary>
    private static bool IsTransient(Exception error) =>
        error is not PostgresException { SqlState: ['2', '2', ..] or ['2', '3', ..] };

    private void BecomeDegraded(Exception error)
    {
        lastError = error.Message;
        if (Interlocked.Exchange(ref health, (int)LogHealth.Degraded) == (int)LogHealth.Healthy)
        {
            logger.LogWarning(error, "Interaction log degraded: the database cannot be written; buffering and retrying");
        }
    }

    private void BecomeHealthy()
    {
        if (Interlocked.Exchange(ref health, (int)LogHealth.Healthy) == (int)LogHealth.Degraded)
        {
            logger.LogInformation("Interaction log healthy again: writing resumed");
        }
    }

    private void FailBuffered(Exception error)
    {
        while (buffer.Reader.TryRead(out var pending))
        {
            pending.Committed.TrySetException(error);
        }
    }

    private sealed class PendingAppend(IReadOnlyList<LogRecord> records)
    {
        public IReadOnlyList<LogRecord> Records { get; } = records;

        // Continuations run off the writer's loop, so a slow caller cannot hold up the next commit.
        public TaskCompletionSource Committed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
