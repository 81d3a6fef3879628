using CallCenter.Routing.Matching;

namespace CallCenter.Routing.Tests.Core.Matching;

[TestFixture]
public sealed class RankedSetTests
{
    private readonly record struct Key(int Value) : IComparable<Key>
    {
        public int CompareTo(Key other) => Value.CompareTo(other.Value);
    }

    [Test]
    public void An_empty_set_has_no_minimum_and_ranks_everything_first()
    {
        var set = new RankedSet<Key, string>();

        Assert.That(set.TryGetMinimum(out _, out _), Is.False);
        Assert.That(set.CountBefore(new Key(5)), Is.Zero);
        Assert.That(set.Remove(new Key(5)), Is.False);
    }

    [Test]
    public void Adding_a_key_twice_keeps_the_first_value()
    {
        var set = new RankedSet<Key, string>();

        Assert.That(set.Add(new Key(1), "first"), Is.True);
        Assert.That(set.Add(new Key(1), "second"), Is.False);

        Assert.That(set.Count, Is.EqualTo(1));
        Assert.That(set.TryGetMinimum(out _, out var value) ? value : null, Is.EqualTo("first"));
    }

    [TestCase(1)]
    [TestCase(2)]
    [TestCase(3)]
    public void Random_adds_and_removes_agree_with_a_sorted_reference(int seed)
    {
        var random = new Random(seed);
        var set = new RankedSet<Key, int>();
        var reference = new SortedSet<int>();
        for (var step = 0; step < 20_000; step++)
        {
            var value = random.Next(2_000);
            if (random.Next(3) == 0)
            {
                Assert.That(set.Remove(new Key(value)), Is.EqualTo(reference.Remove(value)));
            }
            else
            {
                Assert.That(set.Add(new Key(value), value), Is.EqualTo(reference.Add(value)));
            }

            Assert.That(set.Count, Is.EqualTo(reference.Count));
            Assert.That(set.TryGetMinimum(out var minimum, out var minimumValue), Is.EqualTo(reference.Count > 0));
            if (reference.Count > 0)
            {
                Assert.That((minimum.Value, minimumValue), Is.EqualTo((reference.Min, reference.Min)));
            }

            var probe = random.Next(2_000);
            Assert.That(set.CountBefore(new Key(probe)), Is.EqualTo(reference.GetViewBetween(int.MinValue, probe).Count(v => v < probe)));
        }

        Assert.That(set.InOrder().Select(e => e.Value), Is.EqualTo(reference));
    }

    [Test]
    public void Find_first_returns_the_smallest_accepted_value()
    {
        var set = new RankedSet<Key, int>();
        foreach (var value in new[] { 5, 1, 9, 3, 7 })
        {
            set.Add(new Key(value), value);
        }

        var found = set.TryFindFirst(static (value, limit) => value > limit, 4, out var key, out _);

        Assert.That((found, key.Value), Is.EqualTo((true, 5)));
        Assert.That(set.TryFindFirst(static (value, limit) => value > limit, 9, out _, out _), Is.False);
    }

    [TestCase(0, false, 1)]
    [TestCase(1, false, 3)]
    [TestCase(3, false, 4)]
    [TestCase(3, true, 5, TestName = "Find next skips what is not accepted")]
    [TestCase(8, true, 9)]
    [TestCase(9, false, null)]
    public void Find_next_returns_the_first_accepted_value_after_a_key(int after, bool oddOnly, int? expected)
    {
        var set = new RankedSet<Key, int>();
        foreach (var value in new[] { 5, 1, 9, 3, 7, 4 })
        {
            set.Add(new Key(value), value - 100);
        }

        var found = set.TryFindNext(new Key(after), static (value, odd) => !odd || value % 2 != 0, oddOnly, out var key, out var stored);

        Assert.That(found ? (int?)key.Value : null, Is.EqualTo(expected));
        Assert.That(found ? (int?)stored : null, Is.EqualTo(expected - 100));
    }

    [TestCase(3, 5, null, 1, TestName = "Find next before a bound finds nothing when the next accepted key is the bound")]
    [TestCase(3, 6, 5, 2, TestName = "Find next before a bound finds an accepted key below it")]
    [TestCase(7, 9, null, 0, TestName = "Find next before a bound reads nothing when no key lies between")]
    public void Find_next_before_a_bound_never_reads_a_value_at_or_past_it(int after, int before, int? expected, int valuesRead)
    {
        var set = new RankedSet<Key, int>();
        foreach (var value in new[] { 5, 1, 9, 3, 7, 4 })
        {
            set.Add(new Key(value), value);
        }

        var read = new List<int>();
        var found = set.TryFindNext(new Key(after), new Key(before), static (value, seen) =>
        {
            seen.Add(value);
            return value % 2 != 0;
        }, read, out var key, out _);

        Assert.That(found ? (int?)key.Value : null, Is.EqualTo(expected));
        Assert.That(read, Has.Count.EqualTo(valuesRead).And.All.LessThan(before));
    }

    [TestCase(1)]
    [TestCase(2)]
    public void Find_next_agrees_with_a_sorted_reference(int seed)
    {
        var random = new Random(seed);
        var set = new RankedSet<Key, int>();
        var reference = new SortedSet<int>();
        for (var step = 0; step < 5_000; step++)
        {
            var value = random.Next(1_000);
            if (random.Next(3) == 0)
            {
                set.Remove(new Key(value));
                reference.Remove(value);
            }
            else
            {
                set.Add(new Key(value), value);
                reference.Add(value);
            }

            var probe = random.Next(1_000);
            var modulus = random.Next(1, 4);
            var expected = reference.Where(v => v > probe && v % modulus == 0).Select(v => (int?)v).FirstOrDefault();
            var found = set.TryFindNext(new Key(probe), static (v, m) => v % m == 0, modulus, out var key, out _);
            Assert.That(found ? (int?)key.Value : null, Is.EqualTo(expected));
        }
    }
}
