using CallCenter.Routing.Agents.Domain;
using CallCenter.Protos.V1;
using CallCenter.Routing.Configuration;
using CallCenter.Routing.Host.Edge;
using CallCenter.Routing.Model;
using Dapper;
using Google.Protobuf;
using Npgsql;

namespace CallCenter.Routing.Host.InteractionLog;

/// <summary>
/// The configuration the server runs with: the file's, with every recorded run-time change applied
/// in version order. <see cref="Version"/> is the last version given, so the next change takes the one after.
/// </summary>
public sealed record EffectiveConfiguration(RoutingConfiguration Routing, IReadOnlyList<StoredAgentProfile> ProfileChanges, long Version);

/// <summary>
/// The run-time configuration changes in PostgreSQL (<c>configuration_changes</c>): each written
/// before it is applied, with its version, when it was made and the item before and after, so the
/// changes survive a restart and their versions never repeat. It keeps the last version given.
/// </summary>
public sealed class ConfigurationJournal(LogDatabase database, RoutingConfiguration file, string domainId = DomainEvents.DefaultDomain)
{
    private static readonly JsonFormatter Formatter = new(JsonFormatter.Settings.Default.WithPreserveProtoFieldNames(true));

    private long _version = file.Version;

    /// <summary>The last version given: the file's, or the last change's once loaded or recorded.</summary>
    public long Version => Interlocked.Read(ref _version);

    /// <summary>Records a change whose version is the one after <see cref="Version"/>, which then becomes it.</summary>
    public async Task RecordAsync(ConfigurationChange change, CancellationToken cancellation)
    {
        if (change.Version != Version + 1)
        {
            throw new ArgumentException($"version {change.Version} does not follow {Version}", nameof(change));
        }

        var (kind, subject) = Describe(change.After);
        await using var connection = await DataSource.OpenConnectionAsync(cancellation);
        await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO configuration_changes (domain_id, version, changed_at, kind, subject, before, after)
            VALUES (@domainId, @version, @changedAt, @kind, @subject, @before::jsonb, @after::jsonb)
            """,
            new
            {
                domainId,
                version = change.Version,
                changedAt = change.ChangedAt.ToDateTimeOffset(),
                kind,
                subject,
                before = change.Before is null ? null : Formatter.Format(change.Before),
                after = Formatter.Format(change.After),
            },
            cancellationToken: cancellation));
        Interlocked.Exchange(ref _version, change.Version);
    }

    /// <summary>The changes after <paramref name="afterVersion"/>, oldest first, at most <paramref name="limit"/>.</summary>
    public async Task<IReadOnlyList<ConfigurationChange>> ReadAsync(long afterVersion, int limit, CancellationToken cancellation)
    {
        await using var connection = await DataSource.OpenConnectionAsync(cancellation);
        var rows = await connection.QueryAsync<(long Version, DateTime ChangedAt, string? Before, string After)>(new CommandDefinition(
            """
            SELECT version, changed_at, before::text, after::text FROM configuration_changes
            WHERE domain_id = @domainId AND version > @afterVersion
            ORDER BY version LIMIT @limit
            """,
            new { domainId, afterVersion, limit }, cancellationToken: cancellation));
        return rows.Select(row => new ConfigurationChange
        {
            Version = row.Version,
            ChangedAt = new DateTimeOffset(DateTime.SpecifyKind(row.ChangedAt, DateTimeKind.Utc)).ToProto(),
            Before = row.Before is null ? null : JsonParser.Default.Parse<ConfigurationItem>(row.Before),
            After = JsonParser.Default.Parse<ConfigurationItem>(row.After),
        }).ToList();
    }

    /// <summary>
    /// The configuration file's routing with the changes applied in order. A change that no longer
    /// applies (the file changed under it) stops the start, naming the change.
    /// </summary>
    public static EffectiveConfiguration Replay(RoutingConfiguration file, IReadOnlyList<ConfigurationChange> changes)
    {
        var routing = file;
        var profiles = new List<StoredAgentProfile>();
        var version = file.Version;
        foreach (var change in changes)
        {
            try
            {
                switch (change.After.ItemCase)
                {
                    case ConfigurationItem.ItemOneofCase.Queue:
                        var queue = ConfigurationAdmin.ToQueueConfig(change.After.Queue);
                        routing = routing with { Version = change.Version, Queues = ConfigurationAdmin.WithQueue(routing.Queues, queue) };
                        break;
                    case ConfigurationItem.ItemOneofCase.SkillId:
                        var skill = new SkillId(change.After.SkillId);
                        routing = routing.Skills.Contains(skill) ? routing : routing with { Version = change.Version, Skills = [.. routing.Skills, skill] };
                        break;
                    case ConfigurationItem.ItemOneofCase.AgentProfile:
                        profiles.Add(ConfigurationAdmin.ToStoredProfile(change.After.AgentProfile));
                        break;
                    default:
                        throw new FormatException("it names no queue, skill or agent profile");
                }
            }
            catch (Exception e) when (e is BadRequestException or FormatException)
            {
                throw new InvalidConfigurationException([new ConfigurationError($"configuration_changes[version {change.Version}]", e.Message)]);
            }

            version = Math.Max(version, change.Version);
        }

        if (routing.Validate() is [var first, ..])
        {
            throw new InvalidConfigurationException([new ConfigurationError(
                $"{first.Field} (after the run-time changes up to version {version})", first.Message)]);
        }

        return new EffectiveConfiguration(routing, profiles, version);
    }

    /// <summary>
    /// The configuration the recorded changes lead to (at start, and when the routing domain starts
    /// again); versions go on from its, or from one recorded since it was read.
    /// </summary>
    public async Task<EffectiveConfiguration> LoadAsync(CancellationToken cancellation)
    {
        var effective = Replay(file, await ReadAsync(0, int.MaxValue, cancellation));
        long seen;
        do
        {
            seen = Version;
        }
        while (effective.Version > seen && Interlocked.CompareExchange(ref _version, effective.Version, seen) != seen);

        return effective;
    }

    private NpgsqlDataSource DataSource => database.DataSource ?? throw new InvalidOperationException("the interaction log has not started");

    private static (string Kind, string Subject) Describe(ConfigurationItem item) => item.ItemCase switch
    {
        ConfigurationItem.ItemOneofCase.Queue => ("queue", item.Queue.QueueId),
        ConfigurationItem.ItemOneofCase.SkillId => ("skill", item.SkillId),
        ConfigurationItem.ItemOneofCase.AgentProfile => ("agent_profile", item.AgentProfile.AgentId),
        _ => throw new ArgumentException("a configuration change names a queue, a skill or an agent profile", nameof(item)),
    };
}
