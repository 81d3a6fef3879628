using CallCenter.Routing.Matching;

namespace CallCenter.Routing.Lifecycle;

/// <summary>
/// Why a queue would not keep a call, as <see cref="CallEvent.Refused"/> and the gateway's
/// <c>refused.reason</c> say it: kebab-case, like every other reason the server gives.
/// </summary>
public static class QueueRefusalReasons
{
    public const string Closed = "closed";
    public const string Full = "full";
    public const string MaximumWait = "maximum-wait";

    public static string Of(QueueExitReason reason) => reason switch
    {
        QueueExitReason.Closed => Closed,
        QueueExitReason.Full => Full,
        QueueExitReason.MaximumWait => MaximumWait,
        _ => throw new ArgumentOutOfRangeException(nameof(reason), reason, "unknown queue exit reason"),
    };

    /// <summary>
    /// A refusal as the journal keeps it: journals written before these words hold the enum's own
    /// names (<c>Full</c>, <c>Closed</c>, <c>MaximumWait</c>), read as the words used now.
    /// </summary>
    public static string FromJournal(string journalled) => journalled switch
    {
        nameof(QueueExitReason.Closed) => Closed,
        nameof(QueueExitReason.Full) => Full,
        nameof(QueueExitReason.MaximumWait) => MaximumWait,
        _ => journalled,
    };
}
