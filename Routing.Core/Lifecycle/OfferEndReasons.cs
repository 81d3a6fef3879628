namespace CallCenter.Routing.Lifecycle;

/// <summary>
/// Why an offer ended unanswered, in the one set of words the gateway (<c>ring_cancelled.reason</c>)
/// and the agent's softphone (<c>revoked.reason</c>) both hear, so the two sides of an offer never
/// tell it differently. An offer that ended with its call (the caller hung up, the callback was
/// called off) is heard by the gateway as the call's end and by the softphone in these words.
/// </summary>
public static class OfferEndReasons
{
    /// <summary>The agent rejected the offer.</summary>
    public const string Declined = "declined";

    /// <summary>It rang out (the ring timeout).</summary>
    public const string TimedOut = "timed-out";

    /// <summary>The agent logged out while it rang.</summary>
    public const string AgentLoggedOut = "agent-logged-out";

    /// <summary>The agent's softphone disconnected or went silent while it rang.</summary>
    public const string SoftphoneLost = "softphone-lost";

    /// <summary>The agent was no longer free when the offer reached it; not held against the agent.</summary>
    public const string AgentBusy = "agent-busy";

    /// <summary>The offer rang when the server stopped: void after the restart.</summary>
    public const string ServerRestarted = "server-restarted";

    /// <summary>The caller hung up while it rang.</summary>
    public const string CallerHungUp = "caller-hung-up";

    /// <summary>The customer called off the callback while it rang.</summary>
    public const string CallbackCancelled = "callback-cancelled";

    /// <summary>The call went elsewhere while it rang (a transfer gave up on this target, say).</summary>
    public const string Withdrawn = "withdrawn";

    /// <summary>Every reason, for documentation and tests.</summary>
    public static IReadOnlyList<string> All { get; } =
    [
        Declined, TimedOut, AgentLoggedOut, SoftphoneLost, AgentBusy, ServerRestarted, CallerHungUp, CallbackCancelled, Withdrawn,
    ];

    public static string Of(OfferReturnReason reason) => reason switch
    {
        OfferReturnReason.Declined => Declined,
        OfferReturnReason.TimedOut => TimedOut,
        OfferReturnReason.Bounced => AgentBusy,
        OfferReturnReason.Voided => ServerRestarted,
        OfferReturnReason.AgentLoggedOut => AgentLoggedOut,
        OfferReturnReason.SoftphoneLost => SoftphoneLost,
        OfferReturnReason.Withdrawn => Withdrawn,
        _ => throw new ArgumentOutOfRangeException(nameof(reason), reason, "unknown offer return reason"),
    };

    public static string Of(WithdrawalReason reason) => reason switch
    {
        WithdrawalReason.CallerHungUp => CallerHungUp,
        WithdrawalReason.CallbackCancelled => CallbackCancelled,
        WithdrawalReason.CallTakenBack => Withdrawn,
        _ => throw new ArgumentOutOfRangeException(nameof(reason), reason, "unknown withdrawal reason"),
    };
}
