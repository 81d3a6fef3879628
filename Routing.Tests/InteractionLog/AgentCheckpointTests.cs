using CallCenter.Routing.Agents.AgentActors;
using CallCenter.Routing.Configuration;
using CallCenter.Routing.Host.InteractionLog;
using CallCenter.Routing.Lifecycle;
using CallCenter.Routing.Model;
using Dapper;

namespace CallCenter.Routing.Tests.InteractionLog;

/// <summary>
/// The agents' checkpoints are appended, one row per version: recovery takes each agent's newest,
/// whatever order the versions were committed in and however often one was written again, and the
/// pruning deletes only versions a newer one replaced.
/// </summary>
[TestFixture]
public sealed class AgentCheckpointTests : WriterOnFreshDatabase
{
    private static LogRecord.AgentCheckpoint Version(string agent, long version, AgentStatus status = AgentStatus.Available)
    {
        var state = new AgentSnapshot { Id = agent, Status = status, StatusSince = Nine.AddSeconds(version) };
        return new LogRecord.AgentCheckpoint(new AgentId(agent), version, new AgentProtocol.Checkpoint(state, version, null, null, null, false, Nine));
    }

    private async Task<Dictionary<string, long>> RecoveredVersionsAsync()
    {
        var journal = new PostgresDomainJournal(new LogDatabase(database), new ConfigurationJournal(new LogDatabase(database), new RoutingConfiguration()));
        var contents = await journal.LoadAsync(CancellationToken.None);
        return contents.Agents.ToDictionary(a => a.State.Id, a => a.Version);
    }

    private async Task<long> RowsAsync()
    {
        await using var connection = await database.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM agent_checkpoints");
    }

    [Test]
    public async Task Recovery_takes_each_agents_newest_version_whatever_order_they_were_committed_in()
    {
        await writer.AppendAsync([Version("ann", 1), Version("bob", 1)]);
        await writer.AppendAsync([Version("ann", 3), Version("ann", 2)]);
        // Older versions committed after newer ones (a replay): they do not win.
        await writer.AppendAsync([Version("ann", 2), Version("bob", 4, AgentStatus.NotReady)]);
        await writer.AppendAsync([Version("bob", 3)]);

        Assert.That(await RecoveredVersionsAsync(), Is.EqualTo(new Dictionary<string, long> { ["ann"] = 3, ["bob"] = 4 }));
        var bob = (await new PostgresDomainJournal(new LogDatabase(database), new ConfigurationJournal(new LogDatabase(database), new RoutingConfiguration()))
            .LoadAsync(CancellationToken.None)).Agents.Single(a => a.State.Id == "bob");
        Assert.That(bob.State.Status, Is.EqualTo(AgentStatus.NotReady), "the newest version's content, not only its number");
    }

    [Test]
    public async Task A_batch_keeps_each_agents_newest_only_and_a_version_written_again_leaves_one_row()
    {
        await writer.AppendAsync([Version("ann", 1), Version("ann", 2), Version("ann", 3)]);
        Assert.That(await RowsAsync(), Is.EqualTo(1));

        // The same version again: the copy meets its row, and the batch is written the careful way.
        await writer.AppendAsync([Version("ann", 3), Version("bob", 1)]);

        Assert.That(await RowsAsync(), Is.EqualTo(2));
        Assert.That(await RecoveredVersionsAsync(), Is.EqualTo(new Dictionary<string, long> { ["ann"] = 3, ["bob"] = 1 }));
    }

    [Test]
    public async Task Pruning_deletes_the_replaced_versions_and_recovery_finds_the_same_agents()
    {
        for (var version = 1; version <= 5; version++)
        {
            await writer.AppendAsync([Version("ann", version), Version("bob", version * 2)]);
        }

        await writer.AppendAsync(Version("carol", 1, AgentStatus.LoggedOut));
        var before = await RecoveredVersionsAsync();
        Assert.That(await RowsAsync(), Is.EqualTo(11));

        var deleted = await AgentCheckpointPruning.PruneAsync(database, CancellationToken.None);

        Assert.That(deleted, Is.EqualTo(8));
        Assert.That(await RowsAsync(), Is.EqualTo(3));
        Assert.That(await RecoveredVersionsAsync(), Is.EqualTo(before));
        Assert.That(before, Is.EqualTo(new Dictionary<string, long> { ["ann"] = 5, ["bob"] = 10, ["carol"] = 1 }));
        Assert.That(await AgentCheckpointPruning.PruneAsync(database, CancellationToken.None), Is.Zero, "nothing left to prune");
    }
}
