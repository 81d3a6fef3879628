using CallCenter.Routing.Host.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace CallCenter.Routing.Host.InteractionLog;

/// <summary>
/// The database settings, bound from <c>Routing:Database</c>. With no connection string the server
/// runs a PostgreSQL of its own in <see cref="LocalDataDirectory"/>.
/// </summary>
public sealed record DatabaseSettings
{
    public const string Section = "Routing:Database";

    public string? ConnectionString { get; init; }

    /// <summary>
    /// The own PostgreSQL's folder; relative to the application's folder. None: the default place
    /// (<see cref="LocalDataFolders.Default"/>), outside the application and any checkout.
    /// </summary>
    public string? LocalDataDirectory { get; init; }

    /// <summary>0 picks a free port at each start.</summary>
    public int LocalPort { get; init; }

    public string LocalDatabase { get; init; } = "callcenter";

    public int BufferCapacity { get; init; } = new InteractionLogOptions().Capacity;
    public int MaxBatchRecords { get; init; } = new InteractionLogOptions().MaxBatchRecords;
    public int WriterConnections { get; init; } = new InteractionLogOptions().Connections;

    /// <summary>How often the agents' replaced checkpoints are deleted.</summary>
    public TimeSpan CheckpointPruneInterval { get; init; } = TimeSpan.FromSeconds(30);

    public static DatabaseSettings Load(IConfiguration configuration) =>
        SettingsBinding.Read<DatabaseSettings>(configuration, Section);

    /// <summary>The own PostgreSQL's folder as a full path: the configured one against <paramref name="applicationDirectory"/>, else the default.</summary>
    public string LocalDataPath(string applicationDirectory) => string.IsNullOrWhiteSpace(LocalDataDirectory)
        ? LocalDataFolders.Default()
        : Path.GetFullPath(LocalDataDirectory, applicationDirectory);
}

public static class InteractionLogHosting
{
    /// <summary>
    /// Registers the interaction log: the writer (a singleton others append to), a hosted service
    /// that finds or starts the database, applies the migrations and starts the writer, and a
    /// health check named "interaction-log" that reports Degraded while the database is away.
    /// </summary>
    /// <param name="applicationDirectory">
    /// What a relative <see cref="DatabaseSettings.LocalDataDirectory"/> is relative to: the
    /// server's content root; by default the running program's folder.
    /// </param>
    public static IServiceCollection AddInteractionLog(this IServiceCollection services, IConfiguration configuration, string? applicationDirectory = null)
    {
        var settings = DatabaseSettings.Load(configuration);
        services.AddSingleton(settings);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(provider => new EmbeddedPostgres(
            settings, applicationDirectory ?? AppContext.BaseDirectory, provider.GetRequiredService<ILogger<EmbeddedPostgres>>()));
        services.AddSingleton<LogDatabase>();
        services.AddSingleton(provider => new InteractionLogWriter(
            new InteractionLogOptions
            {
                Capacity = settings.BufferCapacity, MaxBatchRecords = settings.MaxBatchRecords, Connections = settings.WriterConnections,
            },
            provider.GetRequiredService<ILogger<InteractionLogWriter>>()));
        services.AddHostedService<InteractionLogService>();
        services.AddHostedService<AgentCheckpointPruningService>();
        services.AddHealthChecks().AddCheck<InteractionLogHealthCheck>("interaction-log");
        return services;
    }
}

/// <summary>
/// The interaction log's one data source, for readers of the log (the reports). It is known only
/// once the log has started, since the server's own PostgreSQL may start with it.
/// </summary>
public sealed class LogDatabase
{
    private volatile NpgsqlDataSource? dataSource;

    public LogDatabase()
    {
    }

    /// <summary>A database open from the start (a tool's, or a test's).</summary>
    public LogDatabase(NpgsqlDataSource source) => dataSource = source;

    /// <summary>Null until the log has started.</summary>
    public NpgsqlDataSource? DataSource => dataSource;

    internal void Open(NpgsqlDataSource source) => dataSource = source;
}

/// <summary>Starts the database (when it is the server's own), the schema and the writer; stops them in reverse.</summary>
internal sealed class InteractionLogService(
    DatabaseSettings settings, EmbeddedPostgres embedded, InteractionLogWriter writer, LogDatabase database, ILogger<InteractionLogService> logger) : IHostedService
{
    private NpgsqlDataSource? dataSource;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var connectionString = settings.ConnectionString;
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            connectionString = await embedded.StartAsync(cancellationToken);
        }

        dataSource = NpgsqlDataSource.Create(connectionString);
        try
        {
            await SchemaMigrator.ApplyAsync(dataSource, logger, cancellationToken);
        }
        catch (NpgsqlException error)
        {
            // Routing does not wait for the database: the writer applies the schema once it can connect.
            logger.LogWarning(error, "Interaction log: the database cannot be reached at start; records are buffered until it can");
        }

        writer.Start(dataSource);
        database.Open(dataSource);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await writer.StopAsync(cancellationToken);
        if (dataSource is not null)
        {
            await dataSource.DisposeAsync();
        }

        await embedded.StopAsync();
    }
}

internal sealed class InteractionLogHealthCheck(InteractionLogWriter writer) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var metrics = writer.Metrics;
        var data = new Dictionary<string, object>
        {
            ["buffered"] = metrics.Buffered,
            ["recordsCommitted"] = metrics.RecordsCommitted,
            ["failedAttempts"] = metrics.FailedAttempts,
        };
        return Task.FromResult(metrics.Health == LogHealth.Healthy
            ? HealthCheckResult.Healthy("interaction log writing", data)
            : HealthCheckResult.Degraded($"interaction log buffering: {metrics.LastError}", data: data));
    }
}
