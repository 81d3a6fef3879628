using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;

namespace CallCenter.Routing.Benchmarks.Load;

/// <summary>
/// What the gateways and softphones saw of every call of a run, indexed by the call's number:
/// when it was sent, acknowledged, offered, connected and ended, to whom, and the counters a
/// progress line and the final report read.
/// </summary>
internal sealed class CallBook
{
    public const int Waiting = 0;
    public const int Connected = 1;
    public const int HungUp = 2;

    private readonly int _measuredFrom;
    private readonly ConcurrentDictionary<string, int> _errors = new();

    public CallBook(string tag, int calls, int measuredFrom)
    {
        Tag = tag;
        _measuredFrom = measuredFrom;
        SentAt = new long[calls];
        AckedAt = new long[calls];
        OfferedAt = new long[calls];
        EndedAt = new long[calls];
        ConnectedAgent = new int[calls];
        AssignedAgent = new int[calls];
        Phase = new int[calls];
        Outcome = new string?[calls];
        RefusedCall = new bool[calls];
    }

    /// <summary>Prefixes every call and agent id of the run, so runs against one server never mix.</summary>
    public string Tag { get; }

    public int Calls => SentAt.Length;
    public long[] SentAt { get; }
    public long[] AckedAt { get; }
    public long[] OfferedAt { get; }
    public long[] EndedAt { get; }
    /// <summary>1 + the agent the gateway was told to connect; 0 before.</summary>
    public int[] ConnectedAgent { get; }
    /// <summary>1 + the agent whose softphone got the assignment; 0 before.</summary>
    public int[] AssignedAgent { get; }
    /// <summary><see cref="Waiting"/>, <see cref="Connected"/> (hang-up planned) or <see cref="HungUp"/>.</summary>
    public int[] Phase { get; }
    public string?[] Outcome { get; }
    /// <summary>The server refused the call's arrival as overload: accounted for, never in the log.</summary>
    public bool[] RefusedCall { get; }

    public LatencyHistogram OfferLatency { get; } = new();
    public LatencyHistogram AckLatency { get; } = new();

    public long Sent;
    public long Acknowledged;
    public long Offers;
    public long Connects;
    public long Ended;
    public long DoubleAssignments;
    public long Abandons;
    public long Rejections;
    public long Disconnects;
    public long Revocations;
    public long Announcements;
    public long Refused;
    /// <summary>gRPC messages either way: gateway events and replies, softphone commands, replies and updates.</summary>
    public long Messages;

    public IReadOnlyDictionary<string, int> Errors => _errors;

    public string CallId(int call) => string.Create(CultureInfo.InvariantCulture, $"{Tag}-{call}");

    public string AgentId(int agent) => string.Create(CultureInfo.InvariantCulture, $"{Tag}-agent-{agent}");

    /// <summary>The number of one of this run's calls, or -1 for an id that is not.</summary>
    public int CallNumber(string callId) =>
        callId.Length > Tag.Length + 1 && callId.StartsWith(Tag, StringComparison.Ordinal) && callId[Tag.Length] == '-'
        && int.TryParse(callId.AsSpan(Tag.Length + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var call) && call < Calls
            ? call
            : -1;

    public int AgentNumber(string agentId) =>
        agentId.StartsWith(Tag, StringComparison.Ordinal)
        && int.TryParse(agentId.AsSpan(Tag.Length + "-agent-".Length), NumberStyles.None, CultureInfo.InvariantCulture, out var agent)
            ? agent
            : -1;

    public void Error(string what) => _errors.AddOrUpdate(what, 1, (_, n) => n + 1);

    public void MarkSent(int call)
    {
        SentAt[call] = Stopwatch.GetTimestamp();
        Interlocked.Increment(ref Sent);
    }

    public void MarkAcknowledged(int call)
    {
        if (Interlocked.CompareExchange(ref AckedAt[call], Stopwatch.GetTimestamp(), 0) == 0)
        {
            Interlocked.Increment(ref Acknowledged);
            Measure(call, AckLatency, AckedAt[call]);
        }
    }

    /// <summary>The first offer of a call counts for the latency; later ones are re-offers.</summary>
    public void MarkOffered(int call)
    {
        if (Interlocked.CompareExchange(ref OfferedAt[call], Stopwatch.GetTimestamp(), 0) == 0)
        {
            Interlocked.Increment(ref Offers);
            Measure(call, OfferLatency, OfferedAt[call]);
        }
    }

    /// <summary>Notes who a call went to, as one side saw it; a second, different agent is a double assignment.</summary>
    public bool MarkAgent(int[] seen, int call, int agent)
    {
        var was = Interlocked.CompareExchange(ref seen[call], agent + 1, 0);
        if (was != 0 && was != agent + 1)
        {
            Interlocked.Increment(ref DoubleAssignments);
            Error($"call {CallId(call)} given to two agents");
        }

        return was == 0;
    }

    /// <summary>The gateway was told the server takes no new calls (overload): the caller hears busy.</summary>
    public void MarkRefused(int call)
    {
        Phase[call] = HungUp;
        if (!RefusedCall[call])
        {
            RefusedCall[call] = true;
            Interlocked.Increment(ref Refused);
        }
    }

    public void MarkEnded(int call, string outcome)
    {
        Outcome[call] = outcome;
        if (Interlocked.CompareExchange(ref EndedAt[call], Stopwatch.GetTimestamp(), 0) == 0)
        {
            Interlocked.Increment(ref Ended);
        }
    }

    private void Measure(int call, LatencyHistogram histogram, long at)
    {
        if (call >= _measuredFrom && SentAt[call] != 0)
        {
            histogram.Record((at - SentAt[call]) * 1_000_000 / Stopwatch.Frequency);
        }
    }
}
