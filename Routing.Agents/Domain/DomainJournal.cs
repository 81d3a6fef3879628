using CallCenter.Routing.Agents.AgentActors;
using CallCenter.Routing.Configuration;
using CallCenter.Routing.Lifecycle;
using CallCenter.Routing.Model;

namespace CallCenter.Routing.Agents.Domain;

/// <summary>
/// Where a routing domain finds what is durable of it when it starts: the journal its events were
/// logged to. Loading also opens the domain's next incarnation, so the epochs of its offers start
/// above every epoch an earlier incarnation gave.
/// </summary>
public interface IDomainJournal
{
    Task<DomainJournalContents> LoadAsync(CancellationToken cancellation);
}

/// <summary>
/// A domain's journal as loaded at start: the first epoch its dispatcher may give, every open call's
/// events (in sequence order), every agent's last checkpoint, and the configuration the domain last
/// ran with (null: the one it was started with), so the calls come back into the queues they were in.
/// </summary>
/// <param name="Incarnation">Which start of the domain this is (0: a journal that does not count them); its log writes for it only while no later one has started.</param>
public sealed record DomainJournalContents(
    long FirstEpoch, IReadOnlyList<CallJournal> Calls, IReadOnlyList<AgentProtocol.Checkpoint> Agents,
    RoutingConfiguration? Configuration = null, long Incarnation = 0)
{
    public static DomainJournalContents Empty { get; } = new(1, [], []);
}

/// <summary>One call's events as the journal kept them.</summary>
public sealed record CallJournal(CallId Call, IReadOnlyList<CallEvent> Events);
