using CallCenter.Routing.Host.InteractionLog;
using Npgsql;

namespace CallCenter.Routing.Tests;

/// <summary>
/// One real PostgreSQL for every test that needs one (the interaction log, the server), started once per test run with the
/// same launcher the server uses, in a fresh folder that is removed afterwards. Each fixture takes
/// a fresh database of its own.
/// </summary>
[SetUpFixture]
public sealed class PostgresSetUp
{
    private static LocalPostgres? server;
    private static string? folder;

    public static LocalPostgres Server => server ?? throw new InvalidOperationException("PostgreSQL is not started");

    /// <summary>Takes a database away from whoever uses it (its connections are ended and new ones refused), or gives it back: an outage of it.</summary>
    public static async Task SetConnectionsAllowedAsync(string database, bool allowed)
    {
        await using var admin = new NpgsqlConnection(Server.ConnectionString("postgres") + ";Pooling=false");
        await admin.OpenAsync();
        await using (var alter = new NpgsqlCommand($"ALTER DATABASE \"{database}\" ALLOW_CONNECTIONS {(allowed ? "true" : "false")}", admin))
        {
            await alter.ExecuteNonQueryAsync();
        }

        if (!allowed)
        {
            await using var terminate = new NpgsqlCommand(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = @database AND pid <> pg_backend_pid()", admin);
            terminate.Parameters.AddWithValue("database", database);
            await terminate.ExecuteNonQueryAsync();
        }
    }

    [OneTimeSetUp]
    public async Task StartPostgres()
    {
        folder = NewFolder("callcenter-log-tests");
        server = await LocalPostgres.StartAsync(Path.Combine(folder, "data"));
    }

    [OneTimeTearDown]
    public async Task StopPostgres()
    {
        if (server is not null)
        {
            await server.DisposeAsync();
        }

        DeleteFolder(folder);
    }

    /// <summary>Creates a new, empty database on the shared server, named by <paramref name="prefix"/> and a fresh id; returns its name.</summary>
    public static async Task<string> NewDatabaseAsync(string prefix)
    {
        var name = prefix + "_" + Guid.NewGuid().ToString("N");
        await Server.CreateDatabaseAsync(name);
        return name;
    }

    /// <summary>A new, empty database on the shared server.</summary>
    public static async Task<NpgsqlDataSource> FreshDatabaseAsync(LocalPostgres? on = null)
    {
        var target = on ?? Server;
        var name = "test_" + Guid.NewGuid().ToString("N");
        await target.CreateDatabaseAsync(name);
        return NpgsqlDataSource.Create(target.ConnectionString(name));
    }

    /// <summary>
    /// A folder under the temporary directory that the postgres user may enter (the tests may run as
    /// root, and PostgreSQL then runs as that user).
    /// </summary>
    public static string NewFolder(string prefix)
    {
        var path = Path.Combine(Path.GetTempPath(), $"{prefix}-{Guid.NewGuid():N}");
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
            return path;
        }

        Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
                                        UnixFileMode.GroupRead | UnixFileMode.GroupExecute |
                                        UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        return path;
    }

    public static void DeleteFolder(string? path)
    {
        if (path is not null && Directory.Exists(path))
        {
            Directory.Delete(path, recursive: true);
        }
    }
}
