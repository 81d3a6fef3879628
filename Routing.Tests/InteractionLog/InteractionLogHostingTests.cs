using CallCenter.Routing.Host.InteractionLog;
using CallCenter.Routing.Lifecycle;
using CallCenter.Routing.Model;
using Dapper;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace CallCenter.Routing.Tests.InteractionLog;

/// <summary>The host's one line: <c>AddInteractionLog</c> with a configured connection string.</summary>
[TestFixture]
public sealed class InteractionLogHostingTests
{
    [Test]
    public async Task A_host_with_the_interaction_log_applies_the_schema_writes_and_reports_healthy()
    {
        var name = await PostgresSetUp.NewDatabaseAsync("host");
        var connectionString = PostgresSetUp.Server.ConnectionString(name);
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Routing:Database:ConnectionString"] = connectionString,
            ["Routing:Database:BufferCapacity"] = "1000",
        });
        builder.Services.AddInteractionLog(builder.Configuration);
        using var host = builder.Build();

        await host.StartAsync();
        var writer = host.Services.GetRequiredService<InteractionLogWriter>();
        var call = new CallId("hosted-1");
        var at = new DateTimeOffset(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);
        await writer.AppendAsync(LogMapping.FromCallEvent(
            new CallEvent.Arrived(call, 1, at, new QueueId("billing"), new TierId("Gold"), false, null, [], at)));
        var health = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();
        await host.StopAsync();

        await using var connection = new NpgsqlConnection(connectionString);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(health.Entries["interaction-log"].Status, Is.EqualTo(HealthStatus.Healthy));
            Assert.That(await connection.ExecuteScalarAsync<string>("SELECT tier FROM interactions WHERE call_id = 'hosted-1'"), Is.EqualTo("Gold"));
            Assert.That(await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM schema_migrations"), Is.EqualTo(SchemaMigrator.Embedded.Count));
        }
    }
}
