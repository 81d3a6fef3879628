using CallCenter.Routing.Host.InteractionLog;
using Npgsql;

namespace CallCenter.Routing.Tests.InteractionLog;

/// <summary>A running interaction log writer on a fresh database of the tests' PostgreSQL, for each test.</summary>
public abstract class WriterOnFreshDatabase
{
    protected static readonly DateTimeOffset Nine = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);

    protected NpgsqlDataSource database = null!;
    protected InteractionLogWriter writer = null!;

    [SetUp]
    public async Task StartWriter()
    {
        database = await PostgresSetUp.FreshDatabaseAsync();
        writer = new InteractionLogWriter();
        writer.Start(database);
    }

    [TearDown]
    public async Task StopWriter()
    {
        await writer.StopAsync();
        await writer.DisposeAsync();
        await database.DisposeAsync();
    }
}
