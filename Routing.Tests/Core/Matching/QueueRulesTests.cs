using CallCenter.Routing.Configuration;
using CallCenter.Routing.Matching;
using CallCenter.Routing.Model;
using static CallCenter.Routing.Tests.Core.Matching.EngineFixture;

namespace CallCenter.Routing.Tests.Core.Matching;

/// <summary>Queue limits and states, positions and estimated waits, long-wait marks.</summary>
[TestFixture]
public sealed class QueueRulesTests
{
    private static readonly QueueId Spill = new("spill");

    [TestCase(QueueExitAction.None, false, false, TestName = "A full queue with no action refuses the call")]
    [TestCase(QueueExitAction.OfferCallback, false, true, TestName = "A full queue may offer a callback instead")]
    [TestCase(QueueExitAction.Overflow, true, false, TestName = "A full queue may overflow to another queue")]
    public void A_full_queue_applies_its_action(QueueExitAction action, bool overflowed, bool callback)
    {
        var fixture = new EngineFixture(AntiStarvationMode.None,
            new QueueConfig { Id = Main, MaximumSize = 2, WhenFull = action, OverflowQueue = Spill },
            new QueueConfig { Id = Spill });
        fixture.Arrive("one");
        fixture.Arrive("two");

        fixture.Arrive("three", "Gold");

        Assert.That(fixture.Engine.IsWaiting(new("three")), Is.EqualTo(overflowed));
        var refused = fixture.Events.OfType<CallRefused>().SingleOrDefault();
        Assert.That(refused is not null, Is.EqualTo(!overflowed));
        Assert.That(refused?.CallbackOffered ?? false, Is.EqualTo(callback));
        Assert.That(refused?.Reason ?? QueueExitReason.Full, Is.EqualTo(QueueExitReason.Full));
        if (overflowed)
        {
            var moved = fixture.Events.OfType<CallOverflowed>().Single();
            Assert.That((moved.From, moved.To, moved.Reason), Is.EqualTo((Main, Spill, QueueExitReason.Full)));
            Assert.That(fixture.Engine.GetWaitEstimate(new("three"))!.Value.Queue, Is.EqualTo(Spill));
        }
    }

    [TestCase(QueueStatus.Closed, TestName = "A closed queue takes no calls")]
    [TestCase(QueueStatus.Draining, TestName = "A draining queue takes no new calls")]
    public void A_queue_that_is_not_open_refuses_arrivals(QueueStatus status)
    {
        var fixture = new EngineFixture(AntiStarvationMode.None, new QueueConfig { Id = Main, Status = status });

        fixture.Arrive("call");

        Assert.That(fixture.Events.OfType<CallRefused>().Single().Reason, Is.EqualTo(QueueExitReason.Closed));
        Assert.That(fixture.Engine.IsWaiting(new("call")), Is.False);
    }

    [TestCase(9, 0, true, TestName = "Open Monday 09:00 within 08:00-18:00")]
    [TestCase(18, 30, false, TestName = "Closed Monday 18:30 after 18:00")]
    [TestCase(7, 59, false, TestName = "Closed Monday 07:59 before 08:00")]
    public void The_schedule_decides_when_calls_are_taken(int hour, int minute, bool open)
    {
        // 08:00-18:00 at UTC+8 on Mondays; the clock starts Monday 09:00 UTC = 17:00 local.
        var schedule = new WeeklySchedule
        {
            UtcOffset = TimeSpan.FromHours(8),
            Hours = [new OpeningHours(DayOfWeek.Monday, new TimeOnly(8, 0), new TimeOnly(18, 0))],
        };
        var fixture = new EngineFixture(AntiStarvationMode.None,
            new QueueConfig { Id = Main, Schedule = schedule, WhenClosed = QueueExitAction.OfferCallback });
        var local = Start.ToOffset(TimeSpan.FromHours(8));
        fixture.Wait(new DateTimeOffset(local.Year, local.Month, local.Day, hour, minute, 0, local.Offset).AddDays(7) - Start);

        fixture.Arrive("call");

        Assert.That(fixture.Engine.IsWaiting(new("call")), Is.EqualTo(open));
        Assert.That(fixture.Events.OfType<CallRefused>().Any(r => r.CallbackOffered), Is.EqualTo(!open));
    }

    [Test]
    public void A_closed_queue_can_send_its_calls_down_an_overflow_chain()
    {
        var fixture = new EngineFixture(AntiStarvationMode.None,
            new QueueConfig { Id = Main, Status = QueueStatus.Closed, WhenClosed = QueueExitAction.Overflow, OverflowQueue = new("second") },
            new QueueConfig { Id = new("second"), Status = QueueStatus.Closed, WhenClosed = QueueExitAction.Overflow, OverflowQueue = Spill },
            new QueueConfig { Id = Spill });

        fixture.Arrive("call");

        Assert.That(fixture.Events.OfType<CallOverflowed>().Select(o => o.To.Value), Is.EqualTo(new[] { "second", "spill" }));
        Assert.That(fixture.Engine.GetWaitEstimate(new("call"))!.Value.Queue, Is.EqualTo(Spill));
    }

    [Test]
    public void After_its_maximum_wait_a_call_overflows_keeping_its_tier_and_arrival()
    {
        var fixture = new EngineFixture(AntiStarvationMode.None,
            new QueueConfig { Id = Main, MaximumWait = TimeSpan.FromSeconds(60), WhenMaximumWait = QueueExitAction.Overflow, OverflowQueue = Spill },
            new QueueConfig { Id = Spill });
        fixture.LogIn("spill-agent");
        fixture.Engine.AgentBusy(new("spill-agent"));
        fixture.Arrive("old-standard", "Standard");
        fixture.WaitSeconds(30);
        fixture.Arrive("spill-standard", "Standard", Spill);
        fixture.Arrive("spill-basic", "Basic", Spill);

        fixture.WaitSeconds(30);

        var moved = fixture.Events.OfType<CallOverflowed>().Single();
        Assert.That((moved.Call.Value, moved.To, moved.Reason, moved.At), Is.EqualTo(("old-standard", Spill, QueueExitReason.MaximumWait, Start.AddSeconds(60))));
        Assert.That(fixture.Engine.GetWaitEstimate(new("old-standard"))!.Value.Position, Is.EqualTo(1), "it arrived first, so it leads its tier");
        Assert.That(fixture.NextCallFor("spill-agent"), Is.EqualTo("old-standard"));
    }

    [Test]
    public void After_its_maximum_wait_a_caller_may_be_offered_a_callback_and_keeps_waiting()
    {
        var fixture = new EngineFixture(AntiStarvationMode.None,
            new QueueConfig { Id = Main, MaximumWait = TimeSpan.FromSeconds(90), WhenMaximumWait = QueueExitAction.OfferCallback });
        fixture.Arrive("call");

        fixture.WaitSeconds(89);
        Assert.That(fixture.Events.OfType<CallbackOffered>(), Is.Empty);
        fixture.WaitSeconds(1);

        Assert.That(fixture.Events.OfType<CallbackOffered>().Single().Call.Value, Is.EqualTo("call"));
        Assert.That(fixture.Engine.IsWaiting(new("call")), Is.True);
    }

    [Test]
    public void Long_wait_thresholds_raise_an_event_each_at_the_tiers_times()
    {
        var fixture = new EngineFixture();
        fixture.Arrive("call", "VIP"); // VIP marks: 30 s and 60 s

        fixture.WaitSeconds(29.9);
        Assert.That(fixture.Events.OfType<LongWaitCrossed>(), Is.Empty);
        fixture.WaitSeconds(60);

        var marks = fixture.Events.OfType<LongWaitCrossed>().ToList();
        Assert.That(marks.Select(m => m.Threshold), Is.EqualTo(new[] { TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(60) }));
        Assert.That(marks.Select(m => m.At), Is.EqualTo(new[] { Start.AddSeconds(30), Start.AddSeconds(60) }));
    }

    [Test]
    public void No_long_wait_event_is_raised_for_a_call_answered_in_time()
    {
        var fixture = new EngineFixture();
        fixture.LogIn("alice");
        fixture.Arrive("call", "VIP");
        fixture.WaitSeconds(10);
        fixture.NextCallFor("alice");

        fixture.WaitSeconds(120);

        Assert.That(fixture.Events.OfType<LongWaitCrossed>(), Is.Empty);
    }

    [Test]
    public void Positions_and_estimated_waits_follow_the_service_order()
    {
        // Two staffed agents, both busy, 100 s handle time: the call at position k waits k*100/2 s.
        var fixture = new EngineFixture(AntiStarvationMode.None,
            new QueueConfig { Id = Main, ExpectedHandleTime = TimeSpan.FromSeconds(100) });
        fixture.LogIn("a");
        fixture.LogIn("b");
        fixture.Engine.AgentBusy(new("a"));
        fixture.Engine.AgentBusy(new("b"));
        fixture.Arrive("standard-1");
        fixture.Arrive("standard-2");
        var queued = fixture.Arrive("vip", "VIP").Events.OfType<CallQueued>().Single();

        Assert.That((queued.Position, queued.EstimatedWait), Is.EqualTo((1, (TimeSpan?)TimeSpan.FromSeconds(50))));
        Assert.That(fixture.Engine.GetWaitEstimate(new("standard-1")), Is.EqualTo(new WaitEstimate(Main, 2, TimeSpan.FromSeconds(100))));
        Assert.That(fixture.Engine.GetWaitEstimate(new("standard-2")), Is.EqualTo(new WaitEstimate(Main, 3, TimeSpan.FromSeconds(150))));

        fixture.Record(fixture.Engine.CallRemoved(new("vip"), fixture.Now).Events);

        Assert.That(fixture.Engine.GetWaitEstimate(new("standard-2"))!.Value.Position, Is.EqualTo(2));
    }

    [Test]
    public void With_no_agent_staffed_the_estimated_wait_is_unknown()
    {
        var fixture = new EngineFixture();

        var queued = fixture.Arrive("call").Events.OfType<CallQueued>().Single();

        Assert.That(queued.Position, Is.EqualTo(1));
        Assert.That(queued.EstimatedWait, Is.Null);
    }

    [Test]
    public void Measured_handle_times_move_the_estimate()
    {
        var fixture = new EngineFixture(AntiStarvationMode.None,
            new QueueConfig { Id = Main, ExpectedHandleTime = TimeSpan.FromSeconds(100) });
        fixture.LogIn("a");
        fixture.Engine.AgentBusy(new("a"));
        for (var i = 0; i < 200; i++)
        {
            fixture.Engine.RecordHandleTime(Main, TimeSpan.FromSeconds(300));
        }

        fixture.Arrive("call");

        Assert.That(fixture.Engine.GetWaitEstimate(new("call"))!.Value.EstimatedWait!.Value.TotalSeconds, Is.EqualTo(300).Within(1));
    }

    [Test]
    public void The_queue_view_counts_waiting_calls_longest_wait_and_agents()
    {
        var fixture = new EngineFixture();
        fixture.LogIn("busy");
        fixture.LogIn("away");
        fixture.Engine.AgentBusy(new("busy"));
        fixture.Arrive("first");
        fixture.WaitSeconds(40);
        fixture.Arrive("second", "VIP");
        fixture.WaitSeconds(2);

        var view = fixture.Engine.GetQueue(Main, fixture.Now)!;

        Assert.That((view.Waiting, view.LongestWait, view.AgentsStaffed, view.AgentsIdle, view.IsOpen),
            Is.EqualTo((2, TimeSpan.FromSeconds(42), 1, 0, true)));
    }
}
