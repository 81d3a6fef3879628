using CallCenter.Routing.Host.InteractionLog;
using Dapper;
using Npgsql;

namespace CallCenter.Routing.Tests.InteractionLog;

/// <summary>The schema comes from the migrations in <c>deploy/migrations</c>, applied once each, whoever starts first.</summary>
[TestFixture]
public sealed class SchemaMigratorTests
{
    private NpgsqlDataSource database = null!;

    [SetUp]
    public async Task FreshDatabase() => database = await PostgresSetUp.FreshDatabaseAsync();

    [TearDown]
    public async Task DropDataSource() => await database.DisposeAsync();

    [Test]
    public void The_migrations_ship_inside_the_server_in_version_order()
    {
        var versions = SchemaMigrator.Embedded.Select(m => m.Version).ToList();

        Assert.That(versions, Is.Not.Empty.And.Ordered.And.Unique);
        Assert.That(versions[0], Is.EqualTo("0001"));
    }

    [Test]
    public async Task Migrations_apply_once_and_a_second_run_applies_nothing()
    {
        var first = await SchemaMigrator.ApplyAsync(database);
        var second = await SchemaMigrator.ApplyAsync(database);

        await using var connection = await database.OpenConnectionAsync();
        var tables = (await connection.QueryAsync<string>(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name")).ToList();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(first, Is.EqualTo(SchemaMigrator.Embedded.Select(m => m.Version)));
            Assert.That(second, Is.Empty);
            Assert.That(tables, Is.SupersetOf(new[]
            {
                "agent_state_changes", "call_events", "interactions", "routing_decisions", "schema_migrations",
            }));
            Assert.That(await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM schema_migrations"),
                Is.EqualTo(SchemaMigrator.Embedded.Count));
        }
    }

    [Test]
    public async Task Servers_starting_at_once_apply_each_migration_once()
    {
        var runs = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => SchemaMigrator.ApplyAsync(database)));

        Assert.That(runs.SelectMany(applied => applied), Is.EqualTo(SchemaMigrator.Embedded.Select(m => m.Version)));
    }

    [Test]
    public async Task A_later_migration_is_applied_on_its_own_and_a_failing_one_leaves_nothing_behind()
    {
        var later = SchemaMigrator.Embedded.Append(
            SchemaMigrator.Parse("9001_notes_index.sql", "CREATE INDEX interactions_notes ON interactions (notes);")).ToList();
        var broken = later.Append(
            SchemaMigrator.Parse("9002_broken.sql", "CREATE TABLE half_done (id int); SELECT no_such_function();")).ToList();

        await SchemaMigrator.ApplyAsync(database);
        var applied = await SchemaMigrator.ApplyAsync(database, later);
        await Assert.ThrowsAsync<Npgsql.PostgresException>(() => SchemaMigrator.ApplyAsync(database, broken));

        await using var connection = await database.OpenConnectionAsync();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(applied, Is.EqualTo(new[] { "9001" }));
            Assert.That(await connection.ExecuteScalarAsync<bool>("SELECT to_regclass('half_done') IS NOT NULL"), Is.False);
            Assert.That(await connection.ExecuteScalarAsync<string?>("SELECT max(version) FROM schema_migrations"), Is.EqualTo("9001"));
        }
    }

    [Test]
    public async Task A_migration_changed_after_it_was_applied_stops_the_start()
    {
        await SchemaMigrator.ApplyAsync(database);
        var first = SchemaMigrator.Embedded[0];
        var edited = SchemaMigrator.Embedded.Skip(1).Prepend(first with { Sql = first.Sql + "\n-- edited" }).ToList();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => SchemaMigrator.ApplyAsync(database, edited));

        Assert.That(error!.Message, Does.Contain("migration 0001").And.Contain("changed after it was applied"));
    }

    [TestCase("0001_interaction_log.sql", "0001", "interaction_log")]
    [TestCase("0042_add_scores.sql", "0042", "add_scores")]
    public void A_migration_file_name_gives_its_version_and_name(string file, string version, string name)
    {
        var migration = SchemaMigrator.Parse(file, "SELECT 1");

        Assert.That((migration.Version, migration.Name), Is.EqualTo((version, name)));
    }

    [TestCase("interaction_log.sql")]
    [TestCase("v1_interaction_log.sql")]
    public void A_migration_file_without_a_version_is_refused(string file) =>
        Assert.Throws<ArgumentException>(() => SchemaMigrator.Parse(file, "SELECT 1"));
}
