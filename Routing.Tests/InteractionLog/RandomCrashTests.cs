using System.Collections.Concurrent;
using CallCenter.Protos.V1;
using Grpc.Core;
using Npgsql;
using Dapper;

namespace CallCenter.Routing.Tests.InteractionLog;

/// <summary>
/// Random gateway histories (arrivals in every queue and tier, each with its time of arrival at the
/// gateway, hang-ups, resent events) played against the server process twice: once killed with
/// SIGKILL at a random point (some seeds during a database outage, while acknowledgements wait)
/// and started again on its database, the gateway resending what it was never told was accepted;
/// once without the crash. The calls waiting at the end are then served by one agent: both runs
/// serve them in the same order, and each call is counted once in the log.
/// </summary>
[NonParallelizable]
public sealed class RandomCrashTests
{
    private const string GatewayId = "gw-random";
    private const string NoOverloadGate = "--Edge:RefuseArrivalsWhenOverloaded=false";
    private static readonly string[] Queues = ["billing", "technical", "sales", "general"];
    private static readonly string[] Tiers = ["VIP", "Gold", "Standard", "Basic"];

    private readonly List<ServerProcess> _servers = [];

    [TearDown]
    public Task KillServers() => ServerProcess.DisposeAllAsync(_servers);

    /// <summary>Four seeds, half of them with the outage; <c>CALLCENTER_CRASH_SEEDS=n</c> runs n.</summary>
    private static IEnumerable<TestCaseData> Seeds()
    {
        var count = int.TryParse(Environment.GetEnvironmentVariable("CALLCENTER_CRASH_SEEDS"), out var n) && n > 0 ? n : 4;
        return Enumerable.Range(11, count).Select(seed => new TestCaseData(seed, seed % 2 == 1));
    }

    [TestCaseSource(nameof(Seeds))]
    public async Task Waiting_calls_come_back_once_and_are_served_in_the_order_of_a_run_without_the_crash(int seed, bool outage)
    {
        var random = new Random(seed);
        var history = History(random);
        var crashAt = random.Next(history.Count / 4, history.Count - 2);
        var outageFrom = outage ? Math.Max(1, crashAt - random.Next(2, 8)) : int.MaxValue;
        var inFlightFrom = outage ? int.MaxValue : crashAt - random.Next(0, 4);

        var (crashedOrder, crashedDatabase, resent) = await RunAsync(history, crashAt, outageFrom, inFlightFrom);
        var (steadyOrder, steadyDatabase, _) = await RunAsync(history, crashAt: null, int.MaxValue, int.MaxValue);
        if (outage)
        {
            Assert.That(resent, Is.GreaterThan(0), "events sent during the outage were never acknowledged, and were sent again");
        }

        var expected = Waiting(history);
        Assert.That(steadyOrder, Is.EquivalentTo(expected), "the run without the crash serves every call still waiting");
        Assert.That(crashedOrder, Is.EqualTo(steadyOrder), $"crash before step {crashAt} of {history.Count}; outage from step {outageFrom}");

        foreach (var database in new[] { crashedDatabase, steadyDatabase })
        {
            await using var connection = new NpgsqlConnection(PostgresSetUp.Server.ConnectionString(database) + ";Pooling=false");
            var arrivals = (await connection.QueryAsync<(string Call, long Count)>(
                "SELECT call_id, count(*) FROM call_events WHERE kind = 'Arrived' GROUP BY call_id")).ToList();
            Assert.That(arrivals.Select(a => a.Call), Is.EquivalentTo(history.Where(s => s.Kind == StepKind.Arrive).Select(s => s.Call).Distinct()),
                $"{database}: every call arrived, none lost");
            Assert.That(arrivals.Where(a => a.Count != 1), Is.Empty, $"{database}: each call arrived once, none doubled");
            var outcomes = (await connection.QueryAsync<(string Call, string? Outcome, string? Agent)>(
                "SELECT call_id, outcome, agent_id FROM interactions")).ToDictionary(r => r.Call);
            Assert.That(expected.Select(c => outcomes[c]), Has.All.Matches<(string, string?, string?)>(o => o.Item2 == "Answered" && o.Item3 == "server"),
                $"{database}: every waiting call answered by the agent that served them");
            Assert.That(outcomes.Keys.Except(expected).Select(c => outcomes[c].Outcome), Has.All.EqualTo("AbandonedWhileWaiting"), $"{database}: hung up while waiting");
        }
    }

    private enum StepKind
    {
        Arrive,
        HangUp,
    }

    private sealed record Step(StepKind Kind, string Call, string Queue, string Tier, int Offset, string EventId);

    /// <summary>Arrivals (some sent twice), and hang-ups of calls that arrived and were not hung up yet.</summary>
    private static List<Step> History(Random random)
    {
        var steps = new List<Step>();
        var waiting = new List<string>();
        var count = random.Next(30, 60);
        for (var i = 0; i < count; i++)
        {
            var roll = random.Next(100);
            if (roll < 15 && waiting.Count > 2)
            {
                var call = waiting[random.Next(waiting.Count)];
                waiting.Remove(call);
                steps.Add(new Step(StepKind.HangUp, call, "", "", i, call + "-hangup"));
            }
            else if (roll < 22 && steps.Any(s => s.Kind == StepKind.Arrive))
            {
                var arrivals = steps.Where(s => s.Kind == StepKind.Arrive).ToList();
                steps.Add(arrivals[random.Next(arrivals.Count)]);
            }
            else
            {
                var call = $"r{i}";
                waiting.Add(call);
                steps.Add(new Step(StepKind.Arrive, call, Queues[random.Next(Queues.Length)], Tiers[random.Next(Tiers.Length)], i, call));
            }
        }

        return steps;
    }

    /// <summary>The calls that arrived and were not hung up.</summary>
    private static HashSet<string> Waiting(List<Step> history) =>
        history.Where(s => s.Kind == StepKind.Arrive).Select(s => s.Call)
            .Except(history.Where(s => s.Kind == StepKind.HangUp).Select(s => s.Call)).ToHashSet();

    private static GatewayEvent Event(Step step, DateTimeOffset start) => step.Kind switch
    {
        StepKind.Arrive => new GatewayEvent
        {
            EventId = step.EventId,
            CallArrived = new CallArrived
            {
                CallId = step.Call, QueueId = step.Queue, TierId = step.Tier, CallerNumber = "+15550100",
                // When the call reached the gateway: the same place in line in both runs, whatever the server's downtime.
                ArrivedAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(start.AddMilliseconds(20 * step.Offset)),
            },
        },
        _ => new GatewayEvent { EventId = step.EventId, CallHungUp = new CallHungUp { CallId = step.Call, Party = Party.Caller } },
    };

    /// <summary>Plays the history (crashing before step <paramref name="crashAt"/>, if given), then serves every waiting call; returns the order served and the database.</summary>
    private async Task<(List<string> Order, string Database, int Resent)> RunAsync(List<Step> history, int? crashAt, int outageFrom, int inFlightFrom)
    {
        var database = await PostgresSetUp.NewDatabaseAsync("random_crash");
        var connectionString = PostgresSetUp.Server.ConnectionString(database);
        var server = await StartAsync(connectionString);
        var start = DateTimeOffset.UtcNow - TimeSpan.FromSeconds(2);
        var gateway = await ScriptedGateway.ConnectAsync(server.Gateway, GatewayId);
        var softphone = new Softphone.SoftphoneClient(server.Channel);
        await softphone.LogInAsync(new LogInRequest { AgentId = "resting", Skills = { new AgentSkill { SkillId = "billing", Level = 5 } } });
        await softphone.SetStateAsync(new SetStateRequest { AgentId = "resting", NotReady = new NotReady { Reason = "lunch" } });

        var end = crashAt ?? history.Count;
        var resent = 0;
        for (var i = 0; i < end; i++)
        {
            if (i == outageFrom)
            {
                await PostgresSetUp.SetConnectionsAllowedAsync(database, false);
            }

            var sending = gateway.SendAsync(Event(history[i], start));
            if (i < outageFrom && i < inFlightFrom)
            {
                await sending;
            }
        }

        if (crashAt is not null)
        {
            await server.KillAsync();
            await gateway.DisposeAsync();
            if (outageFrom != int.MaxValue)
            {
                await PostgresSetUp.SetConnectionsAllowedAsync(database, true);
            }

            server = await StartAsync(connectionString);
            var before = gateway;
            gateway = await ScriptedGateway.ConnectAsync(server.Gateway, GatewayId);
            softphone = new Softphone.SoftphoneClient(server.Channel);

            // What the gateway was never told was accepted, it sends again, in its order.
            foreach (var step in history.Take(end).Where(s => !before.Answered(s.EventId)).DistinctBy(s => s.EventId))
            {
                await gateway.SendAsync(Event(step, start));
                resent++;
            }
        }

        for (var i = end; i < history.Count; i++)
        {
            await gateway.SendAsync(Event(history[i], start));
        }

        var order = await ServeAsync(softphone, gateway, Waiting(history).Count);
        await gateway.DisposeAsync();
        return (order, database, resent);
    }

    /// <summary>One agent able to take any call takes the <paramref name="waiting"/> calls one by one; returns them in the order offered.</summary>
    private static async Task<List<string>> ServeAsync(Softphone.SoftphoneClient softphone, ScriptedGateway gateway, int waiting)
    {

        var login = new LogInRequest { AgentId = "server" };
        login.Skills.Add(new[] { "billing", "technical", "sales" }.Select(s => new AgentSkill { SkillId = s, Level = 9 }));
        await softphone.LogInAsync(login);
        await softphone.SetStateAsync(new SetStateRequest { AgentId = "server", Available = new Available() });
        var order = new List<string>();
        while (order.Count < waiting)
        {
            var (call, epoch) = await gateway.NextRingAtAsync("server", order);
            order.Add(call);
            await softphone.AcceptOfferAsync(new OfferAnswer { AgentId = "server", CallId = call, Epoch = epoch });
            var hangUp = await gateway.SendAsync(new GatewayEvent { EventId = call + "-served", CallHungUp = new CallHungUp { CallId = call, Party = Party.Caller } });
            Assert.That(hangUp.Accepted, Is.Not.Null, hangUp.ToString());
            await softphone.FinishWrapUpAsync(new FinishWrapUpRequest { AgentId = "server" });
        }

        return order;
    }

    private async Task<ServerProcess> StartAsync(string connectionString)
    {
        var server = await ServerProcess.StartAsync(connectionString, NoOverloadGate);
        _servers.Add(server);
        return server;
    }
}
