using Npgsql;

namespace CallCenter.Routing.Host.InteractionLog;

/// <summary>
/// The server's own PostgreSQL, when no connection string is configured: started once, before the
/// host when the server is started through <see cref="RoutingServer.StartAsync"/> (otherwise by
/// the interaction log's service), and stopped with the server when this process started it.
/// </summary>
public sealed class EmbeddedPostgres(DatabaseSettings settings, string applicationDirectory, ILogger<EmbeddedPostgres> logger) : IAsyncDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private LocalPostgres? _local;
    private string? _connectionString;

    /// <summary>Starts it unless the settings name a database of their own.</summary>
    public Task StartIfConfiguredAsync(CancellationToken cancellationToken) =>
        string.IsNullOrWhiteSpace(settings.ConnectionString) ? StartAsync(cancellationToken) : Task.CompletedTask;

    /// <summary>Starts it (once) and creates the log's database; the connection string to that database.</summary>
    /// <exception cref="ServerStartException">It cannot start; the message says why and what to do, in one line.</exception>
    public async Task<string> StartAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_connectionString is not null)
            {
                return _connectionString;
            }

            var folder = "";
            try
            {
                folder = settings.LocalDataPath(applicationDirectory);
                _local = await LocalPostgres.StartAsync(folder, settings.LocalPort, cancellationToken);
                await _local.CreateDatabaseAsync(settings.LocalDatabase, cancellationToken);
            }
            catch (Exception error) when (error is LocalPostgresException or NpgsqlException)
            {
                await StopLocalAsync();
                throw new ServerStartException(
                    $"The embedded PostgreSQL did not start: {error.Message}. To fix: install PostgreSQL's binaries (Debian's 'postgresql' package) " +
                    $"or set POSTGRES_BIN to their folder; or set Routing:Database:LocalDataDirectory to a folder the {LocalPostgres.ToolsUser} user can write " +
                    $"(now {(folder.Length > 0 ? folder : "the default")}); or set Routing:Database:ConnectionString to use another PostgreSQL",
                    error);
            }

            _connectionString = _local.ConnectionString(settings.LocalDatabase);
            logger.LogInformation("Interaction log: local PostgreSQL in {Directory} on port {Port}", _local.DataDirectory, _local.Port);
            return _connectionString;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Stops it if this process started it.</summary>
    public async Task StopAsync()
    {
        await _gate.WaitAsync();
        try
        {
            await StopLocalAsync();
            _connectionString = null;
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync();

    private async Task StopLocalAsync()
    {
        if (_local is not null)
        {
            await _local.DisposeAsync();
            _local = null;
        }
    }
}

/// <summary>
/// Where the own PostgreSQL keeps its data when <c>Routing:Database:LocalDataDirectory</c> is not
/// set: a place its user can always reach, apart from the application and any checkout (a
/// checkout under a home folder of mode 700 is closed to the <c>postgres</c> user, and a build's
/// output is no place for data).
/// </summary>
public static class LocalDataFolders
{
    /// <summary>Set by systemd for a unit with <c>StateDirectory=</c>: the service's own state folder.</summary>
    public const string StateDirectoryVariable = "STATE_DIRECTORY";

    /// <summary>
    /// <c>$STATE_DIRECTORY/postgres</c> when set (the first of its folders); else for root
    /// <c>/var/lib/callcenter/postgres</c>, the system's place for a service's state; else the
    /// user's data folder, <c>$XDG_DATA_HOME/callcenter/postgres</c> or <c>~/.local/share/callcenter/postgres</c>.
    /// </summary>
    public static string Default() => Path.Combine(Root(), "postgres");

    /// <summary>The server's data folder, which holds the embedded PostgreSQL's and the development signing key.</summary>
    public static string Root()
    {
        if (Environment.GetEnvironmentVariable(StateDirectoryVariable)?.Split(':', StringSplitOptions.RemoveEmptyEntries) is [var state, ..])
        {
            return Path.GetFullPath(state);
        }

        if (LocalPostgres.RunsAsRoot())
        {
            return "/var/lib/callcenter";
        }

        // $XDG_DATA_HOME, else ~/.local/share (on Windows, the local application data folder).
        var data = Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData);
        return data.Length > 0
            ? Path.Combine(data, "callcenter")
            : throw new ServerStartException(
                "no default data folder: neither XDG_DATA_HOME nor HOME is set; set Routing:Database:LocalDataDirectory and Routing:Identity:SigningKeyFile");
    }
}
