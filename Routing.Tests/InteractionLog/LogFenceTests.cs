using CallCenter.Routing.Host.InteractionLog;
using CallCenter.Routing.Lifecycle;
using CallCenter.Routing.Model;
using Dapper;
using Npgsql;

namespace CallCenter.Routing.Tests.InteractionLog;

/// <summary>
/// The log's writes fenced by their domain's incarnation, against a real PostgreSQL: once a later
/// incarnation of a domain has started (on another node), the earlier one's records are refused and
/// the other domains' written; a start waits for a batch already under way and then reads it.
/// </summary>
[TestFixture]
public sealed class LogFenceTests : WriterOnFreshDatabase
{
    private static IReadOnlyList<LogRecord> Arrival(string call, string domain) => LogMapping.FromCallEvent(
        new CallEvent.Arrived(new CallId(call), 1, Nine, new QueueId("help"), new TierId("Standard"), false, null, [], Nine), domain);

    private async Task ExecuteAsync(string sql)
    {
        await using var connection = await database.OpenConnectionAsync();
        await connection.ExecuteAsync(sql);
    }

    private async Task<string[]> LoggedCallsAsync()
    {
        await using var connection = await database.OpenConnectionAsync();
        return [.. await connection.QueryAsync<string>("SELECT call_id || '@' || domain_id FROM interactions ORDER BY call_id")];
    }

    [SetUp]
    public async Task TwoDomainsStarted()
    {
        await SchemaMigrator.ApplyAsync(database);
        await ExecuteAsync("INSERT INTO routing_domains (domain_id, incarnation) VALUES ('north', 1), ('south', 4)");
    }

    [Test]
    public async Task Records_of_an_incarnation_a_later_one_replaced_are_refused_and_the_others_written()
    {
        var northFirst = new LogFence("north", 1);
        await writer.AppendAsync(Arrival("n1", "north"), northFirst);

        // The domain starts on another node: its row's incarnation goes up, as its journal's load does.
        await ExecuteAsync("UPDATE routing_domains SET incarnation = 2 WHERE domain_id = 'north'");
        var late = writer.AppendAsync(Arrival("n2", "north"), northFirst);
        var otherDomain = writer.AppendAsync(Arrival("s1", "south"), new LogFence("south", 4));
        var newIncarnation = writer.AppendAsync(Arrival("n3", "north"), new LogFence("north", 2));
        var unfenced = writer.AppendAsync(Arrival("d1", "default"));

        var refused = (await Assert.ThrowsAsync<PostgresException>(async () => await late))!;
        Assert.That(LogFence.IsFencedOut(refused), Is.True);
        Assert.That(refused.MessageText, Does.Contain("routing domain north runs elsewhere now: incarnation 2 started after this one (1)"));
        await Task.WhenAll(otherDomain, newIncarnation, unfenced);
        Assert.That(await LoggedCallsAsync(), Is.EqualTo(new[] { "d1@default", "n1@north", "n3@north", "s1@south" }), "n2 is not in the log");
    }

    [Test]
    public async Task A_start_elsewhere_waits_for_a_fenced_batch_under_way_then_refuses_the_next()
    {
        await using var batch = await database.OpenConnectionAsync();
        await using var transaction = await batch.BeginTransactionAsync();
        await batch.ExecuteAsync("SELECT log_fence(ARRAY['north'], ARRAY[1::bigint])", transaction: transaction);
        await batch.ExecuteAsync("INSERT INTO interactions (call_id, domain_id) VALUES ('n-under-way', 'north')", transaction: transaction);

        var start = Task.Run(async () =>
        {
            await using var connection = await database.OpenConnectionAsync();
            return await connection.ExecuteScalarAsync<long>(
                "UPDATE routing_domains SET incarnation = incarnation + 1 WHERE domain_id = 'north' RETURNING incarnation");
        });
        await using (var watcher = await database.OpenConnectionAsync())
        {
            await Poll.Until(() => watcher.ExecuteScalar<long>(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'UPDATE routing_domains%'") == 1,
                "the start waits for the batch's commit");
        }

        Assert.That(start.IsCompleted, Is.False);
        await transaction.CommitAsync();
        Assert.That(await start, Is.EqualTo(2));
        Assert.That(await LoggedCallsAsync(), Does.Contain("n-under-way@north"), "committed before the new incarnation read the journal");

        var next = (await Assert.ThrowsAsync<PostgresException>(async () => await writer.AppendAsync(Arrival("n-late", "north"), new LogFence("north", 1))))!;
        Assert.That(LogFence.IsFencedOut(next), Is.True);
    }
}
