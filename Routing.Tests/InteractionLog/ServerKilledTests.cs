using Npgsql;

namespace CallCenter.Routing.Tests.InteractionLog;

/// <summary>
/// The server is killed in the middle of a gateway's traffic: every arrival it acknowledged is in
/// the interaction log exactly once. Started again on the same database, it takes the gateway's
/// resends (what saw no answer, and some that did) and the log still holds each call once.
/// Runs the built server as a process of its own, on a fresh database of the tests' PostgreSQL.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class ServerKilledTests
{
    private const string GatewayId = "gateway-killed";

    private string connectionString = null!;
    private ServerProcess? server;

    [SetUp]
    public async Task CreateDatabase()
    {
        var name = await PostgresSetUp.NewDatabaseAsync("killed");
        connectionString = PostgresSetUp.Server.ConnectionString(name);
    }

    [TearDown]
    public async Task KillServer()
    {
        if (server is not null)
        {
            if (TestContext.CurrentContext.Result.Outcome.Status == NUnit.Framework.Interfaces.TestStatus.Failed)
            {
                TestContext.Out.WriteLine($"server output:\n{server.Output}");
            }

            await server.DisposeAsync();
            server = null;
        }
    }

    [Test]
    public async Task Every_acknowledged_arrival_is_logged_exactly_once_after_the_server_is_killed_and_after_resends()
    {
        server = await ServerProcess.StartAsync(connectionString);
        await using var traffic = await GatewayTraffic.ConnectAsync(server.Gateway, GatewayId, "killed");
        traffic.StartArrivals(perSecond: 500, unanswered: 1_000);

        // Kill it while arrivals are still being sent and answered.
        await Poll.Until(() => traffic.Acknowledged.Count >= 500, "the server acknowledges 500 arrivals");
        await server.KillAsync();
        await traffic.StopSendingAsync();
        await traffic.Ended.WaitAsync(Poll.Patience);
        var acknowledged = traffic.Acknowledged;
        var sent = traffic.Sent;
        TestContext.Out.WriteLine($"killed with {sent.Count} arrivals sent, {acknowledged.Count} acknowledged");
        Assert.That(traffic.Rejections, Is.Empty);

        await using (var database = await OpenDatabaseAsync())
        {
            await ArrivalsInLog.ExpectExactlyOnceAsync(database, acknowledged, GatewayId);
        }

        // Started again on the same database, the gateway resends what saw no answer and, as a
        // gateway unsure of what happened before the crash may, some arrivals that did.
        await server.DisposeAsync();
        server = await ServerProcess.StartAsync(connectionString);
        var resent = sent.Where(id => !acknowledged.Contains(id)).Concat(acknowledged.Order().Take(200)).ToList();
        await using var again = await GatewayTraffic.ConnectAsync(server.Gateway, GatewayId, "killed-again");
        await again.ResendAsync(resent);
        await again.WaitUntilAnsweredAsync(resent, Poll.Patience);
        Assert.That(again.Rejections, Is.Empty);

        await using (var database = await OpenDatabaseAsync())
        {
            await ArrivalsInLog.ExpectExactlyOnceAsync(database, sent, GatewayId);
        }

        // Healthy, and still taking traffic.
        again.StartArrivals(perSecond: 500, unanswered: 100);
        await Poll.Until(() => again.Acknowledged.Count >= resent.Count + 50, "the restarted server acknowledges new arrivals");
        await again.StopSendingAsync();
        Assert.That(await server.HealthAsync(), Is.EqualTo("Healthy"));
    }

    private async Task<NpgsqlConnection> OpenDatabaseAsync()
    {
        var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        return connection;
    }
}
