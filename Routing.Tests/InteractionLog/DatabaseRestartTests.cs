using CallCenter.Protos.V1;
using CallCenter.Routing.Host;
using CallCenter.Routing.Host.InteractionLog;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Npgsql;

namespace CallCenter.Routing.Tests.InteractionLog;

/// <summary>
/// PostgreSQL is stopped and started again in the middle of a gateway's traffic through the real
/// server: acknowledgements stop while it is away (routing goes on) and the server reports
/// Degraded; once it is back they resume, and every acknowledged arrival is in the log exactly
/// once. Runs on a PostgreSQL of its own, since it stops it.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class DatabaseRestartTests
{
    private const string GatewayId = "gateway-outage";

    private string folder = null!;
    private LocalPostgres postgres = null!;
    private string connectionString = null!;
    private WebApplication? server;
    private GrpcChannel? channel;
    private HttpClient? http;

    [SetUp]
    public async Task StartPostgresAndServer()
    {
        folder = PostgresSetUp.NewFolder("callcenter-db-restart");
        postgres = await LocalPostgres.StartAsync(Path.Combine(folder, "data"));
        await postgres.CreateDatabaseAsync("restart");
        connectionString = postgres.ConnectionString("restart");

        var endpoints = LoopbackEndpoints.Free();
        server = RoutingServer.Build(
        [
            .. endpoints.Arguments(),
            "--Logging:LogLevel:Default=Error",
            $"--Routing:Database:ConnectionString={connectionString}",
            // The outage's backlog makes acknowledgements late, which the overload gate may answer by
            // refusing new arrivals while it flushes (OverloadTests cover that); here every arrival must be taken.
            "--Edge:RefuseArrivalsWhenOverloaded=false",
        ]);
        await server.StartAsync();
        channel = GrpcChannel.ForAddress(endpoints.GrpcAddress);
        http = new HttpClient { BaseAddress = new Uri(endpoints.HttpAddress), Timeout = TimeSpan.FromSeconds(5) };
    }

    [TearDown]
    public async Task StopServerAndPostgres()
    {
        channel?.Dispose();
        http?.Dispose();
        if (server is not null)
        {
            // Bounded: with the database away the writer would otherwise retry until it is back.
            using var stopping = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await server.StopAsync(stopping.Token);
            await server.DisposeAsync();
        }

        await postgres.DisposeAsync();
        PostgresSetUp.DeleteFolder(folder);
    }

    [Test]
    public async Task Acknowledgements_wait_while_the_database_is_away_and_each_acknowledged_arrival_is_logged_once()
    {
        await using var traffic = await GatewayTraffic.ConnectAsync(new Gateway.GatewayClient(channel), GatewayId, "outage");
        traffic.StartArrivals(perSecond: 500, unanswered: 1_000);
        await Poll.Until(() => traffic.Acknowledged.Count >= 300, "the server acknowledges 300 arrivals");

        await postgres.StopAsync("fast");
        var firstSentWhileAway = traffic.SentCount;
        await Poll.Until(() => traffic.SentCount >= firstSentWhileAway + 200, "200 arrivals are sent while the database is away");
        await Poll.UntilAsync(async () => await HealthAsync() == "Degraded", "the server reports Degraded");

        // Routing went on (the arrivals were read and carried out), but nothing sent since the stop is acknowledged.
        var acknowledgedWhileAway = traffic.Acknowledged;
        var sentWhileAway = traffic.Sent.Skip(firstSentWhileAway).ToList();
        Assert.That(sentWhileAway.Where(acknowledgedWhileAway.Contains), Is.Empty, "acknowledged while the database was away");

        await postgres.StartAsync();
        await Poll.Until(() => traffic.Acknowledged.Count > acknowledgedWhileAway.Count + 200, "acknowledgements resume");
        await traffic.StopSendingAsync();
        var sent = traffic.Sent;
        await traffic.WaitUntilAnsweredAsync(sent, Poll.Patience);
        await Poll.UntilAsync(async () => await HealthAsync() == "Healthy", "the server reports Healthy again");
        Assert.That(traffic.Rejections, Is.Empty);

        await using var database = new NpgsqlConnection(connectionString);
        await database.OpenAsync();
        await ArrivalsInLog.ExpectExactlyOnceAsync(database, sent, GatewayId);
    }

    private async Task<string?> HealthAsync()
    {
        try
        {
            return await http!.GetStringAsync("/health");
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return null;
        }
    }
}
