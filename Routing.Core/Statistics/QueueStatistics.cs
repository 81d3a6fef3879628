using CallCenter.Routing.Model;

namespace CallCenter.Routing.Statistics;

/// <summary>Something that happened to a call in a queue, as statistics see it.</summary>
public abstract record QueueFact(QueueId Queue)
{
    public sealed record Entered(QueueId Queue) : QueueFact(Queue);

    public sealed record Answered(QueueId Queue, TimeSpan Waited) : QueueFact(Queue);

    public sealed record Abandoned(QueueId Queue, TimeSpan Waited) : QueueFact(Queue);

    /// <summary>The call left for another queue (overflow or transfer) or was refused after entering.</summary>
    public sealed record Left(QueueId Queue) : QueueFact(Queue);
}

/// <summary>
/// A queue's running figures since it started. Service level is the share of calls answered
/// within the threshold among calls answered or abandoned after the threshold (callers who
/// hang up within it are not counted against the queue, the usual contact-centre rule).
/// </summary>
public sealed record QueueStatistics(QueueId Queue, TimeSpan ServiceLevelThreshold)
{
    public int Entered { get; init; }
    public int Answered { get; init; }
    public int AnsweredWithinThreshold { get; init; }
    public int Abandoned { get; init; }
    public int AbandonedWithinThreshold { get; init; }
    public int Left { get; init; }
    public TimeSpan TotalAnsweredWait { get; init; }
    public TimeSpan LongestAnsweredWait { get; init; }

    /// <summary>Calls now in the queue, as the facts count them (waiting or ringing).</summary>
    public int InQueue => Entered - Answered - Abandoned - Left;

    public double? ServiceLevel
    {
        get
        {
            var counted = Answered + Abandoned - AbandonedWithinThreshold;
            return counted == 0 ? null : AnsweredWithinThreshold / (double)counted;
        }
    }

    public TimeSpan? AverageSpeedOfAnswer => Answered == 0 ? null : TotalAnsweredWait / Answered;

    public double? AbandonmentRate => Answered + Abandoned == 0 ? null : Abandoned / (double)(Answered + Abandoned);

    public QueueStatistics Apply(QueueFact fact) => fact switch
    {
        QueueFact.Entered => this with { Entered = Entered + 1 },
        QueueFact.Answered answered => this with
        {
            Answered = Answered + 1,
            AnsweredWithinThreshold = AnsweredWithinThreshold + (answered.Waited <= ServiceLevelThreshold ? 1 : 0),
            TotalAnsweredWait = TotalAnsweredWait + answered.Waited,
            LongestAnsweredWait = answered.Waited > LongestAnsweredWait ? answered.Waited : LongestAnsweredWait,
        },
        QueueFact.Abandoned abandoned => this with
        {
            Abandoned = Abandoned + 1,
            AbandonedWithinThreshold = AbandonedWithinThreshold + (abandoned.Waited <= ServiceLevelThreshold ? 1 : 0),
        },
        QueueFact.Left => this with { Left = Left + 1 },
        _ => this,
    };
}
