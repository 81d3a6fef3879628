using System.Diagnostics;
using System.Net.Sockets;
using System.Globalization;
using Dapper;
using Npgsql;

namespace CallCenter.Routing.Host.InteractionLog;

/// <summary>
/// A PostgreSQL server of the project's own, from the machine's PostgreSQL binaries, in a data
/// folder it owns: created with initdb the first time (trust authentication, loopback only),
/// started and stopped with pg_ctl. PostgreSQL refuses to run as root, so under root the folder
/// is handed to the <c>postgres</c> user and the tools run as that user. Used by the server when
/// no database is configured, and by the tests and the benchmark. Whatever keeps it from starting
/// is a <see cref="LocalPostgresException"/> with a one-line message.
/// </summary>
public sealed class LocalPostgres : IAsyncDisposable
{
    private const string ServiceUser = "postgres";
    private const string Superuser = "postgres";

    private readonly string binDirectory;
    private readonly bool runAsServiceUser;

    private LocalPostgres(string dataDirectory, string binDirectory, int port, bool runAsServiceUser)
    {
        DataDirectory = dataDirectory;
        this.binDirectory = binDirectory;
        Port = port;
        this.runAsServiceUser = runAsServiceUser;
    }

    public string DataDirectory { get; }
    public int Port { get; }

    /// <summary>True while this process's pg_ctl start is the one that started the server (so stopping it is ours to do).</summary>
    public bool StartedHere { get; private set; }

    /// <summary>The server's log, kept beside the data folder's files.</summary>
    public string LogFile => Path.Combine(DataDirectory, "server.log");

    public string ConnectionString(string database) => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1",
        Port = Port,
        Username = Superuser,
        Database = database,
    }.ConnectionString;

    /// <summary>
    /// Starts the server on <paramref name="dataDirectory"/> (creating it if needed) and waits until
    /// it accepts connections. A server already running on that folder is used as it is, on its port.
    /// <paramref name="port"/> 0 picks a free one.
    /// </summary>
    public static async Task<LocalPostgres> StartAsync(string dataDirectory, int port = 0, CancellationToken cancellationToken = default)
    {
        var bin = FindBinDirectory();
        var root = RunsAsRoot();
        var directory = Path.GetFullPath(dataDirectory);

        if (RunningPort(directory) is { } runningPort && await AcceptsAsync(runningPort, cancellationToken).ConfigureAwait(false))
        {
            return new LocalPostgres(directory, bin, runningPort, root);
        }

        var server = new LocalPostgres(directory, bin, port == 0 ? LoopbackEndpoints.FreePort() : port, root);
        await server.InitializeAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await server.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (LocalPostgresException) when (server.StartedHere)
        {
            // Started but never accepting: not left running behind a failed start.
            await server.StopAsync("immediate", CancellationToken.None).ConfigureAwait(false);
            throw;
        }

        return server;
    }

    /// <summary>The tools run as the <c>postgres</c> user when this process is root (PostgreSQL refuses to run as root).</summary>
    public static string ToolsUser => RunsAsRoot() ? ServiceUser : Environment.UserName;

    public static bool RunsAsRoot() =>
        Environment.UserName == "root" || Environment.GetEnvironmentVariable("USER") == "root" || IsRootByUid();

    /// <summary>Starts the server again after <see cref="StopAsync"/>, on the same folder and port.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            await RunToolAsync("pg_ctl", cancellationToken,
                "start", "--wait", "--timeout=60", "-D", DataDirectory, "-l", LogFile,
                "-o", $"-p {Port.ToString(CultureInfo.InvariantCulture)}").ConfigureAwait(false);
        }
        catch (LocalPostgresException failed) when (LastLogLine() is { } logged)
        {
            // pg_ctl only says to look at the log: its last line is the reason.
            throw new LocalPostgresException($"{failed.Message}; {LogFile} ends: {logged}", failed);
        }

        StartedHere = true;
        await WaitUntilAcceptingAsync(TimeSpan.FromSeconds(60), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stops the server; "fast" ends sessions at once (their open transactions roll back).</summary>
    public async Task StopAsync(string mode = "fast", CancellationToken cancellationToken = default)
    {
        await RunToolAsync("pg_ctl", cancellationToken, "stop", "--wait", "--timeout=60", "-D", DataDirectory, "-m", mode)
            .ConfigureAwait(false);
        StartedHere = false;
    }

    /// <summary>Creates the database unless it exists.</summary>
    public async Task CreateDatabaseAsync(string database, CancellationToken cancellationToken = default)
    {
        await using var connection = new NpgsqlConnection(ConnectionString("postgres"));
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        var exists = await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
            "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = @database)", new { database },
            cancellationToken: cancellationToken)).ConfigureAwait(false);
        if (!exists)
        {
            await connection.ExecuteAsync(new CommandDefinition(
                $"CREATE DATABASE {Identifier(database)}",
                cancellationToken: cancellationToken)).ConfigureAwait(false);
        }
    }

    /// <summary>Drops the database if it exists, ending any session still connected to it.</summary>
    public async Task DropDatabaseAsync(string database, CancellationToken cancellationToken = default)
    {
        await using var connection = new NpgsqlConnection(ConnectionString("postgres"));
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await connection.ExecuteAsync(new CommandDefinition(
            $"DROP DATABASE IF EXISTS {Identifier(database)} WITH (FORCE)",
            cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>A database name cannot be a parameter; quoted as an identifier, any name is safe.</summary>
    private static string Identifier(string name) => $"\"{name.Replace("\"", "\"\"", StringComparison.Ordinal)}\"";

    /// <summary>Stops the server if this process started it.</summary>
    public async ValueTask DisposeAsync()
    {
        if (StartedHere)
        {
            await StopAsync().ConfigureAwait(false);
        }
    }

    private async Task InitializeAsync(CancellationToken cancellationToken)
    {
        var initialized = File.Exists(Path.Combine(DataDirectory, "PG_VERSION"));
        if (!initialized)
        {
            try
            {
                Directory.CreateDirectory(DataDirectory);
            }
            catch (Exception error) when (error is IOException or UnauthorizedAccessException)
            {
                throw new LocalPostgresException($"cannot create the data folder {DataDirectory}: {error.Message}", error);
            }

            if (runAsServiceUser)
            {
                await RunAsync("chown", cancellationToken, "-R", $"{ServiceUser}:", DataDirectory).ConfigureAwait(false);
            }
        }

        if (runAsServiceUser)
        {
            await RequireReachableAsync(cancellationToken).ConfigureAwait(false);
        }

        if (initialized)
        {
            return;
        }

        await RunToolAsync("initdb", cancellationToken,
            "-D", DataDirectory, "-U", Superuser, "--auth=trust", "--encoding=UTF8", "--locale=C").ConfigureAwait(false);

        // Loopback only, no Unix socket (its default folder may not exist or be writable here),
        // room for bursts of writes between checkpoints, and the log's WAL written in the
        // background every 10 ms, so a commit has little left to flush when it comes.
        await File.AppendAllTextAsync(Path.Combine(DataDirectory, "postgresql.conf"),
            """

            # Set by CallCenter's LocalPostgres
            listen_addresses = '127.0.0.1'
            unix_socket_directories = ''
            max_connections = 50
            shared_buffers = 256MB
            max_wal_size = 2GB
            checkpoint_timeout = 15min
            wal_writer_delay = 10ms
            wal_buffers = 64MB

            """, cancellationToken).ConfigureAwait(false);
        if (runAsServiceUser)
        {
            await RunAsync("chown", cancellationToken, $"{ServiceUser}:", Path.Combine(DataDirectory, "postgresql.conf")).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The service user must enter every folder above the data folder: one closed to others (a
    /// home folder of mode 700, as root's is) makes initdb and the server fail with a bare
    /// "Permission denied". Said here, naming the folder.
    /// </summary>
    private async Task RequireReachableAsync(CancellationToken cancellationToken)
    {
        var (exitCode, said) = await RunCapturedAsync(
            "runuser", "runuser", cancellationToken, "-u", ServiceUser, "--", "test", "-w", DataDirectory, "-a", "-x", DataDirectory).ConfigureAwait(false);
        if (exitCode != 0)
        {
            // test says nothing when the answer is no; anything said is runuser's own failure.
            throw new LocalPostgresException(said.Length > 0
                ? $"runuser failed (exit code {exitCode}): {said}"
                : $"the {ServiceUser} user cannot reach the data folder {DataDirectory} (a folder above it is closed to other users, such as a home folder of mode 700)");
        }
    }

    /// <summary>The last line of the server's log, if it can be read.</summary>
    private string? LastLogLine()
    {
        try
        {
            return File.ReadLines(LogFile).LastOrDefault(line => !string.IsNullOrWhiteSpace(line))?.Trim();
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private async Task WaitUntilAcceptingAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        while (!await AcceptsAsync(Port, cancellationToken).ConfigureAwait(false))
        {
            if (deadline.Elapsed > timeout)
            {
                throw new LocalPostgresException($"PostgreSQL on port {Port} did not accept connections within {timeout.TotalSeconds:F0} s; see {LogFile}");
            }

            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task<bool> AcceptsAsync(int port, CancellationToken cancellationToken)
    {
        var connectionString = new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1", Port = port, Username = Superuser, Database = "postgres", Pooling = false, Timeout = 5,
        }.ConnectionString;
        try
        {
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (Exception error) when (error is NpgsqlException or SocketException or TimeoutException)
        {
            return false;
        }
    }

    /// <summary>The port in the folder's postmaster.pid (fourth line), if a server claims the folder.</summary>
    private static int? RunningPort(string dataDirectory)
    {
        var pidFile = Path.Combine(dataDirectory, "postmaster.pid");
        try
        {
            var lines = File.ReadAllLines(pidFile);
            return lines.Length > 3 && int.TryParse(lines[3], CultureInfo.InvariantCulture, out var port) ? port : null;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }


    /// <summary>
    /// <c>POSTGRES_BIN</c> if set; otherwise the newest /usr/lib/postgresql/N/bin (Debian's layout);
    /// otherwise the folder of initdb on the PATH.
    /// </summary>
    public static string FindBinDirectory()
    {
        if (Environment.GetEnvironmentVariable("POSTGRES_BIN") is { Length: > 0 } configured)
        {
            return File.Exists(Path.Combine(configured, "initdb"))
                ? configured
                : throw new LocalPostgresException($"POSTGRES_BIN is {configured}, which has no initdb");
        }

        const string debian = "/usr/lib/postgresql";
        if (Directory.Exists(debian))
        {
            var newest = Directory.GetDirectories(debian)
                .Select(dir => (dir, version: int.TryParse(Path.GetFileName(dir), CultureInfo.InvariantCulture, out var v) ? v : -1))
                .Where(d => d.version >= 0 && File.Exists(Path.Combine(d.dir, "bin", "initdb")))
                .OrderByDescending(d => d.version)
                .Select(d => Path.Combine(d.dir, "bin"))
                .FirstOrDefault();
            if (newest is not null)
            {
                return newest;
            }
        }

        var onPath = (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .FirstOrDefault(dir => File.Exists(Path.Combine(dir, "initdb")));
        return onPath ?? throw new LocalPostgresException(
            "PostgreSQL's binaries were not found (no initdb in /usr/lib/postgresql/N/bin or on the PATH)");
    }

    private static bool IsRootByUid()
    {
        try
        {
            // /proc/self/status has "Uid:\treal\teffective\t..."
            var uid = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("Uid:", StringComparison.Ordinal));
            return uid?.Split('\t', StringSplitOptions.RemoveEmptyEntries) is [_, _, "0", ..];
        }
        catch (IOException)
        {
            return false;
        }
    }

    private Task RunToolAsync(string tool, CancellationToken cancellationToken, params string[] arguments)
    {
        var path = Path.Combine(binDirectory, tool);
        return runAsServiceUser
            ? RunAsync(tool, "runuser", cancellationToken, ["-u", ServiceUser, "--", path, .. arguments])
            : RunAsync(tool, path, cancellationToken, arguments);
    }

    private static Task RunAsync(string program, CancellationToken cancellationToken, params string[] arguments) =>
        RunAsync(program, program, cancellationToken, arguments);

    /// <param name="tool">What the program is called in a failure's message.</param>
    private static async Task RunAsync(string tool, string program, CancellationToken cancellationToken, params string[] arguments)
    {
        var (exitCode, said) = await RunCapturedAsync(tool, program, cancellationToken, arguments).ConfigureAwait(false);
        if (exitCode != 0)
        {
            throw new LocalPostgresException($"{tool} failed (exit code {exitCode}){(said.Length > 0 ? ": " + said : "")}");
        }
    }

    /// <summary>The program's exit code, and what it wrote (stderr, then stdout) as one line.</summary>
    private static async Task<(int ExitCode, string Said)> RunCapturedAsync(string tool, string program, CancellationToken cancellationToken, params string[] arguments)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            // The server must not inherit a folder it may not enter (the postgres user and root's home).
            WorkingDirectory = "/",
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        Process? started;
        try
        {
            started = Process.Start(start);
        }
        catch (System.ComponentModel.Win32Exception notRun)
        {
            throw new LocalPostgresException($"{tool} could not be run ({program}: {notRun.Message})", notRun);
        }

        using var process = started ?? throw new LocalPostgresException($"{tool} could not be run ({program})");
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        return (process.ExitCode, OneLine($"{(await error.ConfigureAwait(false)).Trim()} {(await output.ConfigureAwait(false)).Trim()}"));
    }

    /// <summary>A tool's output as one line, so a failure stays one line wherever it is printed.</summary>
    private static string OneLine(string text) =>
        string.Join(" ", text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}

/// <summary>Why the local PostgreSQL could not start, in one line.</summary>
public sealed class LocalPostgresException(string message, Exception? cause = null) : InvalidOperationException(message, cause);
