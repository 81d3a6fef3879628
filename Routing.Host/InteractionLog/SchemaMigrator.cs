using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace CallCenter.Routing.Host.InteractionLog;

/// <summary>One schema change from <c>deploy/migrations</c>: <c>0001_name.sql</c> has version "0001".</summary>
public sealed record Migration(string Version, string Name, string Sql)
{
    public string Checksum => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Sql)));
}

/// <summary>
/// Brings the database's schema up to date with the migrations shipped in the server. Each
/// migration runs in its own transaction together with its row in <c>schema_migrations</c>, so it
/// is applied entirely or not at all; an advisory lock keeps two servers starting at once from
/// applying the same one twice. A migration already applied is never run again, and one whose
/// text changed since it was applied stops the start: the database no longer matches the files.
/// </summary>
public static class SchemaMigrator
{
    // Any fixed number; it names this lock among the database's advisory locks.
    private const long MigrationLock = 0x43616c6c4c6f67; // "CallLog"

    private const string CreateHistory =
        """
        CREATE TABLE IF NOT EXISTS schema_migrations (
            version    text        PRIMARY KEY,
            name       text        NOT NULL,
            checksum   text        NOT NULL,
            applied_at timestamptz NOT NULL DEFAULT now()
        )
        """;

    /// <summary>The migrations embedded in this assembly, in version order.</summary>
    public static IReadOnlyList<Migration> Embedded { get; } = LoadEmbedded();

    /// <summary>Applies what is missing; returns the versions applied by this call (none when up to date).</summary>
    public static Task<IReadOnlyList<string>> ApplyAsync(
        NpgsqlDataSource dataSource, ILogger? logger = null, CancellationToken cancellationToken = default) =>
        ApplyAsync(dataSource, Embedded, logger, cancellationToken);

    public static async Task<IReadOnlyList<string>> ApplyAsync(
        NpgsqlDataSource dataSource, IReadOnlyList<Migration> migrations, ILogger? logger = null,
        CancellationToken cancellationToken = default)
    {
        logger ??= NullLogger.Instance;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await connection.ExecuteAsync(new CommandDefinition(
            "SELECT pg_advisory_lock(@key)", new { key = MigrationLock }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        try
        {
            await connection.ExecuteAsync(new CommandDefinition(CreateHistory, cancellationToken: cancellationToken)).ConfigureAwait(false);
            var applied = (await connection.QueryAsync<(string Version, string Checksum)>(new CommandDefinition(
                    "SELECT version, checksum FROM schema_migrations", cancellationToken: cancellationToken)).ConfigureAwait(false))
                .ToDictionary(row => row.Version, row => row.Checksum);

            var appliedNow = new List<string>();
            foreach (var migration in migrations.OrderBy(m => m.Version, StringComparer.Ordinal))
            {
                if (applied.TryGetValue(migration.Version, out var checksum))
                {
                    if (checksum != migration.Checksum)
                    {
                        throw new InvalidOperationException(
                            $"migration {migration.Version} ({migration.Name}) was changed after it was applied; add a new migration instead");
                    }

                    continue;
                }

                await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
                await connection.ExecuteAsync(new CommandDefinition(migration.Sql, transaction: transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
                await connection.ExecuteAsync(new CommandDefinition(
                    "INSERT INTO schema_migrations (version, name, checksum) VALUES (@Version, @Name, @Checksum)",
                    migration, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                logger.LogInformation("Interaction log: applied migration {Version} ({Name})", migration.Version, migration.Name);
                appliedNow.Add(migration.Version);
            }

            return appliedNow;
        }
        finally
        {
            // Closing the session would release it too; unlocking keeps a pooled session clean.
            if (connection.State == System.Data.ConnectionState.Open)
            {
                await connection.ExecuteAsync("SELECT pg_advisory_unlock(@key)", new { key = MigrationLock }).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Reads a migration file's name: "0001_interaction_log.sql" is version "0001", name "interaction_log".</summary>
    public static Migration Parse(string fileName, string sql)
    {
        var stem = Path.GetFileNameWithoutExtension(fileName);
        var separator = stem.IndexOf('_', StringComparison.Ordinal);
        if (separator <= 0 || !stem[..separator].All(char.IsAsciiDigit))
        {
            throw new ArgumentException($"migration file '{fileName}' must be named NNNN_name.sql", nameof(fileName));
        }

        return new Migration(stem[..separator], stem[(separator + 1)..], sql);
    }

    private static IReadOnlyList<Migration> LoadEmbedded()
    {
        var assembly = Assembly.GetExecutingAssembly();
        const string prefix = "migrations/";
        return assembly.GetManifestResourceNames()
            .Where(name => name.StartsWith(prefix, StringComparison.Ordinal) && name.EndsWith(".sql", StringComparison.Ordinal))
            .Select(name =>
            {
                using var stream = assembly.GetManifestResourceStream(name)!;
                using var reader = new StreamReader(stream, Encoding.UTF8);
                return Parse(name[prefix.Length..], reader.ReadToEnd());
            })
            .OrderBy(m => m.Version, StringComparer.Ordinal)
            .ToList();
    }
}
