using CallCenter.Routing.Benchmarks.Load;

namespace CallCenter.Routing.Tests.Load;

/// <summary>
/// The load generator against the built server on a real PostgreSQL, at a gentle rate: it must
/// account for every call (no loss, no double assignment, each in the log as the gateway saw it)
/// while callers abandon, agents reject and softphones drop their streams.
/// </summary>
[NonParallelizable]
public sealed class LoadRunTests
{
    [Test]
    public async Task A_short_run_with_abandons_rejections_and_disconnects_accounts_for_every_call()
    {
        var database = "load_" + Guid.NewGuid().ToString("N");
        await using var server = await ServerUnderLoad.StartAsync(PostgresSetUp.Server, database, []);
        var settings = new LoadSettings
        {
            Agents = 40,
            Gateways = 2,
            Rate = 100,
            Poisson = true,
            WarmUpSeconds = 0.5,
            Seconds = 2,
            HandleMilliseconds = 50,
            AbandonShare = 0.2,
            PatienceMilliseconds = 5,
            RejectShare = 0.1,
            DisconnectShare = 0.03,
        };

        var report = await LoadRun.RunAsync(server, settings, "smoke");

        Assert.Multiple(() =>
        {
            Assert.That(report.Calls, Is.GreaterThan(150));
            Assert.That(report.NotEnded, Is.Zero, "calls that never ended");
            Assert.That(report.Unacknowledged, Is.Zero);
            Assert.That(report.DoubleAssignments, Is.Zero);
            Assert.That(report.AgentsDisagree, Is.Zero);
            Assert.That(report.Log, Is.Not.Null);
            Assert.That(report.Log!.Calls, Is.EqualTo(report.Calls));
            Assert.That(report.Log.AllAccountedFor, Is.True, $"{report.Log}");
            Assert.That(report.Rejections, Is.GreaterThan(0), "offers rejected");
            Assert.That(report.Abandons, Is.GreaterThan(0), "callers who abandoned");
            Assert.That(report.ArrivalToOffer.Count, Is.GreaterThan(0));
            Assert.That(report.ArrivalToAcknowledgement.Count, Is.EqualTo(report.Calls - settings.WarmUpCalls));
            Assert.That(report.Correct, Is.True);
        });
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task A_server_the_generator_started_leaves_its_database_behind_only_when_asked(bool keepDatabase)
    {
        var database = "load_" + Guid.NewGuid().ToString("N");
        var server = await ServerUnderLoad.StartAsync(PostgresSetUp.Server, database, [], keepDatabase);
        Assert.That(await DatabaseExists(database), Is.True, "the run's database while it runs");

        await server.DisposeAsync();

        Assert.That(await DatabaseExists(database), Is.EqualTo(keepDatabase));
        await PostgresSetUp.Server.DropDatabaseAsync(database);
    }

    private static async Task<bool> DatabaseExists(string database)
    {
        await using var connection = new Npgsql.NpgsqlConnection(PostgresSetUp.Server.ConnectionString("postgres"));
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = @database)", connection);
        command.Parameters.AddWithValue("database", database);
        return (bool)(await command.ExecuteScalarAsync())!;
    }
}
