using CallCenter.Routing.Configuration;
using CallCenter.Routing.Matching;
using static CallCenter.Routing.Tests.Core.Matching.EngineFixture;

namespace CallCenter.Routing.Tests.Core.Matching;

/// <summary>Which waiting call a freed agent takes: emergency, then tier, then arrival.</summary>
[TestFixture]
public sealed class CallOrderTests
{
    [TestCase("Standard", "VIP", "second", TestName = "A VIP call goes before an earlier Standard call")]
    [TestCase("VIP", "Standard", "first", TestName = "An earlier VIP call goes before a later Standard call")]
    [TestCase("Standard", "Standard", "first", TestName = "Within a tier the first to arrive is served first")]
    [TestCase("Basic", "Gold", "second", TestName = "Gold goes before Basic")]
    [TestCase("Gold", "Gold", "first", TestName = "Within Gold the first to arrive is served first")]
    public void Strict_priority_serves_tier_then_arrival(string firstTier, string secondTier, string expected)
    {
        var fixture = new EngineFixture();
        fixture.LogIn("alice");
        fixture.Arrive("first", firstTier);
        fixture.WaitSeconds(1);
        fixture.Arrive("second", secondTier);

        Assert.That(fixture.NextCallFor("alice"), Is.EqualTo(expected));
    }

    [Test]
    public void An_emergency_goes_before_every_tier()
    {
        var fixture = new EngineFixture();
        fixture.LogIn("alice");
        fixture.Arrive("vip", "VIP");
        fixture.WaitSeconds(1);
        fixture.Arrive("emergency", "Basic", emergency: true);

        Assert.That(fixture.NextCallFor("alice"), Is.EqualTo("emergency"));
        Assert.That(fixture.NextCallFor("alice"), Is.EqualTo("vip"));
    }

    [Test]
    public void A_full_line_is_served_in_tier_then_arrival_order()
    {
        var fixture = new EngineFixture();
        fixture.LogIn("alice");
        string[] tiers = ["Basic", "VIP", "Standard", "Gold", "VIP", "Basic", "Standard", "Gold"];
        for (var i = 0; i < tiers.Length; i++)
        {
            fixture.Arrive($"{tiers[i]}-{i}", tiers[i]);
            fixture.WaitSeconds(1);
        }

        var served = Enumerable.Range(0, tiers.Length).Select(_ => fixture.NextCallFor("alice")).ToList();

        Assert.That(served, Is.EqualTo(new[] { "VIP-1", "VIP-4", "Gold-3", "Gold-7", "Standard-2", "Standard-6", "Basic-0", "Basic-5" }));
    }

    // Default head starts: VIP 120 s, Gold 60 s, Standard 20 s, Basic 0 s.
    [TestCase("Basic", 119, "VIP", "later", TestName = "Aging: a Basic call 119 s old still yields to a new VIP call")]
    [TestCase("Basic", 121, "VIP", "earlier", TestName = "Aging: a Basic call 121 s old goes before a new VIP call")]
    [TestCase("Standard", 39, "Gold", "later", TestName = "Aging: a Standard call 39 s old yields to a new Gold call")]
    [TestCase("Standard", 41, "Gold", "earlier", TestName = "Aging: a Standard call 41 s old goes before a new Gold call")]
    public void Aging_lets_age_overtake_tier_after_the_head_start_difference(
        string olderTier, double waited, string newerTier, string expected)
    {
        var fixture = new EngineFixture(AntiStarvationMode.Aging);
        fixture.LogIn("alice");
        fixture.Arrive("earlier", olderTier);
        fixture.WaitSeconds(waited);
        fixture.Arrive("later", newerTier);

        Assert.That(fixture.NextCallFor("alice"), Is.EqualTo(expected));
    }

    // Default maximum waits: VIP 60 s, Gold 120 s, Standard 180 s, Basic 240 s.
    [TestCase(239, "vip", TestName = "Maximum wait: a Basic call under its 240 s still yields to VIP")]
    [TestCase(241, "basic", TestName = "Maximum wait: a Basic call past its 240 s is served next")]
    public void Maximum_wait_serves_an_overdue_call_next(double waited, string expected)
    {
        var fixture = new EngineFixture(AntiStarvationMode.MaximumWait);
        fixture.LogIn("alice");
        fixture.Arrive("basic", "Basic");
        fixture.WaitSeconds(waited - 10);
        fixture.Arrive("vip", "VIP");
        fixture.WaitSeconds(10);

        Assert.That(fixture.NextCallFor("alice"), Is.EqualTo(expected));
    }

    [Test]
    public void Overdue_calls_are_served_in_the_order_they_became_overdue()
    {
        var fixture = new EngineFixture(AntiStarvationMode.MaximumWait);
        fixture.LogIn("alice");
        fixture.Arrive("basic", "Basic");   // overdue at 240 s
        fixture.WaitSeconds(100);
        fixture.Arrive("standard", "Standard"); // overdue at 100 + 180 = 280 s
        fixture.WaitSeconds(200);
        fixture.Arrive("vip", "VIP");

        Assert.That(fixture.Events.OfType<CallPromoted>().Select(p => p.Call.Value), Is.EqualTo(new[] { "basic", "standard" }));
        Assert.That(fixture.NextCallFor("alice"), Is.EqualTo("basic"));
        Assert.That(fixture.NextCallFor("alice"), Is.EqualTo("standard"));
        Assert.That(fixture.NextCallFor("alice"), Is.EqualTo("vip"));
    }

    [Test]
    public void An_emergency_goes_before_an_overdue_call()
    {
        var fixture = new EngineFixture(AntiStarvationMode.MaximumWait);
        fixture.LogIn("alice");
        fixture.Arrive("basic", "Basic");
        fixture.WaitSeconds(300);
        fixture.Arrive("emergency", "Basic", emergency: true);

        Assert.That(fixture.NextCallFor("alice"), Is.EqualTo("emergency"));
    }

    [Test]
    public void A_freed_agent_takes_the_best_call_across_all_the_queues_it_serves()
    {
        var billing = new QueueConfig { Id = new("billing"), RequiredSkills = [new(Billing, 1)] };
        var technical = new QueueConfig { Id = new("technical"), RequiredSkills = [new(Technical, 1)] };
        var fixture = new EngineFixture(AntiStarvationMode.None, billing, technical);
        fixture.LogIn("both", (Billing, 5), (Technical, 5));
        fixture.Arrive("billing-standard", "Standard", billing.Id);
        fixture.WaitSeconds(1);
        fixture.Arrive("technical-gold", "Gold", technical.Id);
        fixture.WaitSeconds(1);
        fixture.Arrive("billing-standard-later", "Standard", billing.Id);

        Assert.That(fixture.NextCallFor("both"), Is.EqualTo("technical-gold"));
        Assert.That(fixture.NextCallFor("both"), Is.EqualTo("billing-standard"));
        Assert.That(fixture.NextCallFor("both"), Is.EqualTo("billing-standard-later"));
    }

    [Test]
    public void A_declined_call_returns_to_its_own_place_not_the_back()
    {
        var fixture = new EngineFixture();
        fixture.LogIn("alice");
        fixture.LogIn("bob");
        fixture.Free("alice");
        fixture.Arrive("first");
        fixture.Arrive("second");
        fixture.Arrive("third");
        Assert.That(fixture.OfferOf("first")!.Agent.Value, Is.EqualTo("alice"));

        fixture.Decline("first");

        Assert.That(fixture.Engine.GetWaitEstimate(new("first"))!.Value.Position, Is.EqualTo(1));
        Assert.That(fixture.NextCallFor("bob"), Is.EqualTo("first"));
    }

    [Test]
    public void A_declined_call_is_not_offered_to_the_same_agent_again()
    {
        var fixture = new EngineFixture();
        fixture.LogIn("alice");
        fixture.Free("alice");
        fixture.Arrive("first");
        fixture.Arrive("second");
        fixture.Decline("first");

        Assert.That(fixture.NextCallFor("alice"), Is.EqualTo("second"));
        Assert.That(fixture.Free("alice"), Is.Null);
        Assert.That(fixture.Engine.IsWaiting(new("first")), Is.True);
    }
}
