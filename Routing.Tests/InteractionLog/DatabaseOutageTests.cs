using System.Diagnostics;
using CallCenter.Routing.Host.InteractionLog;
using CallCenter.Routing.Lifecycle;
using CallCenter.Routing.Model;
using Dapper;
using Npgsql;

namespace CallCenter.Routing.Tests.InteractionLog;

/// <summary>
/// PostgreSQL goes away in the middle of the traffic and comes back: the writer turns degraded,
/// keeps what it is given (up to its bound, then makes appends wait), and once the database is back
/// writes everything, each record exactly once. Runs on a PostgreSQL of its own, since it stops it.
/// </summary>
[TestFixture]
public sealed class DatabaseOutageTests
{
    private static readonly DateTimeOffset Nine = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private string folder = null!;
    private LocalPostgres server = null!;
    private NpgsqlDataSource database = null!;

    [OneTimeSetUp]
    public async Task StartOwnPostgres()
    {
        folder = PostgresSetUp.NewFolder("callcenter-log-outage");
        server = await LocalPostgres.StartAsync(Path.Combine(folder, "data"));
        database = await PostgresSetUp.FreshDatabaseAsync(server);
    }

    [OneTimeTearDown]
    public async Task StopOwnPostgres()
    {
        await database.DisposeAsync();
        await server.DisposeAsync();
        PostgresSetUp.DeleteFolder(folder);
    }

    /// <summary>What a gateway's arrival causes: the call's first event and its interaction row.</summary>
    private static IReadOnlyList<LogRecord> Arrival(int n) => LogMapping.FromCallEvent(new CallEvent.Arrived(
        new CallId($"outage-{n:D6}"), 1, Nine.AddMilliseconds(n), new QueueId("billing"), new TierId("Standard"), false, null, [],
        Nine.AddMilliseconds(n)));

    private static async Task Eventually(Func<bool> condition, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > Patience)
            {
                Assert.Fail($"not within {Patience.TotalSeconds:F0} s: {what}");
            }

            await Task.Delay(10);
        }
    }

    [Test]
    public async Task Every_acknowledged_record_is_in_the_database_exactly_once_after_an_outage()
    {
        const int capacity = 500;
        await using var writer = new InteractionLogWriter(new InteractionLogOptions
        {
            Capacity = capacity, MaxBatchRecords = 200,
            FirstRetryDelay = TimeSpan.FromMilliseconds(20), MaxRetryDelay = TimeSpan.FromMilliseconds(200),
        });
        writer.Start(database);

        var appends = new List<Task>();
        var next = 0;
        void Append(int count)
        {
            for (var i = 0; i < count; i++)
            {
                appends.Add(writer.AppendAsync(Arrival(next++)));
            }
        }

        Append(1_000);
        await Task.WhenAll(appends);

        // Stop the database while appends are still being written.
        Append(1_000);
        await server.StopAsync("fast");
        Append(2_000);

        await Eventually(() => writer.Health == LogHealth.Degraded, "the writer reports degraded");
        await Eventually(() => writer.Metrics.Buffered >= capacity, "the buffer fills");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(appends.Skip(2_000).Count(a => a.IsCompleted), Is.Zero, "nothing is acknowledged while the database is away");
            Assert.That(writer.Metrics.AppendsAccepted, Is.LessThan(next), "once the buffer is full, appends wait for room");
            Assert.That(appends.Any(a => a.IsFaulted), Is.False, "nothing is dropped");
        }

        await server.StartAsync();
        await Task.WhenAll(appends).WaitAsync(Patience);
        await Eventually(() => writer.Health == LogHealth.Healthy, "the writer reports healthy again");

        await using var connection = await database.OpenConnectionAsync();
        var interactions = (await connection.QueryAsync<string>("SELECT call_id FROM interactions")).ToList();
        var events = (await connection.QueryAsync<string>("SELECT call_id FROM call_events")).ToList();
        var expected = Enumerable.Range(0, next).Select(n => $"outage-{n:D6}").ToList();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(interactions, Is.EquivalentTo(expected));
            Assert.That(events, Is.EquivalentTo(expected));
            Assert.That(writer.Metrics.FailedAttempts, Is.GreaterThan(0));
            Assert.That(writer.Metrics.AppendsCommitted, Is.GreaterThanOrEqualTo(next));
        }
    }
}
