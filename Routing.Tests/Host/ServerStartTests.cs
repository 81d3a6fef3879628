using System.Diagnostics;
using CallCenter.Routing.Host;
using CallCenter.Routing.Host.InteractionLog;
using CallCenter.Routing.Tests.InteractionLog;

namespace CallCenter.Routing.Tests.Host;

/// <summary>
/// The built server started as an operator starts it: from any working directory, with or without
/// a configuration file of its own, with or without a database, from a checkout a service user
/// cannot enter. What it cannot do, it says in one line on stderr and exits with 1.
/// </summary>
[NonParallelizable]
public sealed class ServerStartTests
{
    private readonly List<string> _folders = [];

    [TearDown]
    public void DeleteFolders()
    {
        foreach (var folder in _folders)
        {
            PostgresSetUp.DeleteFolder(folder);
        }

        _folders.Clear();
    }

    [Test]
    public async Task Started_from_another_working_directory_it_reads_the_appsettings_json_beside_it()
    {
        var endpoints = LoopbackEndpoints.Free();
        var start = BuiltServer.StartInfo(ServerProcess.HostAssembly(), endpoints, await NewDatabaseAsync());
        start.WorkingDirectory = "/";

        await using var server = await ServerProcess.StartAsync(start, endpoints);

        Assert.That(await server.Http.GetStringAsync("/"), Does.StartWith("CallCenter routing server: 4 queues, 4 tiers, 6 skills"));
    }

    [Test]
    public async Task A_file_named_with_config_relative_to_the_working_directory_replaces_the_shipped_sections_it_has()
    {
        var folder = NewFolder("callcenter-config");
        await File.WriteAllTextAsync(Path.Combine(folder, "spanish.json"), """
            {
              "Routing": {
                "Skills": [ "spanish" ],
                "Queues": [ { "Id": "spanish", "RequiredSkills": [ { "Skill": "spanish" } ] } ]
              },
              "Edge": { "DialedNumbers": { "+18005550199": "spanish" } }
            }
            """);
        var endpoints = LoopbackEndpoints.Free();
        var start = BuiltServer.StartInfo(ServerProcess.HostAssembly(), endpoints, await NewDatabaseAsync(), "--config", "spanish.json");
        start.WorkingDirectory = folder;

        await using var server = await ServerProcess.StartAsync(start, endpoints);

        // One queue and one skill: the shipped file's four queues and six skills are not merged in.
        Assert.That(await server.Http.GetStringAsync("/"), Does.StartWith("CallCenter routing server: 1 queues, 4 tiers, 1 skills"));
    }

    [Test]
    public async Task A_missing_config_file_stops_the_start_in_one_line_naming_it()
    {
        var folder = NewFolder("callcenter-config");
        var start = BuiltServer.StartInfo(ServerProcess.HostAssembly(), LoopbackEndpoints.Free(), null, "--config", "absent.json");
        start.WorkingDirectory = folder;

        var (exitCode, error) = await RunUntilExitAsync(start);

        Assert.That(exitCode, Is.Not.EqualTo(0));
        Assert.That(error, Is.EqualTo($"the configuration file {Path.Combine(folder, "absent.json")} (given with --config) does not exist"));
    }

    [Test]
    public async Task No_queues_stop_the_start_in_one_line_naming_the_files_read()
    {
        var folder = NewFolder("callcenter-config");
        var file = Path.Combine(folder, "empty.json");
        await File.WriteAllTextAsync(file, """{ "Routing": { "Skills": [ "spanish" ] }, "Edge": { } }""");
        var start = BuiltServer.StartInfo(ServerProcess.HostAssembly(), LoopbackEndpoints.Free(), null, "--config", file);
        start.WorkingDirectory = "/";

        var (exitCode, error) = await RunUntilExitAsync(start);

        Assert.That(exitCode, Is.Not.EqualTo(0));
        Assert.That(error, Does.StartWith($"no queues configured in {Path.Combine(Path.GetDirectoryName(ServerProcess.HostAssembly())!, "appsettings.json")}, {file};"));
        Assert.That(error, Does.Contain("Routing:AllowNoQueues=true"));
        Assert.That(error, Does.Not.Contain('\n'));
    }

    [TestCase("""{ "Skills": [ "spanish" ], "Queues": [ { "Id": "spanish" }, { "Id": "french", "AgentSelection": "Fastest" } ] }""",
        "Routing:Queues:1:AgentSelection", "Fastest", TestName = "A misspelt agent selection in the second queue stops the start, naming it")]
    [TestCase("""{ "Skills": [ "spanish" ], "Queues": [ { "Id": "spanish", "RequiredSkills": [ { "Skill": "spanish", "MinimumLevel": "high" } ] } ] }""",
        "Routing:Queues:0:RequiredSkills:0:MinimumLevel", "high", TestName = "A level that is not a number in a queue's skills stops the start, naming it")]
    [TestCase("""{ "Skills": [ "spanish" ], "Queues": [ { "Id": "spanish" } ], "Timing": { "RingTimeoutSeconds": "soon" } }""",
        "Routing:Timing:RingTimeoutSeconds", "soon", TestName = "A time that is not a number stops the start, naming it")]
    public async Task A_setting_that_cannot_be_read_stops_the_start_in_one_line_naming_its_path(string routing, string path, string value)
    {
        var folder = NewFolder("callcenter-config");
        var file = Path.Combine(folder, "bad.json");
        await File.WriteAllTextAsync(file, $$"""{ "Routing": {{routing}} }""");
        var start = BuiltServer.StartInfo(ServerProcess.HostAssembly(), LoopbackEndpoints.Free(), null, "--config", file);

        var (exitCode, error) = await RunUntilExitAsync(start);

        Assert.That(exitCode, Is.Not.EqualTo(0));
        Assert.That(error, Does.Contain($"'{path}'").And.Contain($"'{value}'"), "the setting's path and value, not a queue quietly left out");
        Assert.That(error, Does.Not.Contain('\n'));
    }

    [Test]
    public async Task With_AllowNoQueues_a_server_without_queues_starts()
    {
        var folder = NewFolder("callcenter-config");
        var file = Path.Combine(folder, "empty.json");
        await File.WriteAllTextAsync(file, """{ "Routing": { "Skills": [ "spanish" ], "AllowNoQueues": true }, "Edge": { } }""");
        var endpoints = LoopbackEndpoints.Free();
        var start = BuiltServer.StartInfo(ServerProcess.HostAssembly(), endpoints, await NewDatabaseAsync(), "--config", file);

        await using var server = await ServerProcess.StartAsync(start, endpoints);

        Assert.That(await server.Http.GetStringAsync("/"), Does.StartWith("CallCenter routing server: 0 queues"));
    }

    [Test]
    public async Task Without_PostgreSQL_binaries_the_embedded_database_stops_the_start_in_one_line()
    {
        var start = BuiltServer.StartInfo(ServerProcess.HostAssembly(), LoopbackEndpoints.Free(), null);
        start.Environment["POSTGRES_BIN"] = "/nonexistent-postgres-bin";
        start.Environment[LocalDataFolders.StateDirectoryVariable] = NewFolder("callcenter-state");

        var (exitCode, error) = await RunUntilExitAsync(start);

        Assert.That(exitCode, Is.Not.EqualTo(0));
        Assert.That(error, Does.StartWith("The embedded PostgreSQL did not start: POSTGRES_BIN is /nonexistent-postgres-bin, which has no initdb."));
        Assert.That(error, Does.Contain("'postgresql' package").And.Contain("Routing:Database:ConnectionString").And.Contain("Routing:Database:LocalDataDirectory"));
    }

    /// <summary>
    /// A checkout under a folder of mode 700 (as under root's home) is closed to the postgres user;
    /// the default data folder is outside it. The default's base is pointed at a temporary folder
    /// through STATE_DIRECTORY (as systemd's StateDirectory= sets it), not the machine's real one.
    /// </summary>
    [Test]
    public async Task Started_from_a_checkout_closed_to_others_the_embedded_database_lives_in_the_default_folder()
    {
        var server = CopyOfBuiltServerUnderClosedFolder();
        var state = NewFolder("callcenter-state");
        var data = Path.Combine(state, "postgres");
        var endpoints = LoopbackEndpoints.Free();
        var start = BuiltServer.StartInfo(server, endpoints, null, "--Logging:LogLevel:Default=Information");
        start.WorkingDirectory = "/";
        start.Environment[LocalDataFolders.StateDirectoryVariable] = state;

        try
        {
            await using var process = await ServerProcess.StartAsync(start, endpoints);
            Assert.That(process.Output, Does.Contain($"Interaction log: local PostgreSQL in {data} on port"));
            Assert.That(await process.Http.GetStringAsync("/"), Does.StartWith("CallCenter routing server: 4 queues"));

            // A graceful stop stops the database the server started.
            process.Terminate();
            Assert.That(await process.ExitedAsync(), Is.EqualTo(0), process.Output);
            Assert.That(File.Exists(Path.Combine(data, "postmaster.pid")), Is.False, "PostgreSQL still runs on " + data);
        }
        finally
        {
            await StopPostgresLeftOnAsync(data);
        }
    }

    [Test]
    public async Task A_data_folder_the_postgres_user_cannot_reach_stops_the_start_in_one_line_naming_it()
    {
        Assume.That(LocalPostgres.RunsAsRoot(), "only root hands the data folder to the postgres user");
        var server = CopyOfBuiltServerUnderClosedFolder();
        var start = BuiltServer.StartInfo(server, LoopbackEndpoints.Free(), null, "--Routing:Database:LocalDataDirectory=.data/postgres");
        start.WorkingDirectory = "/";

        var (exitCode, error) = await RunUntilExitAsync(start);

        // Relative to the application's folder, not to the working directory.
        var data = Path.Combine(Path.GetDirectoryName(server)!, ".data", "postgres");
        Assert.That(exitCode, Is.Not.EqualTo(0));
        Assert.That(error, Does.StartWith($"The embedded PostgreSQL did not start: the postgres user cannot reach the data folder {data} "));
    }

    /// <summary>A database of its own on the tests' PostgreSQL.</summary>
    private static async Task<string> NewDatabaseAsync() =>
        PostgresSetUp.Server.ConnectionString(await PostgresSetUp.NewDatabaseAsync("start"));

    private string NewFolder(string prefix)
    {
        var folder = PostgresSetUp.NewFolder(prefix);
        _folders.Add(folder);
        return folder;
    }

    /// <summary>The built server copied to a checkout-like folder inside a folder of mode 700; the copy's Routing.Host.dll.</summary>
    private string CopyOfBuiltServerUnderClosedFolder()
    {
        var closed = NewFolder("callcenter-closed");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(closed, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        var built = Path.GetDirectoryName(ServerProcess.HostAssembly())!;
        var copy = Path.Combine(closed, "checkout", "Routing.Host", "bin");
        foreach (var file in Directory.EnumerateFiles(built, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(copy, Path.GetRelativePath(built, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }

        return Path.Combine(copy, "Routing.Host.dll");
    }

    /// <summary>Runs the server until it exits by itself; its exit code and what it wrote on stderr, trimmed.</summary>
    private static async Task<(int ExitCode, string Error)> RunUntilExitAsync(ProcessStartInfo start)
    {
        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start the server");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var patience = new CancellationTokenSource(Poll.Patience);
        try
        {
            await process.WaitForExitAsync(patience.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"the server did not exit: {await output} {await error}");
        }

        return (process.ExitCode, (await error).Trim());
    }

    /// <summary>Stops a PostgreSQL a failed test left running on the folder (the server runs it detached, so killing the server leaves it).</summary>
    private static async Task StopPostgresLeftOnAsync(string data)
    {
        if (!File.Exists(Path.Combine(data, "postmaster.pid")))
        {
            return;
        }

        var pgCtl = Path.Combine(LocalPostgres.FindBinDirectory(), "pg_ctl");
        var start = LocalPostgres.RunsAsRoot()
            ? new ProcessStartInfo("runuser", ["-u", "postgres", "--", pgCtl, "stop", "-D", data, "-m", "immediate"])
            : new ProcessStartInfo(pgCtl, ["stop", "-D", data, "-m", "immediate"]);
        start.WorkingDirectory = "/";
        using var stop = Process.Start(start)!;
        await stop.WaitForExitAsync();
    }
}
