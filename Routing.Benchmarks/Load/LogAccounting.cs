using System.Diagnostics;
using Dapper;
using Npgsql;

namespace CallCenter.Routing.Benchmarks.Load;

/// <summary>
/// Every call of a run, looked up in the interaction log: one row each, ended with the outcome
/// the gateway was told, with the agent the gateway connected. Also counts what the run logged.
/// </summary>
internal static class LogAccounting
{
    public static async Task<LogCheck?> CheckAsync(string? connectionString, CallBook book)
    {
        if (connectionString is null)
        {
            Console.WriteLine("  log check skipped: no --database for the running server");
            return null;
        }

        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await using var connection = await dataSource.OpenConnectionAsync();
        var prefix = book.Tag + "-%";
        var patience = Stopwatch.StartNew();
        List<LoggedCall> rows;
        var admitted = book.Calls - Interlocked.Read(ref book.Refused);
        // Acknowledged events are durable; the end of a call that ended last may still be on its way.
        do
        {
            rows = (await connection.QueryAsync<LoggedCall>(
                "SELECT call_id AS CallId, outcome AS Outcome, agent_id AS AgentId FROM interactions WHERE call_id LIKE @prefix",
                new { prefix })).AsList();
        }
        while ((rows.Count < admitted || rows.Any(r => r.Outcome is null)) && patience.Elapsed < TimeSpan.FromSeconds(30) && await Pause());

        var seen = new bool[book.Calls];
        var outcomeDiffers = 0;
        var agentDiffers = 0;
        foreach (var row in rows)
        {
            var call = book.CallNumber(row.CallId);
            if (call < 0)
            {
                continue;
            }

            seen[call] = true;
            if (book.Outcome[call] is { } outcome && outcome != row.Outcome)
            {
                outcomeDiffers++;
            }

            var connected = book.ConnectedAgent[call];
            if (row.Outcome == "Answered" && connected != 0 && row.AgentId != book.AgentId(connected - 1))
            {
                agentDiffers++;
            }
        }

        var records = await connection.ExecuteScalarAsync<long>(
            """
            SELECT (SELECT count(*) FROM interactions WHERE call_id LIKE @prefix)
                 + (SELECT count(*) FROM call_events WHERE call_id LIKE @prefix)
                 + (SELECT count(*) FROM routing_decisions WHERE call_id LIKE @prefix)
                 + (SELECT count(*) FROM agent_state_changes WHERE agent_id LIKE @prefix)
            """,
            new { prefix });
        var missing = Enumerable.Range(0, book.Calls).Count(call => !seen[call] && !book.RefusedCall[call]);
        var check = new LogCheck(book.Calls, missing, rows.Count(r => r.Outcome is null), outcomeDiffers, agentDiffers, records);
        Console.WriteLine($"  log: {rows.Count:N0} interactions for {admitted:N0} calls admitted ({book.Calls - admitted:N0} refused as overload); missing {check.Missing}, not ended {check.NotEnded}, " +
            $"outcome differs {check.OutcomeDiffers}, agent differs {check.AgentDiffers}; {records:N0} rows logged in all");
        return check;
    }

    private static async Task<bool> Pause()
    {
        await Task.Delay(500);
        return true;
    }

    private sealed record LoggedCall(string CallId, string? Outcome, string? AgentId);
}

public sealed record LogCheck(int Calls, int Missing, int NotEnded, int OutcomeDiffers, int AgentDiffers, long RowsLogged)
{
    public bool AllAccountedFor => Missing == 0 && NotEnded == 0 && OutcomeDiffers == 0 && AgentDiffers == 0;
}
