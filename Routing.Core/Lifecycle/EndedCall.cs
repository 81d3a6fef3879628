using CallCenter.Routing.Model;

namespace CallCenter.Routing.Lifecycle;

/// <summary>
/// What a routing domain keeps of an ended call for its retention: enough to answer late news
/// and repeats as the call itself answered them, and to say how it ended. A value, so minutes of
/// ended calls sit inside one table's storage instead of being an object each that the collector
/// promotes twice; the whole story stays in the interaction log and the operators' view.
/// </summary>
public readonly record struct EndedCall(
    CallId Id, CallOutcome Outcome, DateTimeOffset EndedAt, long LastSequence, QueueId Queue, TierId Tier, AgentId? Owner)
{
    /// <exception cref="ArgumentException">The state is not an ended call's.</exception>
    public static EndedCall Of(CallState final) =>
        final is { Status: CallStatus.Ended, Outcome: { } outcome, EndedAt: { } endedAt }
            ? new EndedCall(final.Id, outcome, endedAt, final.LastSequence, final.Queue, final.Tier, final.Owner)
            : throw new ArgumentException($"call '{final.Id}' has not ended ({final.Status})", nameof(final));

    /// <summary>The call's state as far as it is kept: ended, with how and when, where it last was and who owned it.</summary>
    public CallState ToState() => CallState.New(Id) with
    {
        Status = CallStatus.Ended,
        StatusSince = EndedAt,
        LastSequence = LastSequence,
        Queue = Queue,
        Tier = Tier,
        Owner = Owner,
        Outcome = Outcome,
        EndedAt = EndedAt,
    };
}
