using System.Diagnostics;
using CallCenter.Routing.Host.InteractionLog;
using Npgsql;
using NpgsqlTypes;

namespace CallCenter.Routing.Benchmarks.Load;

/// <summary>
/// The database floor: rows shaped like the log's call events, written by binary COPY in
/// batches of 1,000 with a commit each, one connection, as fast as PostgreSQL takes them.
/// </summary>
internal static class CopyFloor
{
    private const int Batch = 1_000;

    public static async Task<CopyFigures> MeasureAsync(LocalPostgres postgres, double seconds)
    {
        var database = "copy_floor_" + DateTime.UtcNow.ToString("MMddHHmmss", System.Globalization.CultureInfo.InvariantCulture);
        await postgres.CreateDatabaseAsync(database);
        await using var dataSource = NpgsqlDataSource.Create(postgres.ConnectionString(database));
        await using var connection = await dataSource.OpenConnectionAsync();
        await using (var create = new NpgsqlCommand(
            "CREATE TABLE call_events (call_id text, sequence bigint, occurred_at timestamptz, kind text, agent_id text, detail jsonb, PRIMARY KEY (call_id, sequence))",
            connection))
        {
            await create.ExecuteNonQueryAsync();
        }

        var histogram = new LatencyHistogram();
        var rows = 0L;
        var load = new MachineLoad();
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed.TotalSeconds < seconds)
        {
            var started = Stopwatch.GetTimestamp();
            await using (var transaction = await connection.BeginTransactionAsync())
            {
                await using (var copy = await connection.BeginBinaryImportAsync(
                                 "COPY call_events (call_id, sequence, occurred_at, kind, agent_id, detail) FROM STDIN (FORMAT BINARY)"))
                {
                    for (var i = 0; i < Batch; i++, rows++)
                    {
                        await copy.StartRowAsync();
                        await copy.WriteAsync("copy-" + (rows / 4).ToString(System.Globalization.CultureInfo.InvariantCulture), NpgsqlDbType.Text);
                        await copy.WriteAsync(rows % 4, NpgsqlDbType.Bigint);
                        await copy.WriteAsync(DateTime.UtcNow, NpgsqlDbType.TimestampTz);
                        await copy.WriteAsync("offered", NpgsqlDbType.Text);
                        await copy.WriteAsync("agent-7", NpgsqlDbType.Text);
                        await copy.WriteAsync("{\"queue\":\"general\",\"epoch\":1}", NpgsqlDbType.Jsonb);
                    }

                    await copy.CompleteAsync();
                }

                await transaction.CommitAsync();
            }

            histogram.Record((Stopwatch.GetTimestamp() - started) * 1_000_000 / Stopwatch.Frequency);
        }

        // Every core's time while the rows went in, client and PostgreSQL alike.
        var cpuPerRow = load.Next().Machine * clock.Elapsed.TotalSeconds * 1e6 / rows;
        var figures = new CopyFigures(rows / clock.Elapsed.TotalSeconds, cpuPerRow, histogram.Summary());
        Console.WriteLine($"  binary COPY floor: {figures.RowsPerSecond:N0} rows/s in batches of {Batch:N0}, {cpuPerRow:F1} µs of CPU a row (both ends); commit of a batch: " +
            $"p50 {figures.Commit.P50:F2} ms, p99 {figures.Commit.P99:F2} ms");
        // The floor's rows are of no further use; the pool lets go of its connection before the drop.
        await connection.DisposeAsync();
        await dataSource.DisposeAsync();
        await postgres.DropDatabaseAsync(database);
        return figures;
    }
}

/// <param name="CpuMicrosecondsPerRow">CPU of the whole machine (client and PostgreSQL) per row copied and committed.</param>
internal sealed record CopyFigures(double RowsPerSecond, double CpuMicrosecondsPerRow, LatencySummary Commit);
