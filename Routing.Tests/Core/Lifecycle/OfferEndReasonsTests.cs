using CallCenter.Routing.Lifecycle;
using CallCenter.Routing.Matching;

namespace CallCenter.Routing.Tests.Core.Lifecycle;

/// <summary>The words the edges give for why an offer ended and why a queue refused a call.</summary>
[TestFixture]
public sealed class OfferEndReasonsTests
{
    [TestCase(OfferReturnReason.Declined, "declined")]
    [TestCase(OfferReturnReason.TimedOut, "timed-out")]
    [TestCase(OfferReturnReason.AgentLoggedOut, "agent-logged-out")]
    [TestCase(OfferReturnReason.SoftphoneLost, "softphone-lost")]
    [TestCase(OfferReturnReason.Bounced, "agent-busy")]
    [TestCase(OfferReturnReason.Voided, "server-restarted")]
    [TestCase(OfferReturnReason.Withdrawn, "withdrawn")]
    public void An_offer_returned_is_said_in_one_word(OfferReturnReason reason, string word) =>
        Assert.That(OfferEndReasons.Of(reason), Is.EqualTo(word));

    [TestCase(WithdrawalReason.CallerHungUp, "caller-hung-up")]
    [TestCase(WithdrawalReason.CallbackCancelled, "callback-cancelled")]
    [TestCase(WithdrawalReason.CallTakenBack, "withdrawn")]
    public void An_offer_withdrawn_is_said_in_one_word(WithdrawalReason reason, string word) =>
        Assert.That(OfferEndReasons.Of(reason), Is.EqualTo(word));

    [Test]
    public void Every_reason_is_kebab_case_and_said_for_some_return_or_withdrawal()
    {
        var said = Enum.GetValues<OfferReturnReason>().Select(OfferEndReasons.Of)
            .Concat(Enum.GetValues<WithdrawalReason>().Select(OfferEndReasons.Of));

        Assert.That(OfferEndReasons.All, Has.All.Match("^[a-z]+(-[a-z]+)*$"));
        Assert.That(OfferEndReasons.All, Is.Unique);
        Assert.That(said.Distinct(), Is.EquivalentTo(OfferEndReasons.All));
    }

    [Test]
    public void An_unknown_reason_has_no_word()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => OfferEndReasons.Of((OfferReturnReason)99));
        Assert.Throws<ArgumentOutOfRangeException>(() => OfferEndReasons.Of((WithdrawalReason)99));
    }

    [TestCase(OfferReturnReason.Declined, true)]
    [TestCase(OfferReturnReason.TimedOut, true)]
    [TestCase(OfferReturnReason.AgentLoggedOut, true)]
    [TestCase(OfferReturnReason.SoftphoneLost, true)]
    [TestCase(OfferReturnReason.Bounced, false)]
    [TestCase(OfferReturnReason.Voided, false)]
    [TestCase(OfferReturnReason.Withdrawn, false)]
    public void Only_what_the_agent_did_or_let_happen_counts_as_a_decline(OfferReturnReason reason, bool counts) =>
        Assert.That(reason.CountsAsDecline(), Is.EqualTo(counts));

    [TestCase(QueueExitReason.Closed, "closed")]
    [TestCase(QueueExitReason.Full, "full")]
    [TestCase(QueueExitReason.MaximumWait, "maximum-wait")]
    public void A_queue_refusal_is_said_in_kebab_case_and_its_older_journalled_name_reads_the_same(QueueExitReason reason, string word)
    {
        Assert.That(QueueRefusalReasons.Of(reason), Is.EqualTo(word));
        Assert.That(QueueRefusalReasons.FromJournal(reason.ToString()), Is.EqualTo(word));
        Assert.That(QueueRefusalReasons.FromJournal(word), Is.EqualTo(word));
    }
}
