using CallCenter.Protos.V1;
using CallCenter.Routing.Tests.Edge;
using Dapper;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace CallCenter.Routing.Tests.Reports;

/// <summary>The Reports service over real gRPC, on a server whose log was filled by a gateway and a softphone.</summary>
[TestFixture]
public sealed class ReportsServiceTests
{
    private EdgeHost _host = null!;
    private Protos.V1.Reports.ReportsClient _reports = null!;

    [OneTimeSetUp]
    public async Task StartServer()
    {
        _host = await EdgeHost.Start();
        _reports = new Protos.V1.Reports.ReportsClient(_host.Channel);
    }

    [OneTimeTearDown]
    public async Task StopServer() => await _host.DisposeAsync();

    /// <summary>
    /// Three billing calls in virtual time: "slow" waits 20 s for alice to log in, talks 10 s;
    /// "fast" is answered at once and talks 4 s; "gone" arrives while alice is on "fast" and hangs
    /// up after 3 s. At the default 15 s threshold: service level 1 / (2 + 1 − 1) = 0.5.
    /// </summary>
    [Test]
    public async Task Calls_driven_through_gateway_and_softphone_show_up_in_the_reports()
    {
        var start = _host.Clock.Now;
        await using var gateway = await _host.ConnectGateway("gw-reports");
        Assert.That((await gateway.Arrive("slow", "billing", "Standard")).Accepted, Is.Not.Null);
        _host.Clock.Advance(TimeSpan.FromSeconds(20));

        await using var alice = await _host.AgentReady("alice", ("billing", 5));
        await Answer(alice, "slow");
        _host.Clock.Advance(TimeSpan.FromSeconds(10));
        await EndAndWrapUp(alice, new FinishWrapUpRequest { AgentId = "alice", CallId = "slow", DispositionCode = "resolved", SatisfactionScore = 5 });

        Assert.That((await gateway.Arrive("fast", "billing", "Standard")).Accepted, Is.Not.Null);
        await Answer(alice, "fast");
        Assert.That((await gateway.Arrive("gone", "billing", "Standard")).Accepted, Is.Not.Null);
        _host.Clock.Advance(TimeSpan.FromSeconds(3));
        Assert.That((await gateway.Answer(new GatewayEvent { CallHungUp = new CallHungUp { CallId = "gone" } })).Accepted, Is.Not.Null);
        _host.Clock.Advance(TimeSpan.FromSeconds(1));
        await EndAndWrapUp(alice, new FinishWrapUpRequest
        {
            AgentId = "alice", CallId = "fast", DispositionCode = "billing-error", SatisfactionScore = 2, Complaint = true,
        });

        await using (var database = _host.Database())
        {
            await EdgeHost.WaitUntil(async () => await database.ExecuteScalarAsync<long>(
                "select count(*) from interactions where call_id in ('slow', 'fast', 'gone') and outcome is not null") == 3
                && await database.ExecuteScalarAsync<long>(
                    "select count(*) from interactions where call_id = 'fast' and disposition_code is not null") == 1, "the calls are logged");
        }

        var from = Timestamp.FromDateTimeOffset(start.AddMinutes(-1));
        var to = Timestamp.FromDateTimeOffset(_host.Clock.Now.AddMinutes(1));
        var summary = await _reports.SummaryAsync(new SummaryRequest { From = from, To = to, GroupBy = ReportGrouping.Queue });
        var billing = summary.Groups.Single();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(summary.ServiceLevelThreshold.ToTimeSpan(), Is.EqualTo(TimeSpan.FromSeconds(15)), "the configured threshold");
            Assert.That(billing.Key, Is.EqualTo("billing"));
            Assert.That((billing.Offered, billing.Answered, billing.AnsweredWithinThreshold, billing.Abandoned, billing.AbandonedWithinThreshold),
                Is.EqualTo((3L, 2L, 1L, 1L, 1L)));
            Assert.That(billing.AnswerRate, Is.EqualTo(2 / 3.0).Within(1e-9));
            Assert.That(billing.ServiceLevel, Is.EqualTo(0.5).Within(1e-9));
            Assert.That(billing.AverageSpeedOfAnswer.ToTimeSpan(), Is.EqualTo(TimeSpan.FromSeconds(10)));
            Assert.That(billing.AverageTalkTime.ToTimeSpan(), Is.EqualTo(TimeSpan.FromSeconds(7)));
            Assert.That(billing.AverageHandleTime.ToTimeSpan(), Is.EqualTo(TimeSpan.FromSeconds(7)), "both wrap-ups finished at once");
            Assert.That(billing.LongestWait.ToTimeSpan(), Is.EqualTo(TimeSpan.FromSeconds(20)));
            Assert.That(summary.Total.Offered, Is.EqualTo(3));
        }

        var stricter = await _reports.SummaryAsync(new SummaryRequest
        {
            From = from, To = to, GroupBy = ReportGrouping.Agent, ServiceLevelThreshold = Duration.FromTimeSpan(TimeSpan.FromSeconds(30)),
        });
        Assert.That(stricter.Groups.Select(g => (g.Key, g.Offered)), Is.EqualTo(new[] { ("alice", 2L), ("", 1L) }));
        Assert.That(stricter.Total.ServiceLevel, Is.EqualTo(1.0), "both answers within 30 s; the 3 s abandon does not count");

        var cards = await _reports.AgentScorecardsAsync(new AgentScorecardsRequest { From = from, To = to });
        var card = cards.Agents.Single();
        Assert.That((card.AgentId, card.CallsHandled, card.SatisfactionScores, card.Complaints), Is.EqualTo(("alice", 2L, 2L, 1L)));
        Assert.That((card.AverageSatisfaction, card.ComplaintRate), Is.EqualTo((3.5, 0.5)));

        var spots = await _reports.DispositionHotSpotsAsync(new DispositionHotSpotsRequest { From = from, To = to });
        Assert.That(spots.HotSpots.Select(s => (s.DispositionCode, s.Calls, s.Complaints, s.Queues.Single().QueueId)),
            Is.EqualTo(new[] { ("billing-error", 1L, 1L, "billing"), ("resolved", 1L, 0L, "billing") }));

        var late = await _reports.LateCallbacksAsync(new LateCallbacksRequest { From = from, To = to });
        Assert.That(late.Callbacks, Is.Empty);
    }

    private static readonly Timestamp Nine = Timestamp.FromDateTimeOffset(new DateTimeOffset(2025, 3, 3, 9, 0, 0, TimeSpan.Zero));

    [TestCase(null, 3600, ReportGrouping.Queue, null, "from: is required")]
    [TestCase(0, null, ReportGrouping.Queue, null, "to: is required")]
    [TestCase(0, 0, ReportGrouping.Queue, null, "to: must be after from")]
    [TestCase(3600, 0, ReportGrouping.Queue, null, "to: must be after from")]
    [TestCase(0, 367 * 86400, ReportGrouping.Queue, null, "to: the range must span at most 366 days")]
    [TestCase(0, 3600, ReportGrouping.Unspecified, null, "group_by: must be REPORT_GROUPING_QUEUE, REPORT_GROUPING_TIER or REPORT_GROUPING_AGENT")]
    [TestCase(0, 3600, ReportGrouping.Tier, -1, "service_level_threshold: must not be negative")]
    [TestCase(0, 3600, ReportGrouping.Tier, 86401, "service_level_threshold: must be at most 24 hours")]
    public async Task A_summary_with_a_bad_field_is_refused_naming_it(int? fromSeconds, int? toSeconds, ReportGrouping grouping, int? thresholdSeconds, string message)
    {
        var request = new SummaryRequest { From = At(fromSeconds), To = At(toSeconds), GroupBy = grouping };
        if (thresholdSeconds is { } threshold)
        {
            request.ServiceLevelThreshold = Duration.FromTimeSpan(TimeSpan.FromSeconds(threshold));
        }

        var refused = (await Assert.ThrowsAsync<RpcException>(() => _reports.SummaryAsync(request).ResponseAsync))!;

        Assert.That((refused.StatusCode, refused.Status.Detail), Is.EqualTo((StatusCode.InvalidArgument, message)));
    }

    [Test]
    public async Task A_range_of_exactly_366_days_is_accepted()
    {
        var reply = await _reports.SummaryAsync(new SummaryRequest { From = At(0), To = At(366 * 86400), GroupBy = ReportGrouping.Tier });

        Assert.That(reply.To, Is.EqualTo(At(366 * 86400)));
    }

    [Test]
    public async Task Every_report_checks_its_range()
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(await Refusal(() => _reports.AgentScorecardsAsync(new AgentScorecardsRequest { To = At(3600) }).ResponseAsync), Is.EqualTo("from: is required"));
            Assert.That(await Refusal(() => _reports.DispositionHotSpotsAsync(new DispositionHotSpotsRequest { From = At(0) }).ResponseAsync), Is.EqualTo("to: is required"));
            Assert.That(await Refusal(() => _reports.LateCallbacksAsync(new LateCallbacksRequest { From = At(60), To = At(0) }).ResponseAsync), Is.EqualTo("to: must be after from"));
            Assert.That(await Refusal(() => _reports.SummaryAsync(new SummaryRequest
                {
                    From = new Timestamp { Seconds = long.MaxValue }, To = At(0), GroupBy = ReportGrouping.Queue,
                }).ResponseAsync), Is.EqualTo("from: is not a valid timestamp"));
        }
    }

    private static async Task<string> Refusal(Func<Task> call)
    {
        var refused = (await Assert.ThrowsAsync<RpcException>(() => call()))!;
        Assert.That(refused.StatusCode, Is.EqualTo(StatusCode.InvalidArgument));
        return refused.Status.Detail;
    }

    private static Timestamp? At(int? secondsAfterNine) =>
        secondsAfterNine is { } seconds ? new Timestamp { Seconds = Nine.Seconds + seconds } : null;

    private async Task Answer(SoftphoneSession agent, string callId)
    {
        var offer = await agent.Offer(callId);
        await _host.Softphone.AcceptOfferAsync(new OfferAnswer { AgentId = agent.AgentId, CallId = callId, Epoch = offer.Offer.Epoch });
        await agent.Expect(u => u.Assignment?.CallId == callId, $"assignment of {callId}");
    }

    private async Task EndAndWrapUp(SoftphoneSession agent, FinishWrapUpRequest wrapUp)
    {
        await _host.Softphone.EndCallAsync(new CallRequest { AgentId = agent.AgentId, CallId = wrapUp.CallId });
        await agent.Expect(u => u.StateChanged?.To == AgentStatus.WrapUp, "wrap-up");
        await _host.Softphone.FinishWrapUpAsync(wrapUp);
        await agent.Expect(u => u.StateChanged?.To == AgentStatus.Available, "available again");
    }
}
