using CallCenter.Routing.Model;

namespace CallCenter.Routing.Lifecycle;

/// <summary>What the agent recorded about a call at wrap-up: the disposition code, notes, the customer's score and a complaint.</summary>
public sealed record CallDisposition(
    CallId Call, AgentId Agent, string? Code, string? Notes, int? SatisfactionScore, bool Complaint);

/// <summary>A disposition was recorded for a call the agent handled.</summary>
public sealed record DispositionRecorded(CallDisposition Disposition, DateTimeOffset At);
