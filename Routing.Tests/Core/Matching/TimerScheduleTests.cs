using CallCenter.Routing.Matching;
using CallCenter.Routing.Model;

namespace CallCenter.Routing.Tests.Core.Matching;

[TestFixture]
public sealed class TimerScheduleTests
{
    [TestCase(1)]
    [TestCase(2)]
    [TestCase(3)]
    public void Due_timers_come_out_in_due_order_then_in_the_order_they_were_set(int seed)
    {
        var random = new Random(seed);
        var schedule = new TimerSchedule();
        var pending = new SortedSet<(long Due, int Order)>();
        var start = 0L;
        var order = 0;
        var now = 0L;
        for (var step = 0; step < 20_000; step++)
        {
            if (random.Next(3) > 0)
            {
                // Mostly rising starts, sometimes an earlier one (a call that rang before it waited).
                start += random.Next(0, 5);
                var timerStart = random.Next(10) == 0 ? start - random.Next(0, 200) : start;
                var length = new[] { 30L, 60L, 180L }[random.Next(3)];
                schedule.Add(new TimerEntry(Call(order), (TimerKind)random.Next(5), order, 0), timerStart + length, length);
                pending.Add((timerStart + length, order++));
                continue;
            }

            now += random.Next(0, 20);
            var taken = new List<(long Due, int Order)>();
            while (schedule.TryTakeDue(now, out var entry, out var due))
            {
                taken.Add((due, entry.Index));
            }

            var expected = pending.Where(p => p.Due <= now).ToList();
            Assert.That(taken, Is.EqualTo(expected), $"step {step}: what fell due by {now}");
            pending.ExceptWith(expected);
            Assert.That(schedule.Count, Is.EqualTo(pending.Count));
        }
    }

    [Test]
    public void A_timer_is_not_taken_before_it_is_due()
    {
        var schedule = new TimerSchedule();
        schedule.Add(new TimerEntry(Call(1), TimerKind.LongWait, 1, 0), 100, 100);

        Assert.That(schedule.TryTakeDue(99, out _, out _), Is.False);
        Assert.That(schedule.TryPeekDue(out var due) ? due : -1, Is.EqualTo(100));
        Assert.That(schedule.TryTakeDue(100, out var entry, out _) ? entry.Index : -1, Is.EqualTo(1));
    }

    private static CallEntry Call(int index) => new()
    {
        Id = new CallId("c" + index),
        TierRank = 0,
        Emergency = false,
        ArrivedTicks = 0,
        FirstSeenTicks = 0,
        Sequence = index,
        ExtraSkills = [],
        ExtrasKey = "",
        Queue = null!,
        Bucket = null!,
    };
}
