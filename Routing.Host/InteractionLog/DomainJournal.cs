using System.Text.Json;
using System.Text.Json.Serialization;
using CallCenter.Routing.Agents.AgentActors;
using CallCenter.Routing.Agents.Domain;
using CallCenter.Routing.Model;
using Dapper;
using Npgsql;

namespace CallCenter.Routing.Host.InteractionLog;

/// <summary>An agent's checkpoint as the agent_checkpoints table holds it: JSON, enums by name.</summary>
public static class AgentJournal
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
    };

    public static string ToJson(AgentProtocol.Checkpoint checkpoint) => JsonSerializer.Serialize(checkpoint, Options);

    public static AgentProtocol.Checkpoint FromJson(string json) =>
        JsonSerializer.Deserialize<AgentProtocol.Checkpoint>(json, Options) ?? throw new FormatException("an agent checkpoint is null");
}

/// <summary>
/// The routing domain's journal in PostgreSQL: the interaction log's call events for the calls still
/// open, the agents' checkpoints, the run-time configuration changes, and the domain's incarnation,
/// which loading takes the next of. The
/// log is the one source of truth: what is recovered is exactly what acknowledgements waited for.
/// </summary>
public sealed class PostgresDomainJournal(
    LogDatabase database, ConfigurationJournal configurationJournal, string domainId = DomainEvents.DefaultDomain) : IDomainJournal
{
    /// <summary>An incarnation's epochs are below the next's: 2^40 offers per start, 2^23 starts.</summary>
    public const int EpochBits = 40;

    public async Task<DomainJournalContents> LoadAsync(CancellationToken cancellation)
    {
        var dataSource = database.DataSource ?? throw new InvalidOperationException("the interaction log has not started");
        // The schema first: the log's writer applies it at its first write, and nothing is written before recovery.
        await SchemaMigrator.ApplyAsync(dataSource, cancellationToken: cancellation);
        await using var connection = await dataSource.OpenConnectionAsync(cancellation);
        var incarnation = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            """
            INSERT INTO routing_domains (domain_id, incarnation) VALUES (@domainId, 1)
            ON CONFLICT (domain_id) DO UPDATE SET incarnation = routing_domains.incarnation + 1, started_at = now()
            RETURNING incarnation
            """, new { domainId }, cancellationToken: cancellation));

        // The open calls in parts read side by side, each on a connection of its own: turning rows into
        // events is most of the reading, and each part's is done on a core of its own.
        var parts = await Task.WhenAll(Enumerable.Range(0, ReadParts).Select(part => Task.Run(async () =>
        {
            await using var partConnection = await dataSource.OpenConnectionAsync(cancellation);
            return await OpenCallsAsync(partConnection, domainId, part, cancellation);
        }, cancellation)));
        var calls = parts.SelectMany(part => part).ToList();
        var agents = (await connection.QueryAsync<string>(new CommandDefinition(
                "SELECT DISTINCT ON (agent_id) checkpoint::text FROM agent_checkpoints WHERE domain_id = @domainId ORDER BY agent_id, version DESC",
                new { domainId }, cancellationToken: cancellation)))
            .Select(AgentJournal.FromJson)
            .ToList();
        var configuration = await configurationJournal.LoadAsync(cancellation);
        return new DomainJournalContents((incarnation << EpochBits) + 1, calls, agents, configuration.Routing, incarnation);
    }

    /// <summary>How many parts the open calls are read in, side by side.</summary>
    private static readonly int ReadParts = Math.Clamp(Environment.ProcessorCount, 1, 4);

    /// <summary>The events of the open calls of one part (by a hash of the call id), in each call's order.</summary>
    private static async Task<IReadOnlyList<CallJournal>> OpenCallsAsync(NpgsqlConnection connection, string domainId, int part, CancellationToken cancellation)
    {
        await using var command = new NpgsqlCommand(
            """
            SELECT e.call_id, e.sequence, e.occurred_at, e.kind, e.queue_id, e.agent_id, e.epoch, e.detail::text
            FROM interactions i JOIN call_events e ON e.call_id = i.call_id
            WHERE i.outcome IS NULL AND i.domain_id = @domain AND abs(hashtext(i.call_id) % @parts) = @part
            ORDER BY e.call_id, e.sequence
            """, connection);
        command.Parameters.AddWithValue("domain", domainId);
        command.Parameters.AddWithValue("parts", ReadParts);
        command.Parameters.AddWithValue("part", part);
        await using var reader = await command.ExecuteReaderAsync(cancellation);
        var journals = new List<CallJournal>();
        List<Lifecycle.CallEvent>? events = null;
        CallId? current = null;
        while (await reader.ReadAsync(cancellation))
        {
            var call = new CallId(reader.GetString(0));
            if (call != current)
            {
                events = [];
                journals.Add(new CallJournal(call, events));
                current = call;
            }

            string? Text(int i) => reader.IsDBNull(i) ? null : reader.GetString(i);
            var row = new LogRecord.CallEventEntry(
                call, reader.GetInt64(1), new DateTimeOffset(reader.GetDateTime(2), TimeSpan.Zero), reader.GetString(3),
                Text(4) is { } queue ? new QueueId(queue) : null,
                Text(5) is { } agent ? new AgentId(agent) : null,
                reader.IsDBNull(6) ? null : reader.GetInt64(6),
                Text(7));
            events!.Add(LogMapping.ToCallEvent(row));
        }

        return journals;
    }
}
