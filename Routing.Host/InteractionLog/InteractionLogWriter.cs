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

    /// <summary>
    /// Connections writing at once. With two, the next batch is written while the one before
    /// commits; appends still complete in the order they were made.
    /// </summary>
    public int Connections { get; init; } = 2;

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
/// once; one loop takes everything waiting (group commit) and hands it to one of its connections,
/// which writes it in one transaction; while one connection commits, the next batch is written on
/// the other. An append's task completes once its records are committed and every earlier
/// append's task has completed, so a caller that acknowledges on completion acknowledges only what
/// is durable, and the last completed append vouches for all earlier ones. Routing never waits for
/// the database: only the acknowledgement does.
/// When the database is unreachable the loop keeps the failed batches, retries them in order with
/// growing delays and reports <see cref="LogHealth.Degraded"/>; the buffer fills, and once it is
/// full further appends wait for room instead of being dropped. Writes are idempotent, so a batch
/// that committed just before the connection broke is simply written again.
/// </summary>
public sealed class InteractionLogWriter : IAsyncDisposable
{
    private readonly InteractionLogOptions options;
    private readonly ILogger logger;
    private readonly Channel<PendingAppend> buffer;
    private readonly CancellationTokenSource stopping = new();
    private readonly Lane[] lanes;
    private readonly SemaphoreSlim schemaCheck = new(1, 1);
    private Task? loop;
    private volatile bool schemaReady;

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
        ArgumentOutOfRangeException.ThrowIfLessThan(this.options.Connections, 1, nameof(InteractionLogOptions.Connections));
        lanes = Enumerable.Range(0, this.options.Connections).Select(_ => new Lane()).ToArray();
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
    public Task AppendAsync(IReadOnlyList<LogRecord> records, CancellationToken cancellationToken = default) =>
        AppendAsync(records, null, cancellationToken);

    /// <param name="fence">
    /// The incarnation of the routing domain the records are of: they are written only while no later
    /// incarnation of it has started (else the append fails, <see cref="LogFence.IsFencedOut"/>); null: unfenced.
    /// </param>
    public Task AppendAsync(IReadOnlyList<LogRecord> records, LogFence? fence, CancellationToken cancellationToken = default)
    {
        var pending = new PendingAppend(records, fence);
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
        schemaCheck.Dispose();
    }

    private async Task RunAsync(NpgsqlDataSource dataSource, CancellationToken stop)
    {
        // Batches being written, oldest first; each holds its connection until its appends complete.
        var flights = new List<Flight>();
        var previousTurn = Task.CompletedTask;
        try
        {
            while (true)
            {
                stop.ThrowIfCancellationRequested();
                if (flights.Count < lanes.Length && buffer.Reader.TryPeek(out _))
                {
                    var batch = TakeWaiting();
                    var turn = new TableTurn(previousTurn);
                    previousTurn = turn.Released;
                    var lane = lanes.First(l => flights.TrueForAll(f => f.Lane != l));
                    flights.Add(new Flight(batch, lane, Task.Run(() => WriteAsync(dataSource, lane, batch, firstAttempt: true, turn, stop))));
                    continue;
                }

                if (flights.Count == 0)
                {
                    if (!await buffer.Reader.WaitToReadAsync(stop).ConfigureAwait(false))
                    {
                        break;
                    }

                    continue;
                }

                var oldest = flights[0];
                if (flights.Count < lanes.Length && !oldest.Write.IsCompleted)
                {
                    // A connection is free: new appends may start the next batch before the oldest commits.
                    var more = buffer.Reader.WaitToReadAsync(stop).AsTask();
                    if (await Task.WhenAny(oldest.Write, more).ConfigureAwait(false) == more && more is { IsCompletedSuccessfully: true, Result: true })
                    {
                        continue;
                    }
                }

                await oldest.Write.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                if (oldest.Write.IsCompletedSuccessfully)
                {
                    CompleteAll(oldest.Batch);
                    flights.RemoveAt(0);
                }
                else
                {
                    stop.ThrowIfCancellationRequested();
                    await RecoverAsync(dataSource, flights, stop).ConfigureAwait(false);
                }
            }
        }
        catch (Exception) when (stop.IsCancellationRequested)
        {
        }
        finally
        {
            await Task.WhenAll(flights.Select(f => f.Write)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            var notCommitted = new OperationCanceledException("The interaction log stopped before these records were committed.");
            // A later batch may have committed, but its appends cannot complete before the earlier ones.
            flights.ForEach(f => f.Batch.ForEach(p => Fail(p, notCommitted)));
            FailBuffered(notCommitted);
            foreach (var lane in lanes)
            {
                await DropConnectionAsync(lane).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// The oldest batch failed. The batches after it finish first (they may commit), then every
    /// batch that failed is written again, one at a time and in order, and the appends complete in
    /// their order. Returns once all of them are settled.
    /// </summary>
    private async Task RecoverAsync(NpgsqlDataSource dataSource, List<Flight> flights, CancellationToken stop)
    {
        await Task.WhenAll(flights.Select(f => f.Write)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        while (flights.Count > 0)
        {
            var flight = flights[0];
            if (!flight.Write.IsCompletedSuccessfully)
            {
                stop.ThrowIfCancellationRequested();
                var error = flight.Write.Exception?.InnerException ?? new OperationCanceledException("The write was cancelled.");
                await WriteUntilCommittedAsync(dataSource, flight, error, stop).ConfigureAwait(false);
            }

            CompleteAll(flight.Batch);
            flights.RemoveAt(0);
        }
    }

    /// <summary>
    /// Retries a failed batch until it commits: after a delay (growing) when the database is away,
    /// one append at a time when the database refused the data. Leaves in the batch only appends
    /// that are committed and not yet completed.
    /// </summary>
    private async Task WriteUntilCommittedAsync(NpgsqlDataSource dataSource, Flight flight, Exception error, CancellationToken stop)
    {
        var delay = options.FirstRetryDelay;
        while (true)
        {
            Interlocked.Increment(ref failedAttempts);
            if (IsTransient(error))
            {
                BecomeDegraded(error);
                await Task.Delay(delay, stop).ConfigureAwait(false);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, options.MaxRetryDelay.Ticks));
            }
            else if (await IsolateFailuresAsync(dataSource, flight, stop).ConfigureAwait(false) is { } broken)
            {
                // Retrying bad data as a batch would block the log for good; but the connection broke
                // while the appends were tried alone, so the rest is retried as a batch.
                error = broken;
                continue;
            }
            else
            {
                return;
            }

            try
            {
                await WriteAsync(dataSource, flight.Lane, flight.Batch, firstAttempt: false, TableTurn.First(), stop).ConfigureAwait(false);
                return;
            }
            catch (Exception failure) when (!stop.IsCancellationRequested)
            {
                error = failure;
            }
        }
    }

    /// <summary>
    /// Writes each append of a batch the database refused alone, so only the appends at fault fail;
    /// the others complete as they commit (every earlier append has). Stops at a failure of the
    /// connection and returns it, leaving the rest in the batch.
    /// </summary>
    private async Task<Exception?> IsolateFailuresAsync(NpgsqlDataSource dataSource, Flight flight, CancellationToken stop)
    {
        var batch = flight.Batch;
        while (batch.Count > 0)
        {
            try
            {
                await WriteAsync(dataSource, flight.Lane, [batch[0]], firstAttempt: false, TableTurn.First(), stop).ConfigureAwait(false);
                Complete(batch[0]);
            }
            catch (Exception error) when (!stop.IsCancellationRequested)
            {
                if (IsTransient(error))
                {
                    return error;
                }

                if (LogFence.IsFencedOut(error))
                {
                    logger.LogWarning("Interaction log: {Count} records refused: {Reason}", batch[0].Records.Count, ((PostgresException)error).MessageText);
                }
                else
                {
                    logger.LogError(error, "Interaction log: {Count} records refused by the database", batch[0].Records.Count);
                }
                Fail(batch[0], error);
            }

            batch.RemoveAt(0);
        }

        return null;
    }

    /// <summary>Takes what waits in the buffer, up to the batch's size (always at least one append).</summary>
    private List<PendingAppend> TakeWaiting()
    {
        var batch = new List<PendingAppend>();
        var records = 0;
        while ((batch.Count == 0 || records < options.MaxBatchRecords) && buffer.Reader.TryRead(out var pending))
        {
            batch.Add(pending);
            records += pending.Records.Count;
        }

        Interlocked.Add(ref inFlight, batch.Count);
        return batch;
    }

    /// <summary>Writes and commits the batch on the lane's connection; the appends' tasks are completed by the caller, in order.</summary>
    private async Task WriteAsync(
        NpgsqlDataSource dataSource, Lane lane, List<PendingAppend> batch, bool firstAttempt, TableTurn turn, CancellationToken stop)
    {
        try
        {
            var started = Stopwatch.GetTimestamp();
            var open = await ConnectAsync(dataSource, lane, stop).ConfigureAwait(false);
            var fences = batch.Where(p => p.Fence is not null).Select(p => p.Fence!).Distinct().ToList();
            var records = await LogBatch.WriteAsync(open, batch.SelectMany(p => p.Records).ToList(), fences, firstAttempt, turn, stop).ConfigureAwait(false);

            Interlocked.Exchange(ref lastCommitTicks, Stopwatch.GetElapsedTime(started).Ticks);
            Interlocked.Add(ref recordsCommitted, records);
            Interlocked.Increment(ref batches);
            BecomeHealthy();
        }
        catch
        {
            await DropConnectionAsync(lane).ConfigureAwait(false);
            throw;
        }
        finally
        {
            // Failed or not, the next batch must not wait on this one for its turn.
            turn.Release();
        }
    }

    private void CompleteAll(List<PendingAppend> batch)
    {
        batch.ForEach(Complete);
        batch.Clear();
    }

    private void Complete(PendingAppend pending)
    {
        Interlocked.Increment(ref appendsCommitted);
        Interlocked.Decrement(ref inFlight);
        pending.Committed.TrySetResult();
    }

    private void Fail(PendingAppend pending, Exception error)
    {
        Interlocked.Decrement(ref inFlight);
        pending.Committed.TrySetException(error);
    }

    private async Task<NpgsqlConnection> ConnectAsync(NpgsqlDataSource dataSource, Lane lane, CancellationToken stop)
    {
        if (lane.Connection is { State: System.Data.ConnectionState.Open } open)
        {
            return open;
        }

        await DropConnectionAsync(lane).ConfigureAwait(false);
        if (options.ApplyMigrations && !schemaReady)
        {
            await schemaCheck.WaitAsync(stop).ConfigureAwait(false);
            try
            {
                if (!schemaReady)
                {
                    await SchemaMigrator.ApplyAsync(dataSource, logger, stop).ConfigureAwait(false);
                    schemaReady = true;
                }
            }
            finally
            {
                schemaCheck.Release();
            }
        }

        var fresh = await dataSource.OpenConnectionAsync(stop).ConfigureAwait(false);
        lane.Connection = fresh;
        return fresh;
    }

    private async Task DropConnectionAsync(Lane lane)
    {
        if (lane.Connection is { } old)
        {
            lane.Connection = null;
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

    /// <summary>
    /// Data errors (class 22, 23) will fail again however often they are tried, and so will a write
    /// fenced out by a later incarnation of its domain; anything else may pass later.
    /// </summary>
    private static bool IsTransient(Exception error) =>
        error is not PostgresException { SqlState: ['2', '2', ..] or ['2', '3', ..] } && !LogFence.IsFencedOut(error);

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

    /// <summary>One of the writer's connections (with the statements prepared on it); used by one batch at a time.</summary>
    private sealed class Lane
    {
        public NpgsqlConnection? Connection { get; set; }
    }

    /// <summary>A batch handed to a lane, and its write (which commits but completes no append).</summary>
    private sealed record Flight(List<PendingAppend> Batch, Lane Lane, Task Write);

    private sealed class PendingAppend(IReadOnlyList<LogRecord> records, LogFence? fence)
    {
        public IReadOnlyList<LogRecord> Records { get; } = records;

        public LogFence? Fence { get; } = fence;

        // Continuations run off the writer's loop, so a slow caller cannot hold up the next commit.
        public TaskCompletionSource Committed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
