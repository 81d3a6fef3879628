using Npgsql;

namespace CallCenter.Routing.Host.InteractionLog;

/// <summary>
/// Which incarnation of a routing domain some records are of. A batch with them checks, in its own
/// transaction, that no later incarnation of each domain has started (<c>log_fence</c>, migration
/// 0009, which holds the domains' rows shared until the commit): a domain that started on another
/// node meanwhile waits for the commit before it reads its journal, or the write sees the new
/// incarnation and fails. So a node cut off from its cluster cannot add to a journal its domain's
/// new node has already recovered from.
/// </summary>
public sealed record LogFence(string Domain, long Incarnation)
{
    /// <summary>The SQLSTATE <c>log_fence</c> raises.</summary>
    public const string FencedOutState = "CCF01";

    public static bool IsFencedOut(Exception error) => error is PostgresException { SqlState: FencedOutState };

    private static readonly LogColumn<LogFence> Domains = LogColumn.Text<LogFence>("domain", f => f.Domain);
    private static readonly LogColumn<LogFence> Incarnations = LogColumn.Bigint<LogFence>("incarnation", f => f.Incarnation);

    internal static NpgsqlBatchCommand Command(IReadOnlyList<LogFence> fences) =>
        new("SELECT log_fence($1, $2)") { Parameters = { Domains.Values(fences), Incarnations.Values(fences) } };
}
