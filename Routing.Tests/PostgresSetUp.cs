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
